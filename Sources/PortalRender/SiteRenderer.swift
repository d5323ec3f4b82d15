import Foundation
import Mustache
import PortalContent
import PortalCore
import PortalMarkdown

/// Renders every output of a planned site. All inputs are immutable, so jobs render in
/// parallel in any order and give the same bytes.
public struct SiteRenderer: Sendable {
    public internal(set) var plan: SitePlan
    public let theme: Theme
    /// Per language code.
    let strings: [String: LanguageStrings]
    /// Per index of `site.pages`.
    var markdown: [RenderedMarkdown]
    /// City index → language → summary HTML.
    let citySummaries: [[String: String]]
    /// `style_css` → `/assets/style.1a2b3c4d.css`.
    public let assetURLs: [String: String]
    /// Fingerprinted asset copies: output path → source path below `Templates/assets/`.
    public let fingerprintedAssets: [String: String]
    let basePath: String
    let origin: String
    let languageCodes: Set<String>
    let mapProjection: MapProjection
    /// Per language code: what all its pages share.
    var tables: [String: LanguageTables]
    /// Per translation set, by number (`PlannedPage.set`): its pages' hreflang links (see `sharedAlternateLinks`).
    var sharedAlternates: [SharedValue] = []
    /// Per translation set, by number: where its language switcher leads (see `sharedSwitcherTargets`).
    var switcherTargetsBySet: [SwitcherTargets] = []
    /// Per language, per parent path: its pages' breadcrumbs (see `sharedBreadcrumbTrails`).
    var sharedBreadcrumbs: [String: [String: SharedValue]] = [:]
    /// Per index of `plan.plannedPages`: its search index entry.
    var searchEntries: [[UInt8]]
    /// Warnings found while preparing (broken links, images without alt text, missing strings).
    public private(set) var warnings: [Diagnostic]
    /// The templates per language, with constants written in and partials rendered once
    /// for every page they come out the same on; nil renders the templates as written.
    var compiled: CompiledTheme?

    /// Per memoized partial: how often its stored HTML was used, and how often it was rendered.
    public var partialMemoCounts: [String: (hits: Int, misses: Int, missesByMustache: Int, mustache: Int)] { compiled?.counts ?? [:] }
    /// The same for sections rendered item by item (`template:name`).
    public var sectionMemoCounts: [String: (hits: Int, misses: Int, written: Int, copied: Int)] { compiled?.sectionCounts ?? [:] }
    /// How many languages' templates were parsed for Mustache (for what the build could
    /// not write itself).
    public var mustacheLanguages: Int { compiled?.librariesParsed ?? 0 }

    var site: Site { plan.site }
    var defaultLanguage: String { plan.defaultLanguage }

    /// The Markdown of every page, once, on every core.
    public static func markdown(of site: Site) async -> [RenderedMarkdown] {
        let renderer = MarkdownRenderer(unsafeHTML: site.config.unsafeHTML)
        // A build that failed meanwhile cancels it: the pages left are not rendered.
        return await parallelMap(site.pages) { Task.isCancelled ? .empty : renderer.render($0.body) }
    }

