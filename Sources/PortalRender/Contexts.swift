import Foundation
import PortalContent
import PortalCore

/// The values templates see. Every key is documented in the README's template reference.
extension SiteRenderer {
    /// An hreflang alternate: BCP 47 tag, site-relative path, language folder code.
    typealias Alternate = (hreflang: String, path: String, code: String)

    /// What every HTML page has: site, language, strings, menus, switcher.
    func baseContext(language code: String, urlPath: String, set: Int? = nil, alternates: [Alternate]?) -> ContextValues {
        baseContext(language: code, urlPath: urlPath, address: permalink(urlPath), set: set, alternates: alternates)
    }

    /// The same for a page whose address (`permalink(urlPath)`) is made already.
    func baseContext(language code: String, urlPath: String, address: String, set: Int?, alternates: [Alternate]?) -> ContextValues {
        // The page's own values: the language's shared values are beside them in its root
        // (`RootValues`), not copied in. Room for every key a page context gets.
        var context = ContextValues(capacity: 16)
        context["url"] = url(urlPath)
        context["permalink"] = address
        context["canonical"] = address
        context["menu"] = menu(code, current: urlPath)
        context["switcher"] = switcher(code, urlPath: urlPath, set: set)
        context["alternates"] = alternates.map(alternateLinks) ?? [HreflangLink]()
        return context
    }

    /// The hreflang links of a page, in its head and in the sitemap: each alternate, then
    /// `x-default` for the default language's.
    func hreflangLinks(_ alternates: [Alternate]) -> [(hreflang: String, href: String)] {
        var links = alternates.map { (hreflang: $0.hreflang, href: permalink($0.path)) }
        if let defaultPath = alternates.first(where: { $0.code == defaultLanguage })?.path {
            links.append((hreflang: "x-default", href: permalink(defaultPath)))
        }
        return links
    }

    /// The same, as the head's `alternates` list.
    func alternateLinks(_ alternates: [Alternate]) -> [HreflangLink] {
        hreflangLinks(alternates).map { HreflangLink(hreflang: $0.hreflang, href: $0.href) }
    }

    /// Per translation set, by number: the links every page of it has in its head, built
    /// and fingerprinted once for all its languages.
    func sharedAlternateLinks() async -> [SharedValue] {
        let renderer = self
        return await parallelMap(plan.setIDs) { SharedValue(renderer.alternateLinks(renderer.alternates(translationID: $0))) }
    }

    /// What every page of a language shows alike, built (and fingerprinted) once; the
    /// language's templates have these written in where they name them at the top.
    func sharedValues(_ code: String) -> [String: SharedValue] {
        let language = strings[code]!.language
        return [
            "site": SharedValue(siteObject(code)),
            "lang": SharedValue([
                "code": language.code,
                "name": language.name,
                "languageCode": language.languageCode,
                "direction": language.direction,
                "isDefault": language.code == defaultLanguage,
            ] as [String: Any]),
            "t": SharedValue(strings[code]!.templateObject),
            "data": SharedValue(dataObject(code)),
            "asset": SharedValue(assetURLs),
            "homeURL": SharedValue(url("/\(code)/")),
            "citiesURL": SharedValue(url("/\(code)/\(SitePlan.citiesPath)/")),
            "searchURL": SharedValue(url("/\(code)/\(SitePlan.searchPath)/")),
            "searchIndexURL": SharedValue(url("/\(code)/\(SitePlan.searchPath)/index.json")),
            "feedURL": SharedValue(url("/\(code)/feed.xml")),
            "feedPermalink": SharedValue(permalink("/\(code)/feed.xml")),
        ]
    }

