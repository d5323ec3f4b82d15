import Foundation
import PortalCore

/// Loads and checks everything in `Content/` into an immutable `Site`. Every problem
/// is collected; nothing is dropped silently.
public struct SiteLoader: Sendable {
    public var contentDirectory: String
    public var includeDrafts: Bool
    public var baseURLOverride: String?

    /// Folders of `Content/` that are not languages.
    public static let reservedFolders: Set<String> = ["cities", "data", "media"]

    public init(contentDirectory: String, includeDrafts: Bool = false, baseURLOverride: String? = nil) {
        self.contentDirectory = contentDirectory
        self.includeDrafts = includeDrafts
        self.baseURLOverride = baseURLOverride
    }

    /// Display path of a file below `Content/`.
    func display(_ relative: String) -> String {
        contentDirectory.hasSuffix("/") ? contentDirectory + relative : contentDirectory + "/" + relative
    }

    /// - Returns: the site and its warnings.
    /// - Throws: `BuildFailure` with every error (and warning) found.
    public func load() async throws(BuildFailure) -> (Site, [Diagnostic]) {
        var diagnostics = DiagnosticList()
        guard FileSystem.isDirectory(contentDirectory) else {
            throw BuildFailure([.error(contentDirectory, "the content folder does not exist", hint: "run portal in the folder that holds Content/, or pass --content DIR")])
        }
        let config = loadConfig(&diagnostics)
        var languages = loadLanguages(&diagnostics)
        languages.sort { ($0.weight, $0.code) < ($1.weight, $1.code) }

        if languages.isEmpty {
            diagnostics.error(display("site.yaml"), "the site has no language", hint: "add a folder Content/en/ with a _language.yaml")
        } else if let config, !languages.contains(where: { $0.code == config.defaultContentLanguage }) {
            diagnostics.error(display("site.yaml"), line: config.defaultLanguageLine, "defaultContentLanguage '\(config.defaultContentLanguage)' has no folder Content/\(config.defaultContentLanguage)/ with a _language.yaml",
                              hint: "languages found: \(languages.map(\.code).joined(separator: ", "))")
        }

        var pages: [Page] = []
        var staticFiles: [StaticFile] = []
        let knownLanguages = Set(languages.map(\.code))
        // The cities are read while the pages load.
        let loader = self
        async let loadedCities = { () -> ([City], DiagnosticList) in
            var local = DiagnosticList()
            let cities = loader.loadCities(knownLanguages: knownLanguages, &local)
            return (cities, local)
        }()
        await loadPages(languages: languages, into: &pages, staticFiles: &staticFiles, &diagnostics)
        let (cities, cityDiagnostics) = await loadedCities
        diagnostics.append(contentsOf: cityDiagnostics.items)
        let (data, countryNames) = loadData(&diagnostics)
        staticFiles += mediaFiles(&diagnostics)

        if let config {
            checkMenus(config, &diagnostics)
        }

        if diagnostics.hasErrors || config == nil {
            throw BuildFailure(diagnostics.sorted)
        }
        let site = Site(
            config: config!.value,
            languages: languages,
            pages: pages,
            cities: cities,
            data: data,
            countryNames: countryNames,
            staticFiles: staticFiles,
            contentDirectory: contentDirectory
        )
        return (site, diagnostics.sorted)
    }

    // MARK: site.yaml

    struct LoadedConfig {
        var value: SiteConfig
        var defaultLanguageLine: Int?
        var defaultContentLanguage: String { value.defaultContentLanguage }
    }

