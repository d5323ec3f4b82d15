import CPortalSystem
import Foundation
import PortalContent
import PortalCore

enum XML {
    /// Escapes text for XML and HTML attributes and content, on UTF-8 bytes: it runs
    /// over every value of every page. Control characters, which XML 1.0 does not
    /// allow, are left out unless `dropControls` is false (Mustache keeps them).
    static func escape(_ text: String, apostrophe: Bool = false, dropControls: Bool = true) -> String {
        let escaped = text.withUTF8Bytes { bytes -> [UInt8]? in
            guard let base = bytes.baseAddress else { return nil }
            let first = portal_next_xml_escape(base, 0, bytes.count, apostrophe ? 1 : 0, dropControls ? 1 : 0)
            guard first < bytes.count else { return nil }
            // The bytes before the first to escape are copied as they are, not scanned again.
            var escaped: [UInt8] = []
            escaped.reserveCapacity(bytes.count + 16)
            escaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[..<first]))
            escape(UnsafeBufferPointer(rebasing: bytes[first...]), apostrophe: apostrophe, dropControls: dropControls, into: &escaped)
            return escaped
        }
        // Most values have nothing to escape: the same string, not a copy.
        return escaped.map { String(decoding: $0, as: UTF8.self) } ?? text
    }

    /// The same on UTF-8, appended to `out` (pages are written this way, as bytes): the
    /// bytes that need no escape are found sixteen at a time (`portal_next_xml_escape`)
    /// and appended as runs.
    static func escape(_ bytes: UnsafeBufferPointer<UInt8>, apostrophe: Bool, dropControls: Bool, into out: inout [UInt8]) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            let next = portal_next_xml_escape(base, start, bytes.count, apostrophe ? 1 : 0, dropControls ? 1 : 0)
            if next > start { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<next])) }
            guard next < bytes.count else { return }
            appendEntity(bytes[next], to: &out)
            start = next + 1
        }
    }

    @inline(__always)
    private static func appendEntity(_ byte: UInt8, to out: inout [UInt8]) {
        let entity: StaticString
        switch byte {
        case UInt8(ascii: "<"): entity = "&lt;"
        case UInt8(ascii: ">"): entity = "&gt;"
        case UInt8(ascii: "&"): entity = "&amp;"
        case UInt8(ascii: "\""): entity = "&quot;"
        case UInt8(ascii: "'"): entity = "&#39;"
        default: entity = ""  // a control character XML does not allow: left out
        }
        entity.withUTF8Buffer { out.append(contentsOf: $0) }
    }
}

enum JSON {
    /// A JSON string literal, safe to embed anywhere (`<`, U+2028 and U+2029 escaped).
    static func string(_ text: String) -> String {
        var out = [UInt8]()
        append(text, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// The same, appended to `out`. Works on UTF-8 bytes: it runs over the titles and
    /// summaries of every page for the search index.
    static func append(_ text: String, to out: inout [UInt8]) {
        text.withUTF8Bytes { bytes in
            out.append(UInt8(ascii: "\""))
            // Most text needs no escape at all: copied at once up to the first byte that
            // may (controls, `"`, `\`, `<`, and the first byte of U+2028/U+2029), found
            // sixteen bytes at a time.
            guard let base = bytes.baseAddress else { out.append(UInt8(ascii: "\"")); return }
            var index = 0
            while index < bytes.count {
                let plain = portal_next_json_special(base, index, bytes.count)
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[index..<plain]))
                index = plain
                guard index < bytes.count else { break }
                let byte = bytes[index]
                index += 1
                switch byte {
                case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), byte]
                case UInt8(ascii: "\\"): out += [byte, byte]
                case UInt8(ascii: "\n"): out += "\\n".utf8
                case UInt8(ascii: "\r"): out += "\\r".utf8
                case UInt8(ascii: "\t"): out += "\\t".utf8
                case UInt8(ascii: "<"): out += "\\u003c".utf8
                case 0..<0x20: out += "\\u00".utf8; out += [hex[Int(byte >> 4)], hex[Int(byte & 15)]]
                case 0xE2 where index + 1 < bytes.count && bytes[index] == 0x80 && (bytes[index + 1] == 0xA8 || bytes[index + 1] == 0xA9):
                    out += (bytes[index + 1] == 0xA8 ? "\\u2028" : "\\u2029").utf8
                    index += 2
                default: out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)
}

extension SiteRenderer {
    // MARK: search

