import Foundation
import PortalContent
import PortalCore

/// Places cities on a flat map of their own bounding box (equirectangular, scaled by
/// the cosine of the middle latitude so that Europe keeps its shape).
struct MapProjection: Sendable {
    let minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double
    let scale: Double
    static let width = 800.0
    static let padding = 20.0

    init(cities: [City]) {
        let latitudes = cities.compactMap(\.latitude), longitudes = cities.compactMap(\.longitude)
        minLatitude = (latitudes.min() ?? 35) - 1
        maxLatitude = (latitudes.max() ?? 70) + 1
        minLongitude = (longitudes.min() ?? -10) - 1
        maxLongitude = (longitudes.max() ?? 30) + 1
        let middle = (minLatitude + maxLatitude) / 2 * Double.pi / 180
        scale = cos(middle)
    }

    var height: Double {
        let spanX = (maxLongitude - minLongitude) * scale
        let spanY = maxLatitude - minLatitude
        return (Self.width - 2 * Self.padding) * spanY / max(spanX, 0.0001) + 2 * Self.padding
    }

    func point(latitude: Double, longitude: Double) -> (x: Double, y: Double) {
        let spanX = (maxLongitude - minLongitude) * scale
        let factor = (Self.width - 2 * Self.padding) / max(spanX, 0.0001)
        let x = Self.padding + (longitude - minLongitude) * scale * factor
        let y = Self.padding + (maxLatitude - latitude) * factor
        return (x, y)
    }

    static func format(_ value: Double) -> String {
        String(format: "%.1f", value)
    }
}

extension SiteRenderer {
    func countryName(_ code: String, _ language: String) -> String {
        if let name = site.countryNames[code]?[language] ?? site.countryNames[code]?[defaultLanguage] { return name }
        return Countries.name(code, languageCode: strings[language]!.language.languageCode)
    }

    func sectorName(_ sector: String, _ language: String) -> String {
        let text = strings[language]!.text("sector_" + sector)
        if !text.isEmpty { return text }
        return sector.prefix(1).uppercased() + sector.dropFirst().replacingOccurrences(of: "-", with: " ")
    }

    func cityURLPath(_ city: City, _ language: String) -> String { "/\(language)/\(SitePlan.citiesPath)/\(city.id)/" }

    func cityObject(_ index: Int, _ code: String) -> [String: Any] {
        let city = site.cities[index]
        let strings = self.strings[code]!
        var object: [String: Any] = [
            "id": city.id,
            "name": city.name(in: code),
            "nativeName": city.name,
            "hasOtherName": city.name(in: code) != city.name,
            "url": url(cityURLPath(city, code)),
            "country": city.country,
            "countryName": countryName(city.country, code),
            "countryURL": url("/\(code)/\(SitePlan.citiesPath)/#country-\(city.country.lowercased())"),
            "sectors": city.sectors.map { ["id": $0, "name": sectorName($0, code)] },
            "sectorIDs": city.sectors.joined(separator: " "),
            "pilotCity": city.pilotCity == true,
            "params": city.params.mapValues { $0.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes) },
            "searchName": Slug.searchFold(city.name(in: code) + " " + city.name),
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
        if let latitude = city.latitude, let longitude = city.longitude {
            object["latitude"] = strings.format.decimal(latitude)
            object["longitude"] = strings.format.decimal(longitude)
            let point = mapProjection.point(latitude: latitude, longitude: longitude)
            object["mapX"] = MapProjection.format(point.x)
            object["mapY"] = MapProjection.format(point.y)
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
    func sortedCityIndices(_ code: String) -> [Int] {
        site.cities.indices.sorted { a, b in
            let na = Slug.searchFold(site.cities[a].name(in: code)), nb = Slug.searchFold(site.cities[b].name(in: code))
            return na != nb ? na < nb : site.cities[a].id < site.cities[b].id
        }
    }

    func mapObject(_ code: String, cities: [[String: Any]]) -> [String: Any] {
        [
            "width": MapProjection.format(MapProjection.width),
            "height": MapProjection.format(mapProjection.height),
            "points": cities.filter { $0["mapX"] != nil },
        ]
    }

    func cityIndexContext(_ code: String) -> [String: Any] {
        let urlPath = "/\(code)/\(SitePlan.citiesPath)/"
        var context = baseContext(language: code, urlPath: urlPath, translationID: nil, alternates: generatedAlternates(SitePlan.citiesPath))
        context["page"] = introObject(plan.cityIndexIntro, code, title: citiesTitle(code), urlPath: urlPath)
        context["breadcrumbs"] = breadcrumbs(code, contentPath: SitePlan.citiesPath)
        let strings = self.strings[code]!
        let cities = sortedCityIndices(code).map { cityObject($0, code) }
        context["cities"] = cities
        context["cityCount"] = LocalizedNumber(value: cities.count, strings: strings)

        var byCountry: [String: [[String: Any]]] = [:]
        for city in cities { byCountry[city["country"] as! String, default: []].append(city) }
        let countries = byCountry.keys.sorted { a, b in
            let na = Slug.searchFold(countryName(a, code)), nb = Slug.searchFold(countryName(b, code))
            return na != nb ? na < nb : a < b
        }
        context["countries"] = countries.map { country -> [String: Any] in
            [
                "code": country, "id": country.lowercased(), "name": countryName(country, code),
                "count": LocalizedNumber(value: byCountry[country]!.count, strings: strings),
                "cities": byCountry[country]!,
            ]
        }
        let sectors = Set(site.cities.flatMap(\.sectors)).sorted()
        context["sectors"] = sectors.map { ["id": $0, "name": sectorName($0, code)] }
        context["hasSectors"] = !sectors.isEmpty
        context["labelYears"] = Set(site.cities.compactMap(\.missionLabel)).sorted().map { String($0) }
        context["pilotCount"] = LocalizedNumber(value: site.cities.filter { $0.pilotCity == true }.count, strings: strings)
        context["map"] = mapObject(code, cities: cities)
        context["cityForms"] = pluralForms("cityCount", code)
        return context
    }

    func cityContext(_ index: Int, _ code: String) -> [String: Any] {
        let city = site.cities[index]
        let urlPath = cityURLPath(city, code)
        var context = baseContext(language: code, urlPath: urlPath, translationID: nil, alternates: generatedAlternates("\(SitePlan.citiesPath)/\(city.id)"))
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
        if let narrative {
            let source = site.pages[narrative]
            page["content"] = markdown[narrative].html
            if let description = source.description { page["description"] = description }
            page["params"] = source.params.mapValues { $0.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes) }
            dateFields(source.date, prefix: "date", code, into: &page)
        }
        context["page"] = page
        context["breadcrumbs"] = breadcrumbs(code, contentPath: "\(SitePlan.citiesPath)/\(city.id)")
        var points = sortedCityIndices(code).map { cityObject($0, code) }
        for i in points.indices where points[i]["id"] as? String == city.id { points[i]["current"] = true }
        context["map"] = mapObject(code, cities: points)
        return context
    }
}