    private func siteObject(_ code: String) -> [String: Any] {
        var params: [String: Any] = [:]
        for (key, value) in site.config.params {
            params[key] = value.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes)
        }
        return [
            "title": site.config.title.text(for: code, defaultLanguage: defaultLanguage) ?? "",
            "description": site.config.description?.text(for: code, defaultLanguage: defaultLanguage) ?? "",
            "baseURL": site.config.baseURL,
            "params": params,
            "languages": plan.outputLanguages.map { language -> [String: Any] in
                ["code": language.code, "name": language.name, "languageCode": language.languageCode,
                 "url": url("/\(language.code)/"), "current": language.code == code]
            },
        ]
    }

    private func dataObject(_ code: String) -> [String: Any] {
        var object: [String: Any] = [:]
        for (key, value) in site.data {
            object[key] = value.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes)
        }
        return object
    }

    /// Languages that have this page, with their URL paths, for hreflang: real pages only.
    func alternates(translationID: String) -> [Alternate] {
        guard let set = plan.translationSets[translationID] else { return [] }
        return plan.outputLanguages.compactMap { language in
            guard let index = set[language.code] else { return nil }
            return (language.languageCode, site.pages[index].urlPath, language.code)
        }
    }

    /// Where a page's language switcher leads in each output language, and whether the
    /// page is there: the same for every page of a translation set.
    struct SwitcherTargets {
        var urls: [String]
        var available: [Bool]
        /// The fingerprint of every language's code, names and target, and of whether
        /// the page is there.
        var key: RenderKey
    }

    /// The switcher's targets: a missing translation leads to that language's fallback
    /// page, or else to its home; a page of no set (a generated one) is at the same path
    /// in every language. Hashed as they are made: hashing the entries afterwards cost
    /// more than making them.
    func switcherTargets(_ current: String, urlPath: String, set: Int?) -> SwitcherTargets {
        var hasher = FingerprintHasher()
        hasher.add("switcher")
        let targets = set.map { plan.setPages[$0] }
        var urls: [String] = [], available: [Bool] = []
        urls.reserveCapacity(plan.outputLanguages.count)
        available.reserveCapacity(plan.outputLanguages.count)
        for position in plan.outputLanguages.indices {
            let code = plan.outputLanguages[position].code
            let target: String
            var isThere = true
            if let targets {
                let index = targets[position]
                if index >= 0 {
                    target = plan.plannedPages[index].urlPath
                    isThere = !plan.plannedPages[index].isFallback
                } else {
                    target = "/\(code)/"
                    isThere = false
                }
            } else {
                // Generated pages exist in every language at the same path.
                target = "/\(code)" + urlPath.dropFirst(current.count + 1)
            }
            let address = url(target)
            hasher.add(code)
            hasher.add(plan.outputLanguages[position].name)
            hasher.add(plan.outputLanguages[position].languageCode)
            hasher.add(address)
            hasher.add(isThere ? 1 : 0)
            urls.append(address)
            available.append(isThere)
        }
        return SwitcherTargets(urls: urls, available: available, key: hasher.key)
    }

    /// Per translation set, by number: its switcher's targets, made once for all its
    /// pages.
    func sharedSwitcherTargets() async -> [SwitcherTargets] {
        let renderer = self
        return await parallelMap(Array(plan.setIDs.indices)) { renderer.switcherTargets("", urlPath: "", set: $0) }
    }

    /// The language switcher: never a dead end (see `switcherTargets`). Its fingerprint
    /// is that of its targets' and of the current language.
    func switcher(_ current: String, urlPath: String, set: Int?) -> SharedValue {
        let targets = set.flatMap { switcherTargetsBySet.indices.contains($0) ? switcherTargetsBySet[$0] : nil }
            ?? switcherTargets(current, urlPath: urlPath, set: set)
        var hasher = FingerprintHasher()
        hasher.add(current)
        hasher.add(targets.key.high)
        hasher.add(targets.key.low)
        var entries: [SwitcherEntry] = []
        entries.reserveCapacity(plan.outputLanguages.count)
        for (position, language) in plan.outputLanguages.enumerated() {
            entries.append(SwitcherEntry(code: language.code, name: language.name, languageCode: language.languageCode,
                                         url: targets.urls[position], current: language.code == current, available: targets.available[position]))
        }
        return SharedValue(entries, key: hasher.key)
    }

    /// The main menu, with the entries that lead to or above this page marked: shared by
    /// every page that marks the same entries (see `menuForms`).
    func menu(_ code: String, current: String) -> Any {
        let table = tables[code]!
        let items = table.menu
        if let form = Self.menuForm(items, code, current: current), let shared = table.menuForms[form] { return shared }
        return menuItems(items, code, marks: items.map { Self.marks($0.path, code, current: current) })
    }

    /// Whether a menu entry is active (it leads to the page or above it) and current.
    static func marks(_ path: String, _ code: String, current: String) -> (active: Bool, current: Bool) {
        marks(path, home: "/\(code)/", current: current)
    }

    /// The same, with the language's home path (`/<code>/`) made once for all the entries.
    static func marks(_ path: String, home: String, current: String) -> (active: Bool, current: Bool) {
        let isCurrent = current == path
        return (isCurrent || (path != home && current.hasPrefix(path)), isCurrent)
    }

    /// Which entries a page's menu marks, as a number: 0 when none is, 2i + 1 when only
    /// entry i is active, 2i + 2 when it is also current; nil for any other form.
    static func menuForm(_ items: [(title: String, path: String)], _ code: String, current: String) -> Int? {
        var form = 0
        let home = "/\(code)/"
        for (index, item) in items.enumerated() {
            let marks = marks(item.path, home: home, current: current)
            guard marks.active else { continue }
            if form != 0 { return nil }
            form = 2 * index + (marks.current ? 2 : 1)
        }
        return form
    }

    func menuItems(_ items: [(title: String, path: String)], _ code: String, marks: [(active: Bool, current: Bool)]) -> [[String: Any]] {
        zip(items, marks).map { item, marks in
            ["title": item.title, "url": url(item.path), "active": marks.active, "current": marks.current]
        }
    }

    /// The forms of the menu `menuForm` numbers, built once.
    func menuForms(_ code: String) -> [Int: SharedValue] {
        let items = tables[code]!.menu
        var forms: [Int: SharedValue] = [0: SharedValue(menuItems(items, code, marks: items.map { _ in (false, false) }))]
        for index in items.indices {
            for current in [false, true] {
                let marks = items.indices.map { $0 == index ? (true, current) : (false, false) }
                forms[2 * index + (current ? 2 : 1)] = SharedValue(menuItems(items, code, marks: marks))
            }
        }
        return forms
    }

    func citiesTitle(_ code: String) -> String { Self.citiesTitle(plan: plan, code: code, strings: strings[code]!) }

    func searchTitle(_ code: String) -> String { Self.searchTitle(plan: plan, code: code, strings: strings[code]!) }

    /// Home, then each section above the page that exists in this language.
    func breadcrumbs(_ code: String, contentPath: String) -> [[String: Any]] {
        var crumbs: [[String: Any]] = []
        if let home = plan.pathLookup[code]?[""], !contentPath.isEmpty {
            crumbs.append(["title": site.pages[plan.plannedPages[home].pageIndex].title, "url": url(plan.plannedPages[home].urlPath)])
        }
        // The path above the page at each of its slashes (a content path has no empty parts).
        for slash in contentPath.utf8.indices where contentPath.utf8[slash] == UInt8(ascii: "/") {
            let path = String(contentPath[..<slash])
            if path == SitePlan.citiesPath {
                crumbs.append(["title": citiesTitle(code), "url": url("/\(code)/\(SitePlan.citiesPath)/")])
            } else if let index = plan.pathLookup[code]?[path] {
                crumbs.append(["title": site.pages[plan.plannedPages[index].pageIndex].title, "url": url(plan.plannedPages[index].urlPath)])
            }
        }
        return crumbs
    }

    /// Per language, per parent path (`Page.parentPath`): the breadcrumbs of its pages
    /// (pages with the same parent have the same), built and fingerprinted once. The home
    /// page has none.
    func sharedBreadcrumbTrails() -> [String: [String: SharedValue]] {
        var trails: [String: [String: SharedValue]] = [:]
        for entry in plan.plannedPages {
            let page = site.pages[entry.pageIndex]
            guard !page.contentPath.isEmpty, trails[entry.language]?[page.parentPath] == nil else { continue }
            trails[entry.language, default: [:]][page.parentPath] = SharedValue(breadcrumbs(entry.language, contentPath: page.contentPath))
        }
        return trails
    }

    func dateFields(_ date: PageDate?, prefix: String, _ code: String, into object: inout [String: Any]) {
        guard let date else { return }
        object[prefix] = dateText(date, code)
        object[prefix + "ISO"] = date.isoDate
    }

    /// A page as listed in sections and on the home page.
    func pageSummary(_ entry: PlannedPage) -> PageFields {
        PageFields(summary: summaryFields(entry), own: nil)
    }

    func summaryFields(_ entry: PlannedPage) -> PageFields.Summary {
        let page = site.pages[entry.pageIndex]
        let date = page.date.map { (dateText($0, entry.language), $0.isoDate) }
        return PageFields.Summary(
            title: page.title, url: url(entry.urlPath), summary: summaryText(entry.pageIndex), isFallback: entry.isFallback,
            kind: page.kind.rawValue,
            textLanguage: entry.isFallback ? page.language : nil,
            textLanguageCode: entry.isFallback ? site.language(page.language)?.languageCode ?? page.language : nil,
            date: date?.0, dateISO: date?.1)
    }

    /// A date as the language writes it.
    func dateText(_ date: PageDate, _ code: String) -> String {
        tables[code]?.dates[date] ?? strings[code]!.format.date(year: date.year, month: date.month, day: date.day)
    }

    /// Front matter summary, else description, else the start of the text.
    func summaryText(_ pageIndex: Int) -> String {
        let page = site.pages[pageIndex]
        if let summary = page.summary, !summary.isEmpty { return summary }
        if let description = page.description, !description.isEmpty { return description }
        return Self.excerpt(utf8: markdown[pageIndex].plainTextBytes, limit: 200)
    }

    /// The same from UTF-8 bytes, decoding only their start: a long page's text is not
    /// made a string to keep its first words. A start of at least three characters more
    /// than the limit ends as the whole text does: where it was cut (perhaps inside a
    /// character) lies past the characters kept and the one after them.
    static func excerpt(utf8 bytes: [UInt8], limit: Int) -> String {
        var length = min(bytes.count, 4 * (limit + 3))
        while length < bytes.count {
            let start = String(decoding: bytes[..<length], as: UTF8.self)
            if start.index(start.startIndex, offsetBy: limit + 3, limitedBy: start.endIndex) != nil {
                return excerpt(start, limit: limit)
            }
            length = min(bytes.count, 2 * length)
        }
        return excerpt(String(decoding: bytes, as: UTF8.self), limit: limit)
    }

    static func excerpt(_ text: String, limit: Int) -> String {
        // No more bytes than the limit: no more characters either, and nothing is counted.
        guard text.utf8.count > limit, let end = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex), end < text.endIndex else { return text }
        let cut = text[..<end]
        if let space = cut.lastIndex(of: " ") { return cut[..<space] + "…" }
        return cut + "…"
    }

    /// Pages listed in a section, in this language: weight, then newest first, then title.
    func children(of contentPath: String, _ code: String) -> [PlannedPage] {
        (tables[code]!.children[contentPath] ?? []).map { plan.plannedPages[$0] }
    }

    // MARK: the kinds of page

    func pageContext(_ entry: PlannedPage) -> ContextValues {
        let page = site.pages[entry.pageIndex]
        let code = entry.language
        let translationID = page.translationKey ?? page.contentPath
        // The page's address and summary are also its object's permalink and (without a
        // description) description: made once.
        let address = permalink(entry.urlPath)
        let summary = summaryFields(entry)
        var context = baseContext(language: code, urlPath: entry.urlPath, address: address, set: entry.set, alternates: nil)
        if !entry.isFallback {
            context["alternates"] = sharedAlternates.indices.contains(entry.set) ? sharedAlternates[entry.set] : alternateLinks(alternates(translationID: translationID))
        }
        let original = entry.isFallback ? site.language(page.language) : nil
        if entry.isFallback {
            context["canonical"] = permalink(page.urlPath)
            context["noindex"] = true
        }
        context["page"] = PageFields(summary: summary, own: PageFields.Own(
            content: HTMLText(bytes: markdown[entry.pageIndex].htmlBytes),
            description: page.description ?? summary.summary,
            tags: page.tags,
            params: page.params.mapValues { $0.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes) },
            permalink: address,
            lastmod: page.lastmod.map { dateText($0, code) }, lastmodISO: page.lastmod?.isoDate,
            originalURL: entry.isFallback ? url(page.urlPath) : nil,
            originalLanguageName: entry.isFallback ? original?.name ?? page.language : nil,
            // A fallback copy's original is in the language of its text, which the summary has.
            originalLanguageCode: summary.textLanguageCode))
        if !page.contentPath.isEmpty, let trail = sharedBreadcrumbs[code]?[page.parentPath] {
            context["breadcrumbs"] = trail
        } else {
            context["breadcrumbs"] = breadcrumbs(code, contentPath: page.contentPath)
        }
        switch page.kind {
        case .section:
            context["pages"] = children(of: page.contentPath, code).map(pageSummary)
        case .home:
            context["sections"] = children(of: "", code).map(pageSummary)
            context["recent"] = tables[code]!.dated.prefix(5).map { pageSummary(plan.plannedPages[$0]) }
            context["cityCount"] = LocalizedNumber(value: site.cities.count, strings: strings[code]!)
            context["countryCount"] = LocalizedNumber(value: Set(site.cities.map(\.country)).count, strings: strings[code]!)
        case .page:
            break
        }
        return context
    }

    func searchContext(_ code: String) -> ContextValues {
        let urlPath = "/\(code)/\(SitePlan.searchPath)/"
        var context = baseContext(language: code, urlPath: urlPath, alternates: generatedAlternates(SitePlan.searchPath))
        context["page"] = introObject(plan.searchIntro, code, title: searchTitle(code), urlPath: urlPath)
        context["pluralForms"] = pluralForms("searchResults", code)
        context["breadcrumbs"] = breadcrumbs(code, contentPath: SitePlan.searchPath)
        return context
    }

    /// Pages the generator writes in every language have every language as alternate.
    func generatedAlternates(_ path: String) -> [Alternate] {
        plan.outputLanguages.map { ($0.languageCode, "/\($0.code)/" + (path.isEmpty ? "" : path + "/"), $0.code) }
    }

    /// Title and text of a generated page, from its optional Markdown intro.
    func introObject(_ intros: [String: Int], _ code: String, title: String, urlPath: String) -> [String: Any] {
        var object: [String: Any] = ["title": title, "url": url(urlPath), "permalink": permalink(urlPath), "content": "", "description": ""]
        var index = intros[code]
        var isFallback = false
        if index == nil, site.config.missingTranslations == .fallback, let other = intros[defaultLanguage] {
            index = other
            isFallback = true
        }
        if let index {
            let page = site.pages[index]
            object["title"] = page.title
            object["content"] = HTMLText(bytes: markdown[index].htmlBytes)
            object["description"] = page.description ?? summaryText(index)
            object["params"] = page.params.mapValues { $0.templateValue(language: code, defaultLanguage: defaultLanguage, languageCodes: languageCodes) }
            if isFallback {
                object["contentIsFallback"] = true
                object["textLanguageCode"] = site.language(page.language)?.languageCode ?? page.language
                object["originalLanguageName"] = site.language(page.language)?.name ?? page.language
            }
        }
        return object
    }

    func notFoundContext(_ code: String, root: Bool = false) -> ContextValues {
        let urlPath = root ? "/404.html" : "/\(code)/404.html"
        var context = baseContext(language: code, urlPath: urlPath, alternates: nil)
        context["switcher"] = plan.outputLanguages.map { language -> [String: Any] in
            ["code": language.code, "name": language.name, "languageCode": language.languageCode,
             "url": url("/\(language.code)/"), "current": language.code == code, "available": true]
        }
        context["page"] = ["title": strings[code]!.text("notFoundTitle"), "url": url(urlPath), "content": "", "description": ""] as [String: Any]
        context["isRoot"] = root
        context["noindex"] = true
        return context
    }

    func rootContext() -> ContextValues {
        var context = baseContext(language: defaultLanguage, urlPath: "/", alternates: generatedAlternates(""))
        context["redirectURL"] = url("/\(defaultLanguage)/")
        context["page"] = ["title": site.config.title.text(for: defaultLanguage, defaultLanguage: defaultLanguage) ?? "", "url": url("/"), "content": "", "description": ""] as [String: Any]
        context["canonical"] = permalink("/\(defaultLanguage)/")
        return context
    }

    func aliasPage(to target: String, language: String) -> String {
        let href = HTML.escape(url(target))
        let languageCode = site.language(language)?.languageCode ?? language
        return """
        <!DOCTYPE html>
        <html lang="\(HTML.escape(languageCode))">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; base-uri 'none'">
        <title>\(href)</title>
        <link rel="canonical" href="\(HTML.escape(permalink(target)))">
        <meta name="robots" content="noindex">
        <meta http-equiv="refresh" content="0; url=\(href)">
        </head>
        <body>
        <p><a href="\(href)">\(href)</a></p>
        </body>
        </html>

        """
    }
}