    /// The per-language search index: titles, addresses, summaries, and the text folded
    /// to lower-case ASCII so that `lodz` finds Łódź without any network access.
    /// Written into one array of the index's size (megabytes for a large site: a string
    /// grown entry by entry would be copied at every doubling, and once more into bytes).
    func searchIndex(_ code: String) -> [UInt8] {
        let order = tables[code]!.searchOrder
        let cities = tables[code]!.citySearchEntries
        var bytes: [UInt8] = []
        bytes.reserveCapacity(order.reduce(cities.count + 8) { $0 + searchEntries[$1].count + 2 })
        bytes.append(contentsOf: "[\n".utf8)
        for index in order {
            bytes.append(contentsOf: searchEntries[index])
            bytes.append(contentsOf: ",\n".utf8)
        }
        bytes.append(contentsOf: cities)
        bytes.append(contentsOf: "\n]\n".utf8)
        return bytes
    }

    /// One search index entry as JSON, in UTF-8: written into one array, the folded text
    /// (most of it, `folded` appends it) straight in, which the index copies as it is.
    static func searchEntry(title: String, url: String, summary: String, kind: String, folded: (inout [UInt8]) -> Void) -> [UInt8] {
        var entry: [UInt8] = []
        entry += #"{"t":"#.utf8
        JSON.append(title, to: &entry)
        entry += #","u":"#.utf8
        JSON.append(url, to: &entry)
        entry += #","s":"#.utf8
        JSON.append(summary, to: &entry)
        entry += #","k":"#.utf8
        JSON.append(kind, to: &entry)
        entry += #","f":"#.utf8
        folded(&entry)
        entry.append(UInt8(ascii: "}"))
        return entry
    }

    /// The entry of a planned page: its page's text folded into it, or `folded` when the
    /// page's `searchText` was made once for it and its fallback copies. Computed once per
    /// build, and again when the page changes.
    func searchEntry(_ plannedIndex: Int, folded: [UInt8]? = nil) -> [UInt8] {
        let entry = plan.plannedPages[plannedIndex]
        let page = site.pages[entry.pageIndex]
        return Self.searchEntry(title: page.title, url: url(entry.urlPath), summary: summaryText(entry.pageIndex),
                                kind: strings[entry.language]!.text("kind_" + page.kind.rawValue)) { out in
            if let folded { out += folded } else { appendSearchText(entry.pageIndex, to: &out) }
        }
    }

    /// The entries of the city directory and of every city, joined: once per language.
    func citySearchEntries(_ code: String) -> [UInt8] {
        let strings = self.strings[code]!
        var entries: [[UInt8]] = [Self.searchEntry(title: citiesTitle(code), url: url("/\(code)/\(SitePlan.citiesPath)/"), summary: "", kind: strings.text("kind_section")) {
            Slug.appendSearchFoldJSON([citiesTitle(code) + "  "], to: &$0)
        }]
        for index in sortedCityIndices(code) {
            let city = site.cities[index]
            var text = city.name + " " + countryName(city.country, code) + " " + city.country
            if let narrative = plan.cityNarratives[code]?[city.id] { text += " " + Self.excerpt(utf8: markdown[narrative].plainTextBytes, limit: 1000) }
            let title = city.name(in: code), summary = countryName(city.country, code)
            entries.append(Self.searchEntry(title: title, url: url(cityURLPath(city, code)), summary: summary, kind: strings.text("kind_city")) {
                Slug.appendSearchFoldJSON([title, summary, text], to: &$0)
            })
        }
        return Array(entries.joined(separator: ",\n".utf8))
    }