    /// - Parameter markdown: `markdown(of:)` of the plan's site, rendered while it was
    ///   planned: awaited once the tables, which do not use it, are made.
    public static func prepare(plan: SitePlan, theme: Theme, loadWarnings: [Diagnostic] = [],
                               markdown: @Sendable () async -> [RenderedMarkdown]) async throws(BuildFailure) -> SiteRenderer {
        var diagnostics = DiagnosticList()
        var clock = PhaseClock()
        diagnostics.append(contentsOf: loadWarnings)
        let site = plan.site

        // Interface strings: theme default < site default < theme language < site language.
        var strings: [String: LanguageStrings] = [:]
        let defaultLanguage = site.defaultLanguage
        let defaultSiteStrings = site.languages.first { $0.code == defaultLanguage }?.strings ?? [:]
        for language in site.languages {
            var merged = theme.strings[defaultLanguage] ?? [:]
            merged.merge(defaultSiteStrings) { _, new in new }
            merged.merge(theme.strings[language.code] ?? theme.strings[PluralRules.baseLanguage(language.code)] ?? [:]) { _, new in new }
            merged.merge(language.strings) { _, new in new }
            strings[language.code] = LanguageStrings(language: language, values: merged, format: LocaleFormat(identifier: language.languageCode))
            var untranslated: [String] = []
            for (key, use) in theme.usedStrings.sorted(by: { $0.key < $1.key }) {
                let own = language.strings[key] ?? theme.strings[language.code]?[key]
                if merged[key] == nil { continue }  // reported once below
                if own == nil && language.code != defaultLanguage { untranslated.append(key) }
                if use.plural, case .text? = merged[key] {
                    diagnostics.warning(use.file, line: use.line, column: use.column, "'\(key)' is used as a plural string but \(language.code) gives it one form")
                }
            }
            if !untranslated.isEmpty {
                let list = untranslated.count > 6 ? untranslated.prefix(6).joined(separator: ", ") + ", …" : untranslated.joined(separator: ", ")
                diagnostics.warning(language.file, "\(untranslated.count) interface string\(untranslated.count == 1 ? " is" : "s are") not translated into '\(language.code)' (\(list)); the \(defaultLanguage) text is shown",
                                    hint: "translate them under 'strings:' in \(language.file) or in Templates/strings/\(language.code).yaml")
            }
        }
        for (key, use) in theme.usedStrings.sorted(by: { $0.key < $1.key }) where !strings.values.contains(where: { $0.values[key] != nil }) {
            diagnostics.error(use.file, line: use.line, column: use.column, "interface string '\(key)' is not defined in any language",
                              hint: "add '\(key): …' to Templates/strings/\(defaultLanguage).yaml")
        }
        if diagnostics.hasErrors { throw BuildFailure(diagnostics.sorted) }

        let renderer = MarkdownRenderer(unsafeHTML: site.config.unsafeHTML)
        clock.lap("  strings")
        var citySummaries: [[String: String]] = []
        for city in site.cities {
            var byLanguage: [String: String] = [:]
            for (language, text) in city.summary { byLanguage[language] = renderer.render(text).html }
            citySummaries.append(byLanguage)
        }

        // Assets, fingerprinted so that hosting may cache them for a long time.
        var assetURLs: [String: String] = [:]
        var fingerprinted: [String: String] = [:]
        for asset in theme.assets {
            let bytes = FileSystem.read(theme.directory + "/assets/" + asset) ?? []
            let hash = Fingerprint.hex(bytes)
            var name = asset
            if let dot = asset.lastIndex(of: "."), !asset[dot...].contains("/") {
                name = asset[..<dot] + "." + hash + asset[dot...]
            } else {
                name = asset + "." + hash
            }
            let key = asset.map { $0.isLetter || $0.isNumber ? $0 : "_" }
            assetURLs[String(key)] = site.config.basePath + "/assets/" + name
            fingerprinted["assets/" + name] = asset
        }

        clock.lap("  city summaries, assets")
        let projection = MapProjection(cities: site.cities)
        var result = SiteRenderer(
            plan: plan, theme: theme, strings: strings, markdown: [], citySummaries: citySummaries,
            assetURLs: assetURLs, fingerprintedAssets: fingerprinted,
            basePath: site.config.basePath, origin: site.config.origin,
            languageCodes: Set(site.languages.map(\.code)),
            mapProjection: projection,
            tables: [:],
            searchEntries: [],
            warnings: []
        )
        // The values every page of a language shares come from the strings and the
        // configuration alone: the theme is planned with them while the tables, the search
        // texts and the links are made (none of which uses it).
        let shared = Dictionary(uniqueKeysWithValues: plan.outputLanguages.map { ($0.code, result.sharedValues($0.code)) })
        async let compiled = CompiledTheme(theme: theme, constants: shared.mapValues { $0.mapValues(\.value) })
        result.tables = await makeTables(plan: plan, strings: strings, projection: projection)
        for code in result.tables.keys {
            result.tables[code]!.shared = shared[code]!
            result.tables[code]!.menuForms = result.menuForms(code)
        }
        // Made on this core while the Markdown is rendered on every core.
        for (code, table) in result.tables { table.cityObjects = site.cities.indices.map { result.makeCityObject($0, code) } }
        result.sharedAlternates = await result.sharedAlternateLinks()
        result.switcherTargetsBySet = await result.sharedSwitcherTargets()
        result.sharedBreadcrumbs = result.sharedBreadcrumbTrails()
        clock.lap("  tables")
        result.markdown = await markdown()
        clock.lap("  markdown awaited")
        let partial = result
        // Links are checked while the search texts are made: its tables of targets are
        // made on one core.
        async let links = partial.checkLinks()
        // A page's folded text goes into its entry and is not kept (a tenth of the memory);
        // it is folded once for a page that has fallback copies, and kept for them.
        var hasCopies = [Bool](repeating: false, count: site.pages.count)
        for entry in plan.plannedPages where entry.isFallback { hasCopies[entry.pageIndex] = true }
        let copied = site.pages.indices.filter { hasCopies[$0] }
        let foldedForCopies = Dictionary(uniqueKeysWithValues: zip(copied, await parallelMap(copied) { partial.searchText($0) }))
        result.searchEntries = await parallelMap(Array(plan.plannedPages.indices)) {
            let pageIndex = partial.plan.plannedPages[$0].pageIndex
            return partial.searchEntry($0, folded: foldedForCopies[pageIndex])
        }
        let codes = plan.outputLanguages.map(\.code)
        let cityEntries = await parallelMap(codes) { partial.citySearchEntries($0) }
        for (code, entries) in zip(codes, cityEntries) { result.tables[code]!.citySearchEntries = entries }
        clock.lap("  search texts and entries")
        diagnostics.append(contentsOf: await links)
        clock.lap("  links")
        result.compiled = await compiled
        clock.lap("  theme planned")
        result.warnings = diagnostics.sorted
        return result
    }