/// A context object of a fixed set of names, made for every page (a switcher entry, a
/// page, an hreflang link): a template's name is answered by comparing it with those
/// names, not by hashing it into a dictionary made for each object. It answers every
/// name as `object`, the same values in a dictionary, does; Mustache and the fingerprint
/// read it as that object (or field by field, the same way). The page writer knows each
/// such type by its exact type, as it knows dictionaries (`ContextValueType`).
protocol ContextRecord {
    func field(_ name: String) -> Any?
    var object: [String: Any] { get }
}

/// One entry of a page's language switcher: a language, where the page is in it (or its
/// fallback copy, or the language's home), whether it is there and whether it is the
/// page's own. A template reads its six names, found by comparing them (a short name is
/// compared as two words), not by hashing them into a dictionary made for every entry of
/// every page.
struct SwitcherEntry: ContextRecord {
    let code: String
    let name: String
    let languageCode: String
    let url: String
    let current: Bool
    let available: Bool

    func field(_ field: String) -> Any? {
        switch field {
        case "url": url
        case "name": name
        case "languageCode": languageCode
        case "current": current
        case "available": available
        case "code": code
        default: nil
        }
    }

    /// The same entry as an object of its names (how Mustache and the fingerprint read it).
    var object: [String: Any] {
        ["code": code, "name": name, "languageCode": languageCode, "url": url, "current": current, "available": available]
    }
}

