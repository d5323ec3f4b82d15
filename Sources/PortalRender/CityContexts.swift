import Foundation
import PortalContent
import PortalCore

/// Places cities on a flat map of their own bounding box (equirectangular, scaled by
/// the cosine of the middle latitude so that Europe keeps its shape).
struct MapProjection: Sendable {
    static let width = 800.0
    static let padding = 20.0
    /// The map's width and height, and each city's point (by index; nil for a city
    /// without coordinates), as the map and the templates write them: made once, since
    /// `String(format:)` costs some ten thousand instructions a number.
    let widthText: String, heightText: String
    let pointTexts: [(x: String, y: String)?]

    init(cities: [City]) {
        let latitudes = cities.compactMap(\.latitude), longitudes = cities.compactMap(\.longitude)
        let minLatitude = (latitudes.min() ?? 35) - 1
        let maxLatitude = (latitudes.max() ?? 70) + 1
        let minLongitude = (longitudes.min() ?? -10) - 1
        let maxLongitude = (longitudes.max() ?? 30) + 1
        let scale = cos((minLatitude + maxLatitude) / 2 * Double.pi / 180)
        let spanX = (maxLongitude - minLongitude) * scale
        let factor = (Self.width - 2 * Self.padding) / max(spanX, 0.0001)
        widthText = Self.format(Self.width)
        heightText = Self.format((Self.width - 2 * Self.padding) * (maxLatitude - minLatitude) / max(spanX, 0.0001) + 2 * Self.padding)
        pointTexts = cities.map { city in
            guard let latitude = city.latitude, let longitude = city.longitude else { return nil }
            let x = Self.padding + (longitude - minLongitude) * scale * factor
            let y = Self.padding + (maxLatitude - latitude) * factor
            return (Self.format(x), Self.format(y))
        }
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}

extension SiteRenderer {
    func countryName(_ code: String, _ language: String) -> String {
        Self.countryName(code, language, site: site, languageCode: strings[language]!.language.languageCode)
    }

    func cityURLPath(_ city: City, _ language: String) -> String { "/\(language)/\(SitePlan.citiesPath)/\(city.id)/" }

    /// A city's object in language `code` (`city`, an item of `cities` and of the map's
    /// points): made once, with the language's tables (`LanguageTables.cityObjects`).
    func cityObject(_ index: Int, _ code: String) -> [String: Any] { tables[code]!.cityObjects[index] }

    /// Makes a city's object from the city, its facts and its summary.
    func makeCityObject(_ index: Int, _ code: String) -> [String: Any] {
        let city = site.cities[index]
        let strings = self.strings[code]!
        let facts = tables[code]!.cities[index]
        var object: [String: Any] = [
            "id": city.id,
            "name": facts.name,
            "nativeName": city.name,
            "hasOtherName": facts.name != city.name,
            "url": url(cityURLPath(city, code)),
            "country": city.country,
            "countryName": facts.countryName,
            "countryURL": url("/\(code)/\(SitePlan.citiesPath)/#country-\(city.country.lowercased())"),
            "sectors": facts.sectors.map { ["id": $0.id, "name": $0.name] },
            "sectorIDs": city.sectors.joined(separator: " "),
            "pilotCity": city.pilotCity == true,
            "params": city.params.mapValues { $0.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes) },
            "searchName": facts.searchName,
        ]
        if let population = city.population { object["population"] = LocalizedNumber(value: population, strings: strings) }
        if let year = city.targetYear { object["targetYear"] = String(year) }
        if let year = city.missionLabel { object["missionLabel"] = String(year) }
        if let website = city.website { object["website"] = website }
        if case .list(let items)? = city.params["sources"] {
            let sources = items.compactMap { item -> String? in if case .string(let text) = item { return text } else { return nil } }
            object["sources"] = sources
            object["hasSources"] = !sources.isEmpty
        }
        if let latitude = facts.latitude, let longitude = facts.longitude, let x = facts.mapX, let y = facts.mapY {
            object["latitude"] = latitude
            object["longitude"] = longitude
            object["mapX"] = x
            object["mapY"] = y
        }
        if let summary = citySummaries[index][code] {
            object["summary"] = summary
        } else if let summary = citySummaries[index][defaultLanguage] {
            object["summary"] = summary
            object["summaryIsFallback"] = true
            object["summaryLanguageCode"] = site.language(defaultLanguage)?.languageCode ?? defaultLanguage
        }
        return object
    }

