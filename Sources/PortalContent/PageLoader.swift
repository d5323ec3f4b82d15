import Foundation
import PortalCore

extension SiteLoader {
    static let frontMatterKeys: Set<String> = [
        "title", "description", "date", "lastmod", "draft", "slug", "translationKey",
        "weight", "tags", "aliases", "layout", "summary",
    ]

    /// Every Markdown file of every language, read and parsed on every core.
    func loadPages(languages: [Language], into pages: inout [Page], staticFiles: inout [StaticFile], _ diagnostics: inout DiagnosticList) async {
        var jobs: [PageJob] = []
        // The language folders are walked on every core.
        let folders = languages.map { contentDirectory + "/" + languageFolderName($0) }
        let walks = await parallelMap(folders) { FileSystem.walk($0) }
        for (language, (folder, (files, escaping))) in zip(languages, zip(folders, walks)) {
            // Made once a language, not once a file (this loop runs on one core).
            let shownFolder = display(languageFolderName(language) + "/")
            for link in escaping {
                diagnostics.error(shownFolder + link, "symbolic link points outside the content folder", hint: "copy the file into Content/ instead")
            }
            for relative in files where relative != "_language.yaml" {
                let shown = shownFolder + relative
                if relative.hasUTF8Suffix(".md") {
                    jobs.append(PageJob(folder: AT_FDCWD, name: folder + "/" + relative, relative: relative, language: language, shown: shown))
                } else {
                    staticFiles.append(StaticFile(source: folder + "/" + relative, file: shown, outputPath: language.code + "/" + relative))
                }
            }
        }
        // A folder of several pages is opened once, and its pages relative to it: the
        // system then looks up one name a page instead of each folder of its path.
        let folderFDs = Self.openFolders(of: &jobs)
        defer { for fd in folderFDs { close(fd) } }
        let loader = self
        // Read on more threads than cores: a file the system no longer holds in memory
        // keeps its thread waiting for the disk, not a core.
        let results = await parallelMap(jobs, threads: diskThreads) { job -> (Page?, [Diagnostic]) in
            var local = DiagnosticList()
            do throws(BuildFailure) {
                let page = try loader.loadPage(job.name, in: job.folder, relative: job.relative, language: job.language, display: job.shown, &local)
                return (page, local.items)
            } catch {
                return (nil, local.items + error.diagnostics)
            }
        }
        for (page, problems) in results {
            if let page { pages.append(page) }
            diagnostics.append(contentsOf: problems)
        }
    }

