import Foundation
import PortalContent
import PortalCore

/// What every page of a language shares, computed once per build instead of once per page.
/// A class: pages read it on both cores, and reading a field of a struct kept in a
/// dictionary copies the whole struct (a reference count taken and given back, from both
/// cores, on each of its thirteen fields). Filled in while the site is prepared
/// (`SiteRenderer.prepare`), only read after.
final class LanguageTables: @unchecked Sendable {
    /// Main menu: title and site-relative path.
    let menu: [(title: String, path: String)]
    /// Section content path (`` for the home) → planned pages listed in it, in list order.
    let children: [String: [Int]]
    /// Dated real pages of the language, newest first (indices into plannedPages).
    let dated: [Int]
    /// Every page of the language in list order, as the search index lists them.
    let searchOrder: [Int]
    /// The search index entries of the city directory and the cities, joined.
    var citySearchEntries: [UInt8] = []
    /// `site`, `lang`, `t`, `data`, `asset` and the language's URLs: the same on every page
    /// of the language (see `sharedValues`).
    var shared: [String: SharedValue] = [:] {
        didSet { sharedContext = SharedContext(shared) }
    }
    /// `shared` as the start of a page's context.
    private(set) var sharedContext = SharedContext([:])
    /// The main menu as most pages show it, built and fingerprinted once: by `menuForm`
    /// of the page's URL path (see `SiteRenderer.menu`).
    var menuForms: [Int: SharedValue] = [:]
    /// Every date of the site written the language's way.
    let dates: [PageDate: String]
    /// Cities in the reader's alphabetical order.
    let cityOrder: [Int]
    /// Per city (by index in `site.cities`): the facts as the language writes them.
    let cities: [CityFacts]
    /// Per city: the object templates read as `city` (and as an item of `cities` and of
    /// the map's points), made once for the city directory, the city's page and its JSON.
    var cityObjects: [[String: Any]] = []
    /// Country codes in the reader's alphabetical order, with their names.
    let countries: [(code: String, name: String)]

    init(menu: [(title: String, path: String)], children: [String: [Int]], dated: [Int], searchOrder: [Int],
         dates: [PageDate: String], cityOrder: [Int], cities: [CityFacts], countries: [(code: String, name: String)]) {
        (self.menu, self.children, self.dated, self.searchOrder) = (menu, children, dated, searchOrder)
        (self.dates, self.cityOrder, self.cities, self.countries) = (dates, cityOrder, cities, countries)
    }
}

/// A language's shared values as the root of each of its pages holds them beside the
/// page's own (`RootValues`), and the sums of their entries' hashes, which a page's
/// render key adds to those of its own values.
final class SharedContext: @unchecked Sendable {
    /// Never changed once made.
    let values: ContextValues
    /// Nil when a value is of a type the fingerprint does not know.
    let sums: (count: Int, high: UInt64, low: UInt64)?

    init(_ shared: [String: SharedValue]) {
        var values = ContextValues(capacity: shared.count)
        for (key, value) in shared { values[key] = value }
        self.values = values
        self.sums = FingerprintHasher.entrySums(values)
    }
}

/// One city's facts, formatted for one language.
struct CityFacts: Sendable {
    var name: String
    var countryName: String
    var searchName: String
    var latitude: String?
    var longitude: String?
    var mapX: String?
    var mapY: String?
    var sectors: [(id: String, name: String)]
}

extension SiteRenderer {
    /// The tables of every output language, one language per core.
    static func makeTables(plan: SitePlan, strings: [String: LanguageStrings], projection: MapProjection) async -> [String: LanguageTables] {
        var allDates = Set<PageDate>()
        for page in plan.site.pages {
            if let date = page.date { allDates.insert(date) }
            if let date = page.lastmod { allDates.insert(date) }
        }
        let dates = allDates
        let made = await parallelMap(plan.outputLanguages) { language in
            makeTable(language, plan: plan, strings: strings, projection: projection, allDates: dates)
        }
        return Dictionary(uniqueKeysWithValues: zip(plan.outputLanguages.map(\.code), made))
    }