    /// Cities in the reader's alphabet order (diacritics folded), then by id.
    func sortedCityIndices(_ code: String) -> [Int] { tables[code]!.cityOrder }

    func mapObject(_ code: String, cities: [[String: Any]]) -> [String: Any] {
        [
            "width": mapProjection.widthText,
            "height": mapProjection.heightText,
            "points": cities.filter { $0["mapX"] != nil },
        ]
    }

    func cityIndexContext(_ code: String) -> ContextValues {
        let urlPath = "/\(code)/\(SitePlan.citiesPath)/"
        var context = baseContext(language: code, urlPath: urlPath, alternates: generatedAlternates(SitePlan.citiesPath))
        context["page"] = introObject(plan.cityIndexIntro, code, title: citiesTitle(code), urlPath: urlPath)
        context["breadcrumbs"] = breadcrumbs(code, contentPath: SitePlan.citiesPath)
        let strings = self.strings[code]!
        let cities = sortedCityIndices(code).map { cityObject($0, code) }
        context["cities"] = cities
        context["cityCount"] = LocalizedNumber(value: cities.count, strings: strings)

        var byCountry: [String: [[String: Any]]] = [:]
        for city in cities { byCountry[city["country"] as! String, default: []].append(city) }
        context["countries"] = tables[code]!.countries.map { country, name -> [String: Any] in
            [
                "code": country, "id": country.lowercased(), "name": name,
                "count": LocalizedNumber(value: byCountry[country]!.count, strings: strings),
                "cities": byCountry[country]!,
            ]
        }
        let sectors = Set(site.cities.flatMap(\.sectors)).sorted()
        context["sectors"] = sectors.map { ["id": $0, "name": Self.sectorName($0, strings)] }
        context["hasSectors"] = !sectors.isEmpty
        context["labelYears"] = Set(site.cities.compactMap(\.missionLabel)).sorted().map { String($0) }
        context["pilotCount"] = LocalizedNumber(value: site.cities.filter { $0.pilotCity == true }.count, strings: strings)
        context["map"] = mapObject(code, cities: cities)
        context["cityForms"] = pluralForms("cityCount", code)
        return context
    }

    func cityContext(_ index: Int, _ code: String) -> ContextValues {
        let city = site.cities[index]
        let urlPath = cityURLPath(city, code)
        var context = baseContext(language: code, urlPath: urlPath, alternates: generatedAlternates("\(SitePlan.citiesPath)/\(city.id)"))
        let object = cityObject(index, code)
        context["city"] = object
        var page: [String: Any] = [
            "title": object["name"]!, "url": url(urlPath), "permalink": permalink(urlPath), "content": "",
            "description": (object["name"] as! String) + " — " + (object["countryName"] as! String),
        ]
        var narrative = plan.cityNarratives[code]?[city.id]
        if narrative == nil, site.config.missingTranslations == .fallback, let other = plan.cityNarratives[defaultLanguage]?[city.id] {
            narrative = other
            page["contentIsFallback"] = true
            page["textLanguageCode"] = site.language(defaultLanguage)?.languageCode ?? defaultLanguage
            page["originalLanguageName"] = site.language(defaultLanguage)?.name ?? defaultLanguage
        }
        page["hasContent"] = narrative != nil
        if let narrative {
            let source = site.pages[narrative]
            page["content"] = HTMLText(bytes: markdown[narrative].htmlBytes)
            if let description = source.description { page["description"] = description }
            page["params"] = source.params.mapValues { $0.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes) }
            dateFields(source.date, prefix: "date", code, into: &page)
        }
        context["page"] = page
        context["breadcrumbs"] = breadcrumbs(code, contentPath: "\(SitePlan.citiesPath)/\(city.id)")
        // The other cities come from the language's map file (one file, not 112 dots
        // on every city page); this city is drawn over it.
        var current = object
        current["current"] = true
        var map = mapObject(code, cities: [current])
        map["imageURL"] = url("/\(code)/\(SitePlan.citiesPath)/map.svg")
        context["map"] = map
        return context
    }
}