/// A page as its template reads it (`page`) or as a list shows it (`pages`, `recent` …):
/// its fields typed, found by comparing names, not by hashing them into a dictionary
/// made for every page and every item of every list. Mustache and the fingerprint read
/// it as the object of the same entries (`object`); a field that object would not hold
/// (a date of a page without one, the text of a listed page) is absent here too.
final class PageFields: ContextRecord, @unchecked Sendable {
    struct Summary {
        let title: String
        let url: String
        let summary: String
        let isFallback: Bool
        let kind: String
        /// A fallback copy's: the language of its text.
        let textLanguage: String?
        let textLanguageCode: String?
        let date: String?
        let dateISO: String?
    }

    /// What only the page's own object has.
    struct Own {
        let content: HTMLText
        let description: String
        let tags: [String]
        let params: [String: Any]
        let permalink: String
        let lastmod: String?
        let lastmodISO: String?
        /// A fallback copy's: where the original is, and its language.
        let originalURL: String?
        let originalLanguageName: String?
        let originalLanguageCode: String?
    }

    let summary: Summary
    let own: Own?

    init(summary: Summary, own: Own?) {
        self.summary = summary
        self.own = own
    }

    /// The value of `name`, as `object[name]` is.
    func field(_ name: String) -> Any? {
        switch Field(name) {
        case .title: summary.title
        case .url: summary.url
        case .summary: summary.summary
        case .date: summary.date
        case .dateISO: summary.dateISO
        case .isFallback: summary.isFallback
        case .kind: summary.kind
        case .textLanguage: summary.textLanguage
        case .textLanguageCode: summary.textLanguageCode
        case .content: own?.content
        case .description: own?.description
        case .lastmod: own?.lastmod
        case .lastmodISO: own?.lastmodISO
        case .permalink: own?.permalink
        case .tags: own?.tags
        case .params: own?.params
        case .toc: own.map { _ in [Any]() }
        case .originalURL: own?.originalURL
        case .originalLanguageName: own?.originalLanguageName
        case .originalLanguageCode: own?.originalLanguageCode
        case nil: nil
        }
    }