    /// Opens each folder that holds two pages or more in a row of `jobs` (paths from the
    /// working folder, a walk's sorted files), and makes their jobs name their file in it.
    /// Returns the folders opened. Found on the paths' bytes, run by run: a split by
    /// characters, or a dictionary of the folders, cost more than the lookups it saves.
    private static func openFolders(of jobs: inout [PageJob]) -> [Int32] {
        var opened: [Int32] = []
        var start = 0
        while start < jobs.count {
            var first = jobs[start].name
            // The folder's length, with its slash.
            let length: Int? = first.withUTF8 { bytes in
                var index = bytes.count
                while index > 0 {
                    index -= 1
                    if bytes[index] == UInt8(ascii: "/") { return index + 1 }
                }
                return nil
            }
            guard let length else { start += 1; continue }
            var end = start + 1
            while end < jobs.count {
                var other = jobs[end].name
                let inFolder = first.withUTF8 { folder in
                    other.withUTF8 { bytes in
                        bytes.count > length && memcmp(folder.baseAddress!, bytes.baseAddress!, length) == 0
                            && !bytes[length...].contains(UInt8(ascii: "/"))
                    }
                }
                guard inFolder else { break }
                end += 1
            }
            if end - start >= 2 {
                let fd = first.withUTF8 { bytes in
                    open(String(decoding: UnsafeBufferPointer(rebasing: bytes[..<(length - 1)]), as: UTF8.self), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                }
                if fd >= 0 {
                    opened.append(fd)
                    for index in start..<end {
                        var name = jobs[index].name
                        jobs[index].folder = fd
                        jobs[index].name = name.withUTF8 { String(decoding: UnsafeBufferPointer(rebasing: $0[length...]), as: UTF8.self) }
                    }
                }
            }
            start = end
        }
        return opened
    }

    /// Reads one page again (after an edit), as `load()` would.
    /// - Returns: nil when the page became a draft that is not built.
    public func reloadPage(_ page: Page, language: Language) throws(BuildFailure) -> Page? {
        let prefix = display(languageFolderName(language) + "/")
        guard page.file.hasPrefix(prefix) else { throw BuildFailure([.error(page.file, "not a page of language \(language.code)")]) }
        var diagnostics = DiagnosticList()
        let reloaded = try loadPage(page.file, relative: String(page.file.dropFirst(prefix.count)), language: language, display: page.file, &diagnostics)
        if diagnostics.hasErrors { throw BuildFailure(diagnostics.sorted) }
        return reloaded
    }

    /// The folder name as written (it may differ from the code in case).
    func languageFolderName(_ language: Language) -> String {
        let parts = language.file.split(separator: "/")
        return parts.count >= 2 ? String(parts[parts.count - 2]) : language.code
    }

    /// - Parameters:
    ///   - name: the page's file in the open folder `folder`, or its path where `folder`
    ///     is `AT_FDCWD` (the default).
    func loadPage(_ name: String, in folder: Int32 = AT_FDCWD, relative: String, language: Language, display file: String, _ diagnostics: inout DiagnosticList) throws(BuildFailure) -> Page? {
        let split = try FrontMatter.split(try SourceText.readBytes(name, in: folder, display: file), file: file)
        guard let yaml = split.yaml else {
            throw BuildFailure([.error(file, line: 1, column: 1, "the page has no front matter", hint: "start the file with a '---' line, 'title: …', and another '---' line")])
        }
        guard let root = try YAMLDocument.parse(yaml, file: file, lineOffset: split.yamlLine - 1) else {
            throw BuildFailure([.error(file, line: 2, "the front matter is empty", hint: "add 'title: …'")])
        }
        guard root.mapping != nil else {
            throw BuildFailure([.error(file, line: root.line, column: root.column, "front matter must be a mapping (title: …), not \(root.typeName)")])
        }
        var reader = FieldReader(file: file, node: root)
        defer { diagnostics.append(contentsOf: reader.diagnostics.items) }

        let title = reader.string("title")
        if title == nil, reader.value("title") == nil {
            reader.diagnostics.error(file, line: 1, "'title' is missing from the front matter", hint: "add 'title: …' between the '---' lines")
        }
        let draft = reader.bool("draft") ?? false
        if draft && !includeDrafts { return nil }

        func date(_ key: String) -> PageDate? {
            guard let node = reader.value(key), let text = reader.string(key) else { return nil }
            guard let value = PageDate(text) else {
                reader.diagnostics.error(file, line: node.line, column: node.column, "'\(key)' is not a date: '\(text)'", hint: "write it as 2024-11-09 or 2024-11-09T10:30:00+01:00")
                return nil
            }
            return value
        }

        // Where the page lives and what its URL is.
        var contentPath = String(relative.dropLast(3))
        var kind = PageKind.page
        if contentPath == "_index" {
            contentPath = ""
            kind = .home
        } else if contentPath.hasSuffix("/_index") {
            contentPath = String(contentPath.dropLast(7))
            kind = .section
        }
        // Split at the byte '/' (splitting a string reads it character by character).
        let rawSegments = contentPath.utf8.split(separator: UInt8(ascii: "/")).map { String(Substring($0)) }
        var segments = rawSegments.map(Slug.make)
        if let index = segments.firstIndex(of: "") {
            let raw = rawSegments[index]
            reader.diagnostics.error(file, "'\(raw)' gives an empty URL segment", hint: "use letters or digits in file and folder names, or set 'slug:'")
        }
        if let slug = reader.string("slug"), let node = reader.value("slug") {
            let made = Slug.make(slug)
            if slug.contains("/") || slug.contains("\\") || slug == "." || slug == ".." || made.isEmpty {
                reader.diagnostics.error(file, line: node.line, column: node.column, "slug '\(slug)' is not a single URL segment", hint: "a slug replaces only the last part of the URL: use letters, digits and '-'")
            } else if kind == .home {
                reader.diagnostics.error(file, line: node.line, column: node.column, "the home page cannot have a slug: its URL is the language's")
            } else {
                segments[segments.count - 1] = made
            }
        }
        let urlPath = "/" + ([language.code] + segments).joined(separator: "/") + "/"

        var aliases: [Page.Alias] = []
        for (alias, node) in reader.strings("aliases") {
            let segments = alias.split(separator: "/", omittingEmptySubsequences: true)
            if !alias.hasPrefix("/") || alias.contains("\\") || alias.contains("://") || segments.contains(where: { $0 == ".." || $0 == "." }) || segments.isEmpty {
                reader.diagnostics.error(file, line: node.line, column: node.column, "alias '\(alias)' must be a path on this site such as /en/old-url/", hint: "start it with '/'; '..' is not allowed")
                continue
            }
            aliases.append(Page.Alias(path: "/" + segments.joined(separator: "/") + (alias.hasSuffix(".html") ? "" : "/"), line: node.line, column: node.column))
        }

        var params: [String: DataValue] = [:]
        for (key, value) in root.mapping ?? [] {
            guard let name = key.string, !Self.frontMatterKeys.contains(name) else { continue }
            params[name] = DataValue(value)
        }
        let translationKey = reader.string("translationKey")
        return Page(
            language: language.code,
            file: file,
            contentPath: contentPath,
            kind: kind,
            urlPath: urlPath,
            title: title ?? "",
            description: reader.string("description"),
            summary: reader.string("summary"),
            date: date("date"),
            lastmod: date("lastmod"),
            draft: draft,
            weight: reader.int("weight") ?? 0,
            tags: reader.strings("tags").map(\.0),
            aliases: aliases,
            layout: reader.string("layout"),
            translationKey: translationKey?.isEmpty == true ? nil : translationKey,
            params: params,
            body: split.body,
            bodyLine: split.bodyLine
        )
    }

    // MARK: cities

    func loadCities(knownLanguages: Set<String>, _ diagnostics: inout DiagnosticList) -> [City] {
        let folder = contentDirectory + "/cities"
        var cities: [City] = []
        for (name, id, file) in yamlFiles("cities", kind: "city", &diagnostics) {
            do {
                let text = try SourceText.read(folder + "/" + name, display: file)
                guard let root = try YAMLDocument.parse(text, file: file) else {
                    diagnostics.error(file, line: 1, "the city file is empty", hint: "set at least 'name:' and 'country:'")
                    continue
                }
                if let city = loadCity(id: id, root: root, file: file, knownLanguages: knownLanguages, &diagnostics) {
                    cities.append(city)
                }
            } catch {
                diagnostics.append(contentsOf: error.diagnostics)
            }
        }
        return cities.sorted { $0.id < $1.id }
    }

    static let cityKeys: Set<String> = ["name", "names", "country", "population", "coordinates", "targetYear", "missionLabel", "pilotCity", "sectors", "website", "summary"]

    func loadCity(id: String, root: YAMLNode, file: String, knownLanguages: Set<String>, _ diagnostics: inout DiagnosticList) -> City? {
        guard root.mapping != nil else {
            diagnostics.error(file, line: root.line, column: root.column, "a city file must be a mapping (name: …, country: …)")
            return nil
        }
        var reader = FieldReader(file: file, node: root)
        defer { diagnostics.append(contentsOf: reader.diagnostics.items) }
        if Slug.make(id) != id {
            reader.diagnostics.error(file, "city file name '\(id)' is not a URL segment", hint: "rename it to '\(Slug.make(id)).yaml'")
        }
        let name = reader.string("name")
        if name == nil, reader.value("name") == nil {
            reader.diagnostics.error(file, line: 1, "'name' is missing", hint: "add the city's own name, e.g. 'name: Kraków'")
        }
        var country = reader.string("country") ?? ""
        if let node = reader.value("country") {
            country = country.uppercased()
            if !Countries.isKnown(country) {
                reader.diagnostics.error(file, line: node.line, column: node.column, "'\(country)' is not an ISO 3166-1 alpha-2 country code", hint: "for example PL, SI, RO")
            }
        } else {
            reader.diagnostics.error(file, line: 1, "'country' is missing", hint: "add the ISO 3166-1 alpha-2 code, e.g. 'country: PL'")
        }
        let population = reader.int("population")
        if let population, population < 0, let node = reader.value("population") {
            reader.diagnostics.error(file, line: node.line, column: node.column, "population cannot be negative")
        }
        var latitude: Double?, longitude: Double?
        if let node = reader.value("coordinates"), !node.isNull {
            if let items = node.sequence, items.count == 2, let lat = items[0].double, let lon = items[1].double {
                if abs(lat) > 90 {
                    reader.diagnostics.error(file, line: items[0].line, column: items[0].column, "latitude \(items[0].string ?? "") is outside -90…90", hint: "coordinates are [latitude, longitude]")
                } else { latitude = lat }
                if abs(lon) > 180 {
                    reader.diagnostics.error(file, line: items[1].line, column: items[1].column, "longitude \(items[1].string ?? "") is outside -180…180", hint: "coordinates are [latitude, longitude]")
                } else { longitude = lon }
                if latitude == nil || longitude == nil { latitude = nil; longitude = nil }
            } else {
                reader.diagnostics.error(file, line: node.line, column: node.column, "'coordinates' must be [latitude, longitude]", hint: "for example [50.0647, 19.945]")
            }
        }
        var website = reader.string("website")
        if let url = website, !(url.hasPrefix("https://") || url.hasPrefix("http://")), let node = reader.value("website") {
            reader.diagnostics.error(file, line: node.line, column: node.column, "website '\(url)' must start with https:// or http://")
            website = nil
        }
        var sectors: [String] = []
        for (sector, node) in reader.strings("sectors") {
            let slug = Slug.make(sector)
            if slug.isEmpty {
                reader.diagnostics.error(file, line: node.line, column: node.column, "sector '\(sector)' is empty")
            } else if !sectors.contains(slug) {
                sectors.append(slug)
            }
        }
        var names: [String: String] = [:]
        if let node = reader.value("names"), let text = reader.localized("names", node) {
            names = text.byLanguage
            if text.all != nil { reader.wrongType("names", node, expected: "a map by language (en: …, ro: …)") }
            checkLanguageKeys(node, file: file, knownLanguages: knownLanguages, &reader.diagnostics)
        }
        var summary: [String: String] = [:]
        if let node = reader.value("summary"), let text = reader.localized("summary", node) {
            if let all = text.all { for language in knownLanguages { summary[language] = all } } else { summary = text.byLanguage }
            checkLanguageKeys(node, file: file, knownLanguages: knownLanguages, &reader.diagnostics)
        }
        var params: [String: DataValue] = [:]
        for (key, value) in root.mapping ?? [] {
            guard let keyName = key.string, !Self.cityKeys.contains(keyName) else { continue }
            params[keyName] = DataValue(value)
        }
        return City(
            id: id, file: file, name: name ?? id, names: names, country: country,
            population: population, latitude: latitude, longitude: longitude,
            targetYear: reader.int("targetYear"), missionLabel: reader.int("missionLabel"),
            pilotCity: reader.bool("pilotCity"), sectors: sectors, website: website,
            summary: summary, params: params
        )
    }

    private func checkLanguageKeys(_ node: YAMLNode, file: String, knownLanguages: Set<String>, _ diagnostics: inout DiagnosticList) {
        for (key, _) in node.mapping ?? [] {
            guard let code = key.string?.lowercased(), !knownLanguages.contains(code) else { continue }
            diagnostics.warning(file, line: key.line, column: key.column, "'\(code)' is not a language of this site", hint: "languages: \(knownLanguages.sorted().joined(separator: ", "))")
        }
    }

    /// The YAML files of a folder of `Content/`: (file name, name without extension, display path).
    /// Other files are reported, not silently skipped.
    func yamlFiles(_ folder: String, kind: String, _ diagnostics: inout DiagnosticList) -> [(String, String, String)] {
        FileSystem.list(contentDirectory + "/" + folder).filter { !$0.hasPrefix(".") }.compactMap { name in
            let file = display(folder + "/" + name)
            guard name.hasSuffix(".yaml") || name.hasSuffix(".yml") else {
                diagnostics.warning(file, "not a \(kind) file: \(kind) files end in .yaml")
                return nil
            }
            return (name, String(name[..<name.lastIndex(of: ".")!]), file)
        }
    }

    // MARK: data and media

    func loadData(_ diagnostics: inout DiagnosticList) -> ([String: DataValue], [String: [String: String]]) {
        let folder = contentDirectory + "/data"
        var data: [String: DataValue] = [:]
        var countryNames: [String: [String: String]] = [:]
        for (name, key, file) in yamlFiles("data", kind: "data", &diagnostics) {
            guard key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }), !key.isEmpty else {
                diagnostics.error(file, "data file name '\(key)' cannot be used as data.\(key) in templates", hint: "use letters, digits and '_' only")
                continue
            }
            do {
                let text = try SourceText.read(folder + "/" + name, display: file)
                guard let root = try YAMLDocument.parse(text, file: file) else { continue }
                data[key] = DataValue(root)
                if key == "countries" {
                    for (code, value) in root.mapping ?? [] {
                        guard let code = code.string?.uppercased() else { continue }
                        var byLanguage: [String: String] = [:]
                        for (language, text) in value.mapping ?? [] {
                            if let language = language.string, let text = text.string { byLanguage[language.lowercased()] = text }
                        }
                        countryNames[code] = byLanguage
                    }
                }
            } catch {
                diagnostics.append(contentsOf: error.diagnostics)
            }
        }
        return (data, countryNames)
    }

    func mediaFiles(_ diagnostics: inout DiagnosticList) -> [StaticFile] {
        let folder = contentDirectory + "/media"
        let (files, escaping) = FileSystem.walk(folder)
        for link in escaping {
            diagnostics.error(display("media/" + link), "symbolic link points outside the content folder", hint: "copy the file into Content/media/ instead")
        }
        return files.map { StaticFile(source: folder + "/" + $0, file: display("media/" + $0), outputPath: "media/" + $0) }
    }
}

/// A page to load: its file `name` in the open folder `folder`, or `name` the whole path
/// where `folder` is `AT_FDCWD`.
private struct PageJob: Sendable {
    var folder: Int32
    var name: String
    var relative: String
    var language: Language
    var shown: String
}