    func loadConfig(_ diagnostics: inout DiagnosticList) -> LoadedConfig? {
        let file = display("site.yaml")
        let path = contentDirectory + "/site.yaml"
        guard FileSystem.exists(path) else {
            diagnostics.error(file, "site settings are missing", hint: "create Content/site.yaml with at least 'title:' and 'baseURL:'")
            return nil
        }
        guard let root = readMapping(path, file: file, name: "site.yaml", example: "title: … and baseURL: …", &diagnostics) else { return nil }
        var reader = FieldReader(file: file, node: root)
        let title = reader.localized("title")
        if title == nil && root["title"] == nil {
            reader.diagnostics.error(file, line: 1, "'title' is missing", hint: "add 'title: Climate-Neutral Cities Portal' (or a map by language)")
        }
        let description = reader.localized("description")
        var baseURL = baseURLOverride ?? reader.string("baseURL") ?? "/"
        if baseURLOverride == nil, root["baseURL"] == nil {
            reader.diagnostics.warning(file, line: 1, "'baseURL' is missing: the sitemap and feeds need absolute addresses", hint: "add 'baseURL: https://cities.example.eu/' or pass --base-url")
        }
        if !baseURL.hasSuffix("/") { baseURL += "/" }
        if baseURL != "/", !(baseURL.hasPrefix("https://") || baseURL.hasPrefix("http://")) {
            let line = root["baseURL"]?.line
            reader.diagnostics.error(baseURLOverride == nil ? file : "--base-url", line: baseURLOverride == nil ? line : nil,
                                     "baseURL '\(baseURL)' must start with https:// or http://")
        }
        let defaultLanguage = (reader.string("defaultContentLanguage") ?? "en").lowercased()
        var missing = MissingTranslations.fallback
        if let text = reader.string("missingTranslations") {
            if let value = MissingTranslations(rawValue: text) { missing = value }
            else if let node = root["missingTranslations"] {
                reader.diagnostics.error(file, line: node.line, column: node.column, "missingTranslations must be 'fallback' or 'skip', not '\(text)'")
            }
        }
        var unsafeHTML = false
        if let markdown = root["markdown"] {
            var markdownReader = FieldReader(file: file, node: markdown)
            if markdown.mapping == nil { reader.wrongType("markdown", markdown, expected: "a mapping (unsafeHTML: false)") }
            unsafeHTML = markdownReader.bool("unsafeHTML") ?? false
            reader.diagnostics.append(contentsOf: markdownReader.diagnostics.items)
        }
        var menus: [String: [SiteConfig.MenuEntry]] = [:]
        if let menusNode = root["menus"] {
            if let pairs = menusNode.mapping {
                for (key, value) in pairs {
                    guard let name = key.string else { continue }
                    var entries: [SiteConfig.MenuEntry] = []
                    guard let items = value.sequence else {
                        reader.wrongType("menus.\(name)", value, expected: "a list of page paths")
                        continue
                    }
                    for item in items {
                        guard let path = item.string else {
                            reader.wrongType("menus.\(name)", item, expected: "a page path")
                            continue
                        }
                        entries.append(.init(path: path.trimmingCharacters(in: CharacterSet(charactersIn: "/")), line: item.line, column: item.column))
                    }
                    menus[name] = entries
                }
            } else {
                reader.wrongType("menus", menusNode, expected: "a mapping (main: [about, cities])")
            }
        }
        let feedLimit = reader.int("feedLimit") ?? 50
        let known: Set<String> = ["title", "description", "baseURL", "defaultContentLanguage", "menus", "missingTranslations", "markdown", "feedLimit"]
        var params: [String: DataValue] = [:]
        for (key, value) in root.mapping ?? [] {
            guard let name = key.string, !known.contains(name) else { continue }
            params[name] = DataValue(value)
        }
        diagnostics.append(contentsOf: reader.diagnostics.items)
        let config = SiteConfig(
            title: title ?? LocalizedText(""),
            description: description,
            baseURL: baseURL,
            defaultContentLanguage: defaultLanguage,
            menus: menus,
            missingTranslations: missing,
            unsafeHTML: unsafeHTML,
            feedLimit: max(0, feedLimit),
            params: params,
            file: file
        )
        return LoadedConfig(value: config, defaultLanguageLine: root["defaultContentLanguage"]?.line)
    }