    /// The names a page answers, found by the name's length first: each comparison of
    /// two texts found different is a call into the standard library, and a name is
    /// compared with the one to four names of its length, not with up to twenty.
    enum Field {
        case title, url, summary, date, dateISO, isFallback, kind, textLanguage, textLanguageCode
        case content, description, lastmod, lastmodISO, permalink, tags, params, toc
        case originalURL, originalLanguageName, originalLanguageCode

        init?(_ name: String) {
            let found: Field?
            switch name.utf8.count {
            case 3: found = name == "url" ? .url : name == "toc" ? .toc : nil
            case 4: found = name == "date" ? .date : name == "kind" ? .kind : name == "tags" ? .tags : nil
            case 5: found = name == "title" ? .title : nil
            case 6: found = name == "params" ? .params : nil
            case 7: found = name == "content" ? .content : name == "summary" ? .summary : name == "dateISO" ? .dateISO : name == "lastmod" ? .lastmod : nil
            case 9: found = name == "permalink" ? .permalink : nil
            case 10: found = name == "isFallback" ? .isFallback : name == "lastmodISO" ? .lastmodISO : nil
            case 11: found = name == "description" ? .description : name == "originalURL" ? .originalURL : nil
            case 12: found = name == "textLanguage" ? .textLanguage : nil
            case 16: found = name == "textLanguageCode" ? .textLanguageCode : nil
            case 20: found = name == "originalLanguageName" ? .originalLanguageName : name == "originalLanguageCode" ? .originalLanguageCode : nil
            default: found = nil
            }
            guard let found else { return nil }
            self = found
        }
    }