    /// How many characters of a page's text the search index has.
    static let searchTextLimit = 3000

    /// A page's text for the search index, folded and JSON-encoded: made once for a page
    /// and its fallback copies (see `searchEntry`).
    func searchText(_ pageIndex: Int) -> [UInt8] {
        var folded: [UInt8] = []
        appendSearchText(pageIndex, to: &folded)
        return folded
    }

    /// The same, appended to `out`.
    func appendSearchText(_ pageIndex: Int, to out: inout [UInt8]) {
        let page = site.pages[pageIndex]
        let text = markdown[pageIndex].plainTextBytes
        // A text of no more bytes than the limit is whole (see `excerpt`): folded from its bytes.
        if text.count <= Self.searchTextLimit {
            Slug.appendSearchFoldJSON([page.title, summaryText(pageIndex)], then: text, to: &out)
        } else {
            Slug.appendSearchFoldJSON([page.title, summaryText(pageIndex), Self.excerpt(utf8: text, limit: Self.searchTextLimit)], to: &out)
        }
    }

    // MARK: feeds

    /// Atom feed of the language's dated pages, newest first.
    func feed(_ code: String) -> String {
        let language = strings[code]!.language
        // Dated real pages of the language, newest first, as the home lists them.
        let entries = tables[code]!.dated.prefix(site.config.feedLimit).map { plan.plannedPages[$0] }
        let title = site.config.title.text(for: code, defaultLanguage: defaultLanguage) ?? ""
        let updated = entries.map { site.pages[$0.pageIndex].lastmod ?? site.pages[$0.pageIndex].date! }.max()
        var xml = """
        <?xml version="1.0" encoding="utf-8"?>
        <feed xmlns="http://www.w3.org/2005/Atom" xml:lang="\(XML.escape(language.languageCode))">
        <title>\(XML.escape(title))</title>
        <id>\(XML.escape(permalink("/\(code)/")))</id>
        <link rel="self" type="application/atom+xml" href="\(XML.escape(permalink("/\(code)/feed.xml")))"/>
        <link rel="alternate" type="text/html" href="\(XML.escape(permalink("/\(code)/")))"/>
        <updated>\(updated?.rfc3339 ?? "1970-01-01T00:00:00Z")</updated>
        <author><name>\(XML.escape(title))</name></author>

        """
        for entry in entries {
            let page = site.pages[entry.pageIndex]
            xml += """
            <entry>
            <title>\(XML.escape(page.title))</title>
            <link rel="alternate" type="text/html" href="\(XML.escape(permalink(entry.urlPath)))"/>
            <id>\(XML.escape(permalink(entry.urlPath)))</id>
            <published>\(page.date!.rfc3339)</published>
            <updated>\((page.lastmod ?? page.date!).rfc3339)</updated>
            <summary>\(XML.escape(summaryText(entry.pageIndex)))</summary>
            </entry>

            """
        }
        return xml + "</feed>\n"
    }

    // MARK: sitemap