    private static func makeTable(_ language: Language, plan: SitePlan, strings: [String: LanguageStrings], projection: MapProjection, allDates: Set<PageDate>) -> LanguageTables {
        let site = plan.site
        let code = language.code
        let languageStrings = strings[code]!
        var dates: [PageDate: String] = [:]
        for date in allDates { dates[date] = languageStrings.format.date(year: date.year, month: date.month, day: date.day) }

        let entries = (plan.pathLookup[code] ?? [:]).values.sorted()
        var children: [String: [Int]] = [:]
        for index in entries {
            let page = site.pages[plan.plannedPages[index].pageIndex]
            guard !page.contentPath.isEmpty else { continue }
            children[page.parentPath, default: []].append(index)
        }
        for (key, list) in children { children[key] = sortForList(list, plan: plan) }
        let dated = entries.filter { !plan.plannedPages[$0].isFallback && site.pages[plan.plannedPages[$0].pageIndex].date != nil }
            .sorted { a, b in
                let da = site.pages[plan.plannedPages[a].pageIndex].date!, db = site.pages[plan.plannedPages[b].pageIndex].date!
                return da != db ? db < da : plan.plannedPages[a].urlPath < plan.plannedPages[b].urlPath
            }

        var facts: [CityFacts] = []
        for (index, city) in site.cities.enumerated() {
            let countryName = countryName(city.country, code, site: site, languageCode: language.languageCode)
            var fact = CityFacts(
                name: city.name(in: code), countryName: countryName,
                searchName: Slug.searchFold(city.name(in: code) + " " + city.name),
                sectors: city.sectors.map { ($0, sectorName($0, languageStrings)) }
            )
            if let latitude = city.latitude, let longitude = city.longitude {
                fact.latitude = languageStrings.format.decimal(latitude)
                fact.longitude = languageStrings.format.decimal(longitude)
                fact.mapX = projection.pointTexts[index]?.x
                fact.mapY = projection.pointTexts[index]?.y
            }
            facts.append(fact)
        }
        let folded = facts.map { Slug.searchFold($0.name) }
        let cityOrder = site.cities.indices.sorted { a, b in folded[a] != folded[b] ? folded[a] < folded[b] : site.cities[a].id < site.cities[b].id }
        var countryNames: [String: String] = [:]
        for (index, city) in site.cities.enumerated() { countryNames[city.country] = facts[index].countryName }
        let countries = countryNames.sorted { a, b in
            let fa = Slug.searchFold(a.value), fb = Slug.searchFold(b.value)
            return fa != fb ? fa < fb : a.key < b.key
        }.map { (code: $0.key, name: $0.value) }

        return LanguageTables(
            menu: menuItems(plan: plan, code: code, strings: languageStrings),
            children: children, dated: dated, searchOrder: sortForList(entries, plan: plan), dates: dates,
            cityOrder: cityOrder, cities: facts, countries: countries
        )
    }

    /// List order: weight (unset last), then newest first, then title.
    static func sortForList(_ indices: [Int], plan: SitePlan) -> [Int] {
        let site = plan.site
        // Fields read in place: a page copied out for each comparison is a dozen
        // references counted up and down.
        return indices.sorted { a, b in
            let pa = plan.plannedPages[a].pageIndex, pb = plan.plannedPages[b].pageIndex
            let wa = site.pages[pa].weight == 0 ? Int.max : site.pages[pa].weight
            let wb = site.pages[pb].weight == 0 ? Int.max : site.pages[pb].weight
            if wa != wb { return wa < wb }
            let da = site.pages[pa].date, db = site.pages[pb].date
            if da != db {
                guard let da else { return false }
                guard let db else { return true }
                return db < da
            }
            if site.pages[pa].title != site.pages[pb].title { return site.pages[pa].title < site.pages[pb].title }
            return plan.plannedPages[a].urlPath < plan.plannedPages[b].urlPath
        }
    }

    static func countryName(_ code: String, _ language: String, site: Site, languageCode: String) -> String {
        if let name = site.countryNames[code]?[language] ?? site.countryNames[code]?[site.defaultLanguage] { return name }
        return Countries.name(code, languageCode: languageCode)
    }

    static func sectorName(_ sector: String, _ strings: LanguageStrings) -> String {
        let text = strings.text("sector_" + sector)
        if !text.isEmpty { return text }
        return sector.prefix(1).uppercased() + sector.dropFirst().replacingOccurrences(of: "-", with: " ")
    }

    static func citiesTitle(plan: SitePlan, code: String, strings: LanguageStrings) -> String {
        if let index = plan.cityIndexIntro[code] { return plan.site.pages[index].title }
        let text = strings.text("cities")
        return text.isEmpty ? "Cities" : text
    }

    static func searchTitle(plan: SitePlan, code: String, strings: LanguageStrings) -> String {
        if let index = plan.searchIntro[code] { return plan.site.pages[index].title }
        let text = strings.text("search")
        return text.isEmpty ? "Search" : text
    }

    /// The main menu: `menus.main` from site.yaml, else the home's sections by weight.
    static func menuItems(plan: SitePlan, code: String, strings: LanguageStrings) -> [(title: String, path: String)] {
        let site = plan.site
        if let entries = site.config.menus["main"] {
            return entries.compactMap { entry in
                if entry.path == SitePlan.citiesPath { return (citiesTitle(plan: plan, code: code, strings: strings), "/\(code)/\(SitePlan.citiesPath)/") }
                if entry.path == SitePlan.searchPath { return (searchTitle(plan: plan, code: code, strings: strings), "/\(code)/\(SitePlan.searchPath)/") }
                guard let index = plan.pathLookup[code]?[entry.path] else { return nil }
                return (site.pages[plan.plannedPages[index].pageIndex].title, plan.plannedPages[index].urlPath)
            }
        }
        var sections: [(weight: Int, title: String, path: String)] = []
        for (path, index) in plan.pathLookup[code] ?? [:] {
            let page = site.pages[plan.plannedPages[index].pageIndex]
            if page.kind == .section && page.parentPath.isEmpty && !path.isEmpty {
                sections.append((page.weight == 0 ? Int.max : page.weight, page.title, plan.plannedPages[index].urlPath))
            }
        }
        if !site.cities.isEmpty {
            let intro = plan.cityIndexIntro[code] ?? plan.cityIndexIntro[site.defaultLanguage]
            let weight = intro.map { site.pages[$0].weight } ?? 0
            sections.append((weight == 0 ? Int.max : weight, citiesTitle(plan: plan, code: code, strings: strings), "/\(code)/\(SitePlan.citiesPath)/"))
        }
        sections.sort { ($0.weight, $0.title, $0.path) < ($1.weight, $1.title, $1.path) }
        return sections.map { ($0.title, $0.path) }
    }
}