    /// The same fields as an object.
    var object: [String: Any] {
        var object: [String: Any] = [
            "title": summary.title, "url": summary.url, "summary": summary.summary,
            "isFallback": summary.isFallback, "kind": summary.kind,
        ]
        object["textLanguage"] = summary.textLanguage
        object["textLanguageCode"] = summary.textLanguageCode
        object["date"] = summary.date
        object["dateISO"] = summary.dateISO
        if let own {
            object["content"] = own.content
            object["description"] = own.description
            object["tags"] = own.tags
            object["params"] = own.params
            object["permalink"] = own.permalink
            object["lastmod"] = own.lastmod
            object["lastmodISO"] = own.lastmodISO
            object["toc"] = [Any]()
            object["originalURL"] = own.originalURL
            object["originalLanguageName"] = own.originalLanguageName
            object["originalLanguageCode"] = own.originalLanguageCode
        }
        return object
    }

    /// Adds its fields to `hasher`, each with whether it is there; false when a
    /// parameter holds a value the fingerprint does not know.
    func fingerprint(into hasher: inout FingerprintHasher) -> Bool {
        func add(_ text: String?) {
            if let text { hasher.add(1); hasher.add(text) } else { hasher.add(0) }
        }
        hasher.add(own == nil ? 0x5041_4745_5355_4D00 : 0x5041_4745_4F57_4E00)
        add(summary.title); add(summary.url); add(summary.summary)
        hasher.add(summary.isFallback ? 1 : 0)
        add(summary.kind); add(summary.textLanguage); add(summary.textLanguageCode); add(summary.date); add(summary.dateISO)
        guard let own else { return true }
        guard hasher.add(value: own.content), hasher.add(value: own.tags), hasher.add(value: own.params) else { return false }
        add(own.description); add(own.permalink); add(own.lastmod); add(own.lastmodISO)
        add(own.originalURL); add(own.originalLanguageName); add(own.originalLanguageCode)
        return true
    }
}

/// One of a page's links to its other languages in its head (`alternates`): read by its
/// two names, compared, not hashed into a dictionary of its own.
struct HreflangLink: ContextRecord {
    let hreflang: String
    let href: String

    func field(_ name: String) -> Any? {
        switch name {
        case "href": href
        case "hreflang": hreflang
        default: nil
        }
    }

    /// The same link as an object of its names (how Mustache and the fingerprint read it).
    var object: [String: Any] { ["hreflang": hreflang, "href": href] }
}
