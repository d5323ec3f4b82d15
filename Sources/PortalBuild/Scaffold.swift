import Foundation
import PortalContent
import PortalCore

/// `portal new page` and `portal new language`.
public enum Scaffold {
    /// Writes `Content/LANG/PATH.md` with a title from the path and today's date.
    /// - Returns: the path written.
    public static func newPage(_ target: String, contentDirectory: String, today: Date = Date()) throws(BuildFailure) -> String {
        var relative = target
        if relative.hasSuffix(".md") { relative = String(relative.dropLast(3)) }
        let parts = relative.split(separator: "/").map(String.init)
        guard parts.count >= 2, !parts.contains(".."), !parts.contains(".") else {
            throw BuildFailure([.error(target, "give the page as LANG/PATH, e.g. pl/news/nowy-kontrakt")])
        }
        let language = parts[0]
        guard FileSystem.exists(contentDirectory + "/" + language + "/_language.yaml") else {
            throw BuildFailure([.error(target, "'\(language)' is not a language of this site", hint: "create it first: portal new language \(language)")])
        }
        let path = contentDirectory + "/" + relative + ".md"
        guard !FileSystem.exists(path) else {
            throw BuildFailure([.error(path, "the page already exists; nothing was written")])
        }
        var words = parts.last!.replacingOccurrences(of: "-", with: " ").replacingOccurrences(of: "_", with: " ")
        if words == "_index" { words = parts.count > 2 ? parts[parts.count - 2].replacingOccurrences(of: "-", with: " ") : "Home" }
        let title = words.prefix(1).uppercased() + words.dropFirst()
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone.current
        let components = calendar.dateComponents([.year, .month, .day], from: today)
        let date = String(format: "%04d-%02d-%02d", components.year!, components.month!, components.day!)
        let escapedTitle = title.replacingOccurrences(of: "\"", with: "\\\"")
        let text = "---\ntitle: \"\(escapedTitle)\"\ndate: \(date)\ndescription: \"\"\n---\n\n"
        try write(path, text)
        return path
    }

    /// Writes `Content/CODE/_language.yaml` with the default language's interface strings to translate.
    /// - Returns: the path written and the steps for the translator.
    public static func newLanguage(_ code: String, contentDirectory: String, templatesDirectory: String) async throws(BuildFailure) -> (String, String) {
        let lower = code.lowercased()
        guard SiteLoader.isLanguageTag(lower) else {
            throw BuildFailure([.error(code, "'\(code)' is not a language code", hint: "use a BCP 47 tag such as hr, de or pt-br")])
        }
        let path = contentDirectory + "/" + lower + "/_language.yaml"
        guard !FileSystem.exists(path) else {
            throw BuildFailure([.error(path, "the language already exists; nothing was written")])
        }
        let (site, _) = try await SiteLoader(contentDirectory: contentDirectory).load()
        let defaultLanguage = site.defaultLanguage
        var strings: [String: InterfaceString] = [:]
        var diagnostics = DiagnosticList()
        let themeFile = templatesDirectory + "/strings/" + defaultLanguage + ".yaml"
        if let text = try? SourceText.read(themeFile, display: themeFile), let node = try? YAMLDocument.parse(text, file: themeFile) {
            strings = SiteLoader.parseStrings(node, file: themeFile, diagnostics: &diagnostics)
        }
        strings.merge(site.language(defaultLanguage)?.strings ?? [:]) { _, new in new }
        let name = Locale(identifier: lower).localizedString(forLanguageCode: lower) ?? lower
        let nativeName = name.prefix(1).uppercased() + name.dropFirst()
        let weight = (site.languages.map(\.weight).max() ?? 0) + 1
        let categories = PluralRules.categories(for: lower)
        var text = """
        # The \(nativeName) interface of the portal. Translate every text below from \(defaultLanguage);
        # keep {count} where it stands. Plural strings need the forms: \(categories.map(\.rawValue).joined(separator: ", ")).
        languageName: \(quote(nativeName))
        languageCode: \(lower)
        languageDirection: \(["ar", "he", "fa", "ur", "yi"].contains(PluralRules.baseLanguage(lower)) ? "rtl" : "ltr")
        weight: \(weight)
        strings:

        """
        for key in strings.keys.sorted() {
            switch strings[key]! {
            case .text(let value):
                text += "  \(key): \(quote(value))\n"
            case .plural(let forms):
                text += "  \(key):\n"
                let other = forms[.other] ?? ""
                for category in categories { text += "    \(category.rawValue): \(quote(forms[category] ?? other))\n" }
            }
        }
        try write(path, text)
        let steps = """
        Next steps for the \(nativeName) translation:
          1. Edit \(path): check languageName and languageCode (e.g. \(lower)-\(lower.uppercased())), and translate every string.
          2. Translate pages: copy Content/\(defaultLanguage)/<path>.md to Content/\(lower)/<path>.md and translate it.
             Until then readers see the \(defaultLanguage) text in the \(nativeName) interface, marked as not translated.
          3. Run `portal translations` to see what is left, and `portal serve` to read the result.
        """
        return (path, steps)
    }

    static func quote(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func write(_ path: String, _ text: String) throws(BuildFailure) {
        do {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .withoutOverwriting)
        } catch {
            throw BuildFailure([.error(path, "cannot write: \(error.localizedDescription)")])
        }
    }
}