    func sitemap() -> [UInt8] {
        // Written into bytes with room for the whole file (an address and a link per
        // language, about a hundred bytes each, per page): a string grown page by page
        // would be copied at every doubling.
        var xml: [UInt8] = []
        let languages = plan.outputLanguages.count
        xml.reserveCapacity((128 + 128 * languages) * (plan.plannedPages.count + languages * (site.cities.count + 2)) + 256)
        func put(_ text: String) { xml.append(contentsOf: text.utf8) }
        func escaped(_ text: String, into out: inout [UInt8]) {
            text.withUTF8Bytes { XML.escape($0, apostrophe: false, dropControls: true, into: &out) }
        }
        // An address is the origin and a path: the origin is escaped once (escaping goes
        // byte by byte, so the two escaped apart are the whole escaped).
        var origin: [UInt8] = []
        escaped(permalink(""), into: &origin)
        put("""
        <?xml version="1.0" encoding="utf-8"?>
        <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:xhtml="http://www.w3.org/1999/xhtml">

        """)
        // The alternate links of a translation set (or of a generated page in every
        // language) are the same for each of its pages: written once, kept by the set's
        // number (or the generated page's path).
        var linesOfSet = [[UInt8]?](repeating: nil, count: plan.setPages.count)
        var linesOfGenerated: [String: [UInt8]] = [:]
        func lines(_ links: [HreflangLink]) -> [UInt8] {
            var lines: [UInt8] = []
            for link in links {
                lines.append(contentsOf: "<xhtml:link rel=\"alternate\" hreflang=\"".utf8)
                escaped(link.hreflang, into: &lines)
                lines.append(contentsOf: "\" href=\"".utf8)
                escaped(link.href, into: &lines)
                lines.append(contentsOf: "\"/>\n".utf8)
            }
            return lines
        }
        func open(_ urlPath: String, lastmod: PageDate?) {
            put("<url>\n<loc>")
            xml.append(contentsOf: origin)
            escaped(urlPath, into: &xml)
            put("</loc>\n")
            if let lastmod {
                put("<lastmod>")
                put(lastmod.isoDate)
                put("</lastmod>\n")
            }
        }
        func add(generated path: String, urlPath: String) {
            open(urlPath, lastmod: nil)
            if let lines = linesOfGenerated[path] {
                xml.append(contentsOf: lines)
            } else {
                let made = lines(alternateLinks(generatedAlternates(path)))
                linesOfGenerated[path] = made
                xml.append(contentsOf: made)
            }
            put("</url>\n")
        }
        for language in plan.outputLanguages {
            let code = language.code
            // Each language's pages by address (indices sorted: the entries are not copied).
            let entries = (plan.pathLookup[code] ?? [:]).values.sorted { plan.plannedPages[$0].urlPath < plan.plannedPages[$1].urlPath }
            for index in entries {
                let entry = plan.plannedPages[index]
                if entry.isFallback { continue }
                let page = site.pages[entry.pageIndex]
                if page.draft { continue }
                open(entry.urlPath, lastmod: page.lastmod ?? page.date)
                if let lines = linesOfSet[entry.set] {
                    xml.append(contentsOf: lines)
                } else {
                    // The links the set's pages have in their heads, made once for them.
                    let links = sharedAlternates.indices.contains(entry.set) ? sharedAlternates[entry.set].value as? [HreflangLink] : nil
                    let made = lines(links ?? alternateLinks(alternates(translationID: page.translationKey ?? page.contentPath)))
                    linesOfSet[entry.set] = made
                    xml.append(contentsOf: made)
                }
                put("</url>\n")
            }
            add(generated: SitePlan.citiesPath, urlPath: "/\(code)/\(SitePlan.citiesPath)/")
            for city in site.cities {
                add(generated: "\(SitePlan.citiesPath)/\(city.id)", urlPath: cityURLPath(city, code))
            }
            add(generated: SitePlan.searchPath, urlPath: "/\(code)/\(SitePlan.searchPath)/")
        }
        put("</urlset>\n")
        return xml
    }

    // MARK: links