    /// Every file to render, in a stable order.
    public var jobs: [OutputJob] {
        var jobs: [OutputJob] = []
        for index in plan.plannedPages.indices { jobs.append(.page(index)) }
        for language in plan.outputLanguages {
            jobs.append(.cityIndex(language.code))
            if theme.templateFiles["cities-map"] != nil { jobs.append(.cityMap(language.code)) }
            for index in site.cities.indices { jobs.append(.city(index, language.code)) }
            jobs.append(.search(language.code))
            jobs.append(.searchIndex(language.code))
            jobs.append(.feed(language.code))
            jobs.append(.notFound(language.code))
        }
        for entry in plan.plannedPages where !entry.isFallback {
            let page = site.pages[entry.pageIndex]
            for alias in page.aliases { jobs.append(.alias(from: alias.path, to: entry.urlPath, language: entry.language)) }
        }
        jobs += [.rootIndex, .rootNotFound, .sitemap, .robots]
        return jobs
    }

    /// Where a job's file goes, below the output folder; known before rendering.
    public func path(for job: OutputJob) -> String {
        switch job {
        case .page(let index): return plan.plannedPages[index].outputPath
        case .cityIndex(let language): return SitePlan.outputPath("/\(language)/\(SitePlan.citiesPath)/")
        case .cityMap(let language): return "\(language)/\(SitePlan.citiesPath)/map.svg"
        case .city(let index, let language): return SitePlan.outputPath("/\(language)/\(SitePlan.citiesPath)/\(site.cities[index].id)/")
        case .search(let language): return SitePlan.outputPath("/\(language)/\(SitePlan.searchPath)/")
        case .searchIndex(let language): return "\(language)/\(SitePlan.searchPath)/index.json"
        case .feed(let language): return "\(language)/feed.xml"
        case .notFound(let language): return "\(language)/404.html"
        case .rootNotFound: return "404.html"
        case .rootIndex: return "index.html"
        case .sitemap: return "sitemap.xml"
        case .robots: return "robots.txt"
        case .alias(let from, _, _): return SitePlan.outputPath(from)
        }
    }

    public func render(_ job: OutputJob) -> RenderedFile {
        RenderedFile(path: path(for: job), bytes: bytes(of: job))
    }

    /// The bytes of a job's file.
    public func bytes(of job: OutputJob) -> [UInt8] {
        if let input = htmlInput(for: job) { return renderHTML(input) }
        switch job {
        case .cityMap(let language):
            let cities = sortedCityIndices(language).map { cityObject($0, language) }
            let values: [String: Any] = ["map": mapObject(language, cities: cities)]
            // Written by the build where it can (the templates without a language's
            // constants: the map names none), else rendered by Mustache.
            if let html = compiled?.whileSound({ $0.page("cities-map", values: RootValues(values), language: "") }) { return html }
            return Array((theme.library.render(TemplateRoot(values: values), withTemplate: "cities-map") ?? "").utf8)
        case .searchIndex(let language):
            return searchIndex(language)
        case .feed(let language):
            return Array(feed(language).utf8)
        case .sitemap:
            return sitemap()
        case .robots:
            return Array("User-agent: *\nAllow: /\n\nSitemap: \(origin)/sitemap.xml\n".utf8)
        case .alias(_, let to, let language):
            return Array(aliasPage(to: to, language: language).utf8)
        case .page, .cityIndex, .city, .search, .notFound, .rootNotFound, .rootIndex:
            return []  // HTML pages, above
        }
    }

    /// An HTML page to render: its template and everything the template can see.
    public struct HTMLInput {
        public var template: String
        /// The page's own values.
        public var context: ContextValues
        /// The language whose shared values the page's root holds beside its own.
        public var language: String
        /// That language's shared values.
        var shared: SharedContext?

        /// What the template sees at the top: the page's values, then the shared ones.
        var root: RootValues { RootValues(context, shared: shared?.values ?? ContextValues()) }
    }

