import PortalContent
import PortalCore

/// One page of the site in one language: the page itself, or a fallback for a missing translation.
public struct PlannedPage: Sendable {
    /// Index into `Site.pages` of the page whose text is shown.
    public var pageIndex: Int
    /// The language of the interface (menus, switcher, strings).
    public var language: String
    /// Site-relative URL path: `/pl/about/`.
    public var urlPath: String
    /// The file it is written to, below the output folder (`outputPath(urlPath)`): found
    /// once, when the site is planned, for the plan's check that no two outputs collide
    /// and for the build.
    public var outputPath: String
    /// True when the text is another language's (a fallback page).
    public var isFallback: Bool
    /// Its translation set's index in `SitePlan.setPages`.
    public var set: Int
}

/// What the build writes, decided before anything is rendered: which page is at which
/// URL in which language, which pages translate each other, menus and sections.
public struct SitePlan: Sendable {
    public internal(set) var site: Site
    public let languages: [Language]
    /// Languages being built (`--languages`), in site order.
    public let outputLanguages: [Language]
    /// Translation set id → language → index in `site.pages`.
    public let translationSets: [String: [String: Int]]
    /// Every page written, real and fallback, in stable order.
    public let plannedPages: [PlannedPage]
    /// Language → translation set id → index in `plannedPages`.
    public let pageLookup: [String: [String: Int]]
    /// Per translation set (`PlannedPage.set`), per output language in order: the index
    /// in `plannedPages` of its page in that language, -1 for none (what a language
    /// switcher leads to, read without looking the set up by name on every page).
    public let setPages: [[Int]]
    /// Per translation set (`PlannedPage.set`): its id (`translationKey`, else the
    /// default language's content path), the key of `translationSets`.
    public let setIDs: [String]
    /// Language → content path → index in `plannedPages`.
    public let pathLookup: [String: [String: Int]]
    /// Language → city id → page index of the city's narrative in that language.
    public let cityNarratives: [String: [String: Int]]
    /// Language → page index of special pages' intros (`cities`, `search`).
    public let cityIndexIntro: [String: Int]
    public let searchIntro: [String: Int]
    /// Every output path and the file it comes from, for collision reports.
    public let outputSources: [String: String]

    /// Paths below a language that the generator itself fills.
    public static let citiesPath = "cities"
    public static let searchPath = "search"

    public var defaultLanguage: String { site.defaultLanguage }