    /// Internal links and anchors in Markdown that lead nowhere, and images without alt text.
    func checkLinks() async -> [Diagnostic] {
        var targets = Set<String>(minimumCapacity: 2 * plan.outputSources.count + fingerprintedAssets.count + theme.assets.count + 8)
        for path in plan.outputSources.keys {
            targets.insert("/" + path)
            if path.hasSuffix("index.html") { targets.insert("/" + path.dropLast("index.html".count)) }
        }
        for path in fingerprintedAssets.keys { targets.insert("/" + path) }
        for asset in theme.assets { targets.insert("/assets/" + asset) }
        for path in ["/", "/index.html", "/404.html", "/sitemap.xml", "/robots.txt"] { targets.insert(path) }
        // Per address, the page whose headings a fragment may name (read only for links
        // with one: a page has a few headings, looked through in order).
        var anchors: [String: Int] = [:]
        anchors.reserveCapacity(plan.plannedPages.count)
        for entry in plan.plannedPages {
            anchors[entry.urlPath] = entry.pageIndex
        }
        for (code, narratives) in plan.cityNarratives {
            for (id, index) in narratives { anchors["/\(code)/\(SitePlan.citiesPath)/\(id)/"] = index }
        }
        let known = targets, headings = anchors
        // Page by page on every core; the warnings come back in page order.
        let perPage = await parallelMap(Array(site.pages.indices)) { index -> [Diagnostic] in
            self.linkWarnings(page: index, targets: known, anchors: headings)
        }
        return perPage.flatMap { $0 }
    }

    /// Images without alternative text, and links to no page or to no heading, of one page.
    private func linkWarnings(page index: Int, targets: Set<String>, anchors: [String: Int]) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        let page = site.pages[index]
        let rendered = markdown[index]
        for image in rendered.imagesWithoutAlt {
            diagnostics.append(.warning(page.file, line: page.bodyLine + image.line - 1, column: image.column,
                                        "image '\(image.destination)' has no alternative text", hint: "describe it: ![what the image shows](\(image.destination))"))
        }
        for link in rendered.links {
            let destination = link.destination
            if destination.isEmpty || destination.hasPrefix("//") || destination.utf8.contains(UInt8(ascii: ":")) && !destination.hasPrefix("/") && !destination.hasPrefix("#") && !destination.hasPrefix(".") {
                continue
            }
            var path = destination
            var fragment: String?
            // A URL's delimiters are bytes (looked for without reading characters).
            if let hash = path.firstUTF8Index(of: UInt8(ascii: "#")) {
                fragment = String(path[path.utf8.index(after: hash)...])
                path = String(path[..<hash])
            }
            if let query = path.firstUTF8Index(of: UInt8(ascii: "?")) { path = String(path[..<query]) }
            if path.isEmpty {
                path = page.urlPath
            } else if !path.hasPrefix("/") {
                path = Self.resolve(path, against: page.urlPath)
            } else if !basePath.isEmpty, path.hasPrefix(basePath + "/") {
                path = String(path.dropFirst(basePath.count))
            }
            if path.utf8.contains(UInt8(ascii: "%")) { path = path.removingPercentEncoding ?? path }
            let line = page.bodyLine + link.line - 1
            if !targets.contains(path) && !targets.contains(path + "/") {
                diagnostics.append(.warning(page.file, line: line, column: link.column, "link to '\(destination)' leads to no page of the site",
                                            hint: "pages are at /<language>/<path>/, e.g. /\(page.language)/about/"))
            } else if let fragment, !fragment.isEmpty {
                let key = targets.contains(path) && path.hasSuffix("/") ? path : path + "/"
                if let target = anchors[key], case let ids = markdown[target].headingIDs, !ids.contains(fragment) {
                    diagnostics.append(.warning(page.file, line: line, column: link.column, "link to '\(destination)': the page has no heading with id '\(fragment)'",
                                                hint: ids.isEmpty ? nil : "its headings: \(ids.sorted().prefix(8).joined(separator: ", "))"))
                }
            }
        }
        return diagnostics
    }

    /// Resolves a relative link against the page's URL directory.
    static func resolve(_ relative: String, against base: String) -> String {
        var parts = base.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/", omittingEmptySubsequences: false).map(String.init) {
            switch part {
            case "..": if !parts.isEmpty { parts.removeLast() }
            case ".", "": continue
            default: parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/") + (relative.hasSuffix("/") ? "/" : "")
    }
}