    private func checkMenus(_ config: LoadedConfig, _ diagnostics: inout DiagnosticList) {
        for (name, entries) in config.value.menus {
            for entry in entries where entry.path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
                diagnostics.error(config.value.file, line: entry.line, column: entry.column, "menu '\(name)' entry '\(entry.path)' is not a page path")
            }
        }
    }

    /// A YAML file whose top level is a mapping; problems are reported, nil returned.
    func readMapping(_ path: String, file: String, name: String, example: String, _ diagnostics: inout DiagnosticList) -> YAMLNode? {
        do {
            let text = try SourceText.read(path, display: file)
            guard let root = try YAMLDocument.parse(text, file: file) else {
                diagnostics.error(file, line: 1, "\(name) is empty", hint: "set at least \(example)")
                return nil
            }
            guard root.mapping != nil else {
                diagnostics.error(file, line: root.line, column: root.column, "\(name) must be a mapping (\(example))")
                return nil
            }
            return root
        } catch {
            diagnostics.append(contentsOf: error.diagnostics)
            return nil
        }
    }

    // MARK: languages

    /// `en`, `pl`, `pt-br`, `sr-latn`: BCP 47 language tags, lower case.
    public static func isLanguageTag(_ code: String) -> Bool {
        let parts = code.split(separator: "-", omittingEmptySubsequences: false)
        guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }) else { return false }
        return parts.dropFirst().allSatisfy { part in
            (2...8).contains(part.count) && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) }
        }
    }

    func loadLanguages(_ diagnostics: inout DiagnosticList) -> [Language] {
        var languages: [Language] = []
        for name in FileSystem.list(contentDirectory) where !name.hasPrefix(".") {
            let folder = contentDirectory + "/" + name
            guard FileSystem.isDirectory(folder), !Self.reservedFolders.contains(name) else { continue }
            let file = display(name + "/_language.yaml")
            guard FileSystem.exists(folder + "/_language.yaml") else {
                if FileSystem.walk(folder).files.contains(where: { $0.hasSuffix(".md") }) {
                    diagnostics.error(display(name + "/"), "folder '\(name)' holds pages but no _language.yaml, so it is not a language",
                                      hint: "add Content/\(name)/_language.yaml with 'languageName:' (or `portal new language \(name)`)")
                }
                continue
            }
            let code = name.lowercased()
            guard Self.isLanguageTag(code) else {
                diagnostics.error(file, "'\(name)' is not a language code", hint: "name the folder with a BCP 47 tag such as en, pl, sl, ro or pt-br")
                continue
            }
            if let language = loadLanguage(code: code, folder: name, file: file, &diagnostics) {
                languages.append(language)
            }
        }
        return languages
    }

    func loadLanguage(code: String, folder: String, file: String, _ diagnostics: inout DiagnosticList) -> Language? {
        guard let root = readMapping(contentDirectory + "/" + folder + "/_language.yaml", file: file, name: "_language.yaml", example: "languageName: …", &diagnostics) else { return nil }
        var reader = FieldReader(file: file, node: root)
        let name = reader.string("languageName")
        if name == nil && root["languageName"] == nil {
            reader.diagnostics.error(file, line: 1, "'languageName' is missing", hint: "add the name readers see in the language switcher, e.g. 'languageName: Polski'")
        }
        let languageCode = reader.string("languageCode") ?? code
        if !Self.isLanguageTag(languageCode.lowercased()), let node = root["languageCode"] {
            reader.diagnostics.error(file, line: node.line, column: node.column, "languageCode '\(languageCode)' is not a BCP 47 tag", hint: "for example pl-PL")
        }
        let direction = reader.string("languageDirection") ?? "ltr"
        if direction != "ltr" && direction != "rtl", let node = root["languageDirection"] {
            reader.diagnostics.error(file, line: node.line, column: node.column, "languageDirection must be 'ltr' or 'rtl', not '\(direction)'")
        }
        let weight = reader.int("weight") ?? 0
        var strings: [String: InterfaceString] = [:]
        if let stringsNode = root["strings"] {
            strings = Self.parseStrings(stringsNode, file: file, diagnostics: &reader.diagnostics)
        }
        let known: Set<String> = ["languageName", "languageCode", "languageDirection", "weight", "strings"]
        for (key, keyNode) in reader.keys where !known.contains(key) {
            reader.diagnostics.warning(file, line: keyNode.line, column: keyNode.column, "unknown key '\(key)' in _language.yaml", hint: "interface strings go under 'strings:'")
        }
        diagnostics.append(contentsOf: reader.diagnostics.items)
        return Language(code: code, name: name ?? code, languageCode: languageCode, direction: direction, weight: weight, strings: strings, file: file)
    }

    /// Parses a `strings:` mapping (also used for the theme's `Templates/strings/<code>.yaml`).
    public static func parseStrings(_ node: YAMLNode, file: String, diagnostics: inout DiagnosticList) -> [String: InterfaceString] {
        guard let pairs = node.mapping else {
            diagnostics.error(file, line: node.line, column: node.column, "'strings' must be a mapping of names to texts")
            return [:]
        }
        var strings: [String: InterfaceString] = [:]
        for (key, value) in pairs {
            guard let name = key.string else { continue }
            switch value.kind {
            case .scalar(let text, _):
                strings[name] = .text(text)
            case .mapping(let forms):
                var plural: [PluralCategory: String] = [:]
                for (formKey, formValue) in forms {
                    guard let formName = formKey.string, let category = PluralCategory(rawValue: formName) else {
                        diagnostics.error(file, line: formKey.line, column: formKey.column,
                                          "'\(formKey.string ?? "?")' is not a plural category in string '\(name)'",
                                          hint: "use zero, one, two, few, many, other")
                        continue
                    }
                    guard case .scalar(let text, _) = formValue.kind else {
                        diagnostics.error(file, line: formValue.line, column: formValue.column, "plural form '\(formName)' of '\(name)' must be text")
                        continue
                    }
                    plural[category] = text
                }
                if plural[.other] == nil {
                    diagnostics.error(file, line: value.line, column: value.column, "plural string '\(name)' has no 'other' form", hint: "'other' is used for every number the other forms do not cover")
                }
                strings[name] = .plural(plural)
            case .sequence:
                diagnostics.error(file, line: value.line, column: value.column, "string '\(name)' must be text or plural forms (one:, other:)")
            }
        }
        return strings
    }
}