    public static func make(site: Site, languages requested: [String]?) throws(BuildFailure) -> SitePlan {
        var diagnostics = DiagnosticList()
        let languages = site.languages
        var outputLanguages = languages
        if let requested {
            let known = Set(languages.map(\.code))
            for code in requested where !known.contains(code.lowercased()) {
                diagnostics.error("--languages", "'\(code)' is not a language of this site", hint: "languages: \(languages.map(\.code).joined(separator: ", "))")
            }
            let wanted = Set(requested.map { $0.lowercased() })
            outputLanguages = languages.filter { wanted.contains($0.code) }
        }
        let defaultLanguage = site.defaultLanguage
        let cityIDs = Set(site.cities.map(\.id))

        // Room for every page at once: a dictionary that grows is built again at each doubling.
        // Sets by number (in the order met) and the number of each: a page's id is
        // hashed once, where a dictionary of sets was asked three times a page.
        var setNumbers: [String: Int] = Dictionary(minimumCapacity: site.pages.count)
        var setMembers: [[String: Int]] = []
        var setOrder: [String] = []
        var cityNarratives: [String: [String: Int]] = [:]
        var cityIndexIntro: [String: Int] = [:]
        var searchIntro: [String: Int] = [:]
        /// The regular pages, each with its set's number.
        var regular: [(index: Int, set: Int)] = []
        for (index, page) in site.pages.enumerated() {
            // Pages that add text to what the generator writes itself.
            if page.contentPath == citiesPath && page.kind == .section || page.contentPath == citiesPath && page.kind == .page {
                cityIndexIntro[page.language] = index
                continue
            }
            if page.contentPath == searchPath {
                searchIntro[page.language] = index
                continue
            }
            if page.parentPath == citiesPath && page.kind == .page {
                let id = String(page.contentPath.dropFirst(citiesPath.count + 1))
                if cityIDs.contains(id) {
                    cityNarratives[page.language, default: [:]][id] = index
                } else {
                    diagnostics.error(page.file, "there is no city '\(id)' for this narrative", hint: "add Content/cities/\(id).yaml, or rename the page after a city file")
                }
                continue
            }
            let id = page.translationKey ?? page.contentPath
            // Its number, the next one given (and the set made) where the id is new.
            let set = Self.value(of: &setNumbers[id, default: setMembers.count])
            if set == setMembers.count {
                setMembers.append([:])
                setOrder.append(id)
            }
            if let other = setMembers[set][page.language] {
                let first = site.pages[other]
                if page.translationKey != nil {
                    diagnostics.error(page.file, "translationKey '\(id)' is used twice in language '\(page.language)' (also \(first.file))", hint: "each page of a language needs its own translationKey")
                } else {
                    diagnostics.error(page.file, "translationKey '\(id)' of \(first.file) is also this page's path", hint: "give one of them another translationKey")
                }
                continue
            }
            setMembers[set][page.language] = index
            regular.append((index, set))
        }

        // Real pages, then fallbacks for missing translations.
        var planned: [PlannedPage] = []
        let perLanguage = site.pages.count / max(languages.count, 1) + 16
        // By position in `outputLanguages`, made dictionaries by code at the end.
        var pageLookups = [[String: Int]](repeating: Dictionary(minimumCapacity: perLanguage), count: outputLanguages.count)
        var pathLookups = pageLookups
        var setPages = [[Int]](repeating: [Int](repeating: -1, count: outputLanguages.count), count: setOrder.count)
        for (index, set) in regular {
            let page = site.pages[index]
            guard let position = outputLanguages.firstIndex(where: { $0.code == page.language }) else { continue }
            pageLookups[position][setOrder[set]] = planned.count
            pathLookups[position][page.contentPath] = planned.count
            setPages[set][position] = planned.count
            planned.append(PlannedPage(pageIndex: index, language: page.language, urlPath: page.urlPath, outputPath: outputPath(page.urlPath), isFallback: false, set: set))
        }
        for (set, id) in setOrder.enumerated() {
            let members = setMembers[set]
            guard let defaultIndex = members[defaultLanguage] else { continue }
            let original = site.pages[defaultIndex]
            // A language without a home of its own still gets one, in either mode:
            // every switcher and every "home" link must lead somewhere.
            guard site.config.missingTranslations == .fallback || original.kind == .home else { continue }
            for (position, language) in outputLanguages.enumerated() where language.code != defaultLanguage && members[language.code] == nil {
                let urlPath = "/" + language.code + original.urlPath.dropFirst(defaultLanguage.count + 1)
                pageLookups[position][id] = planned.count
                setPages[set][position] = planned.count
                if pathLookups[position][original.contentPath] == nil {
                    pathLookups[position][original.contentPath] = planned.count
                }
                planned.append(PlannedPage(pageIndex: defaultIndex, language: language.code, urlPath: urlPath, outputPath: outputPath(urlPath), isFallback: true, set: set))
            }
        }
        let pageLookup = Dictionary(uniqueKeysWithValues: zip(outputLanguages.map(\.code), pageLookups))
        let pathLookup = Dictionary(uniqueKeysWithValues: zip(outputLanguages.map(\.code), pathLookups))
        for language in outputLanguages where pathLookup[language.code]?[""] == nil {
            diagnostics.error(site.config.file, "language '\(language.code)' has no home page and neither has the default language",
                              hint: "add Content/\(defaultLanguage)/_index.md with a title")
        }

        // Every output path once.
        var outputs: [String: String] = Dictionary(minimumCapacity: site.pages.count + outputLanguages.count * (site.cities.count + 8) + site.staticFiles.count)
        func claim(_ path: String, _ source: String, line: Int? = nil, column: Int? = nil) {
            if let other = outputs[path] {
                // Fallback copies collide wherever their originals do; that is reported once.
                if other != source && !(other.hasSuffix(" (fallback)") && source.hasSuffix(" (fallback)")) {
                    diagnostics.error(source, line: line, column: column, "writes /\(path), which \(other) writes too", hint: "change a file name, 'slug' or alias so that each page has its own URL")
                }
            } else {
                outputs[path] = source
            }
        }
        for entry in planned {
            let page = site.pages[entry.pageIndex]
            claim(entry.outputPath, entry.isFallback ? "\(page.file) (fallback)" : page.file)
        }
        for language in outputLanguages {
            let code = language.code
            let generated = site.config.file + " (generated)"
            claim(outputPath("/\(code)/\(citiesPath)/"), cityIndexIntro[code].map { site.pages[$0].file } ?? generated)
            claim("\(code)/\(citiesPath)/map.svg", generated)
            claim(outputPath("/\(code)/\(searchPath)/"), searchIntro[code].map { site.pages[$0].file } ?? generated)
            claim("\(code)/\(searchPath)/index.json", generated)
            claim("\(code)/feed.xml", generated)
            claim("\(code)/404.html", generated)
            for city in site.cities {
                claim(outputPath("/\(code)/\(citiesPath)/\(city.id)/"), cityNarratives[code]?[city.id].map { site.pages[$0].file } ?? city.file)
            }
        }
        for entry in planned where !entry.isFallback {
            let page = site.pages[entry.pageIndex]
            for alias in page.aliases {
                claim(outputPath(alias.path), page.file, line: alias.line, column: alias.column)
            }
        }
        for file in site.staticFiles {
            claim(file.outputPath, file.file)
        }

        if diagnostics.hasErrors { throw BuildFailure(diagnostics.sorted) }
        return SitePlan(
            site: site, languages: languages, outputLanguages: outputLanguages,
            translationSets: Dictionary(uniqueKeysWithValues: zip(setOrder, setMembers)), plannedPages: planned, pageLookup: pageLookup, setPages: setPages, setIDs: setOrder, pathLookup: pathLookup,
            cityNarratives: cityNarratives, cityIndexIntro: cityIndexIntro, searchIntro: searchIntro,
            outputSources: outputs
        )
    }

    /// A value read through its modify accessor: `value(of: &table[key, default: d])`
    /// finds the key once, and puts `d` there when it was missing.
    private static func value<Value>(of value: inout Value) -> Value { value }

    /// `/pl/about/` → `pl/about/index.html`; `/old.html` → `old.html`. On the bytes, as
    /// the file name it becomes (compared as characters, 3,000 instructions a path).
    public static func outputPath(_ urlPath: String) -> String {
        let bytes = urlPath.utf8
        let path = bytes.first == UInt8(ascii: "/") ? String(Substring(bytes.dropFirst())) : urlPath
        if path.hasUTF8Suffix(".html") || path.hasUTF8Suffix(".xml") || path.hasUTF8Suffix(".json") { return path }
        return path + "index.html"
    }

    public func language(_ code: String) -> Language? { languages.first { $0.code == code } }
}