    /// The template and context of a job that is an HTML page; nil for other files.
    public func htmlInput(for job: OutputJob) -> HTMLInput? {
        let (template, context, language): (String, ContextValues, String)
        switch job {
        case .page(let index):
            let entry = plan.plannedPages[index]
            (template, context, language) = (layout(for: site.pages[entry.pageIndex]), pageContext(entry), entry.language)
        case .cityIndex(let code): (template, context, language) = ("cities", cityIndexContext(code), code)
        case .city(let index, let code): (template, context, language) = ("city", cityContext(index, code), code)
        case .search(let code): (template, context, language) = ("search", searchContext(code), code)
        case .notFound(let code): (template, context, language) = ("404", notFoundContext(code), code)
        case .rootNotFound: (template, context, language) = ("404", notFoundContext(defaultLanguage, root: true), defaultLanguage)
        case .rootIndex: (template, context, language) = ("root", rootContext(), defaultLanguage)
        case .cityMap, .searchIndex, .feed, .sitemap, .robots, .alias: return nil
        }
        return HTMLInput(template: template, context: context, language: language, shared: tables[language]?.sharedContext)
    }

    public func renderHTML(_ input: HTMLInput) -> [UInt8] {
        // `hasPages` … are found when asked for (`CompiledTheme.rootValue`).
        let root = input.root
        // The language's templates have its shared values written in: for a root that
        // holds exactly those, as every root `htmlInput` makes does (none of a page's own
        // values has one of their names), which every page a test renders checks.
        assert(compiled == nil || holdsSharedValues(input), "\(input.template) for \(input.language): a root without its language's shared values")
        let language = input.language
        let html = compiled?.whileSound { compiled in
            // Room for most pages at once: a page written into a growing array is copied at every doubling.
            compiled.page(input.template, values: root, language: language, capacity: 8192)
                ?? Array((compiled.library(language).render(TemplateRoot(values: root, compiled: compiled, language: language), withTemplate: input.template) ?? "").utf8)
        }
        // Else the templates as written (nothing compiled, or the compiled theme not sound).
        return html ?? Array((theme.library.render(TemplateRoot(values: root), withTemplate: input.template) ?? "").utf8)
    }

    /// Whether a page's root holds its language's shared values, the very ones, and
    /// none of the page's own values has one of their names.
    func holdsSharedValues(_ input: HTMLInput) -> Bool {
        guard let tables = tables[input.language], input.shared === tables.sharedContext else { return false }
        return tables.shared.keys.allSatisfy { input.context[$0] == nil }
    }

    /// `layout:` from front matter; else `section-<path>` for a section or `page-<section>`
    /// for a page when the theme has one; else the kind's template.
    func layout(for page: Page) -> String {
        if let layout = page.layout { return layout }
        let specific: String
        switch page.kind {
        case .home: return "home"
        case .section: specific = "section-" + page.contentPath.replacingOccurrences(of: "/", with: "-")
        case .page:
            // The first part of the path, found in its bytes (not read character by character).
            let path = page.contentPath
            specific = "page-" + path[..<(path.firstUTF8Index(of: UInt8(ascii: "/")) ?? path.endIndex)]
        }
        return theme.templateFiles[specific] != nil ? specific : page.kind.rawValue
    }

    /// The forms of a plural string, for scripts that count in the browser (with Intl.PluralRules).
    func pluralForms(_ key: String, _ code: String) -> [[String: Any]] {
        guard case .plural(let forms)? = strings[code]!.values[key] else {
            return [["category": "other", "text": strings[code]!.text(key)]]
        }
        return PluralCategory.allCases.compactMap { category in forms[category].map { ["category": category.rawValue, "text": $0] } }
    }

    /// Site-relative path → URL as written in pages (with the base path).
    func url(_ path: String) -> String { basePath + path }
    /// Site-relative path → absolute URL.
    func permalink(_ path: String) -> String { origin + path }
}

/// A list in a template context, of any element type; asking it whether it is empty
/// does not copy it (a cast to `[Any]` would, for every list of every page).
protocol TemplateList { var isEmpty: Bool { get } }

extension SiteRenderer {
    /// `hasPages` for `pages`: the first letter upper-cased (without Unicode tables for ASCII).
    static func hasName(_ key: String) -> String {
        guard let first = key.utf8.first else { return "has" }
        if first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z") {
            return "has" + String(UnicodeScalar(first - 32)) + key.dropFirst()
        }
        return "has" + key.prefix(1).uppercased() + key.dropFirst()
    }
}
extension Array: TemplateList {}

/// A short, stable content hash for asset file names (FNV-1a, 64 bits).
public enum Fingerprint {
    public static func hex(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        let text = String(hash, radix: 16)
        return String((String(repeating: "0", count: 16 - text.count) + text).prefix(10))
    }
}
