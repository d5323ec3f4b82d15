import Foundation
import PortalContent
import PortalCore
import PortalRender

/// Checks of what `portal check` sees only in the rendered site: links that templates,
/// front matter, menus and data files put into pages, and pages missing in a language.
public enum OutputCheck {
    /// Internal `href`/`src` targets of every HTML page that lead to no file, and `#anchors`
    /// that match no `id` of their page. Links already reported for the Markdown are skipped.
    public static func links(in site: RenderedSite, renderer: SiteRenderer) -> [Diagnostic] {
        var files: [String: [UInt8]] = [:]
        for file in site.files { files[file.path] = file.bytes }
        var ids: [String: Set<String>] = [:]
        func anchors(_ path: String) -> Set<String> {
            if let known = ids[path] { return known }
            let found = Set(attributeValues("id", in: files[path] ?? []))
            ids[path] = found
            return found
        }
        let basePath = renderer.plan.site.config.basePath
        let reported = Set(renderer.warnings.compactMap { warning -> String? in
            guard warning.message.hasPrefix("link to '") else { return nil }
            return warning.file + " " + (warning.message.dropFirst(9).split(separator: "'").first.map(String.init) ?? "")
        })
        var diagnostics: [Diagnostic] = []
        var seen = Set<String>()
        for file in site.files where file.path.hasSuffix(".html") {
            let source = renderer.plan.outputSources[file.path] ?? "/" + file.path
            for name in ["href", "src"] {
                for link in attributeValues(name, in: file.bytes) {
                    guard link.hasPrefix("/"), !link.hasPrefix("//") else { continue }
                    var path = link
                    var fragment: String?
                    if let hash = path.firstIndex(of: "#") { fragment = String(path[path.index(after: hash)...]); path = String(path[..<hash]) }
                    if let query = path.firstIndex(of: "?") { path = String(path[..<query]) }
                    if !basePath.isEmpty, path.hasPrefix(basePath) { path = String(path.dropFirst(basePath.count)) }
                    var key = String((path.removingPercentEncoding ?? path).dropFirst())
                    if key.isEmpty || key.hasSuffix("/") { key += "index.html" }
                    let sourceName = source.replacingOccurrences(of: " (fallback)", with: "").replacingOccurrences(of: " (generated)", with: "")
                    if reported.contains(sourceName + " " + link) || !seen.insert(source + " " + link).inserted { continue }
                    if files[key] == nil {
                        diagnostics.append(.warning(sourceName, "/\(file.path) links to '\(link)', which is not part of the site",
                                                    hint: "the link comes from a template, the front matter, a menu or a data file"))
                    } else if let fragment, !fragment.isEmpty, key.hasSuffix(".html"), !anchors(key).contains(fragment) {
                        diagnostics.append(.warning(sourceName, "/\(file.path) links to '\(link)', but that page has no id '\(fragment)'",
                                                    hint: "the link comes from a template, the front matter, a menu or a data file"))
                    }
                }
            }
        }
        return diagnostics
    }

    /// Default-language pages that a language has not translated.
    public static func missingTranslations(_ renderer: SiteRenderer) -> [Diagnostic] {
        let plan = renderer.plan
        var diagnostics: [Diagnostic] = []
        for (_, set) in plan.translationSets.sorted(by: { $0.key < $1.key }) {
            guard let original = set[plan.defaultLanguage] else { continue }
            let source = plan.site.pages[original]
            let missing = plan.languages.filter { $0.code != plan.defaultLanguage && set[$0.code] == nil }.map(\.code)
            if !missing.isEmpty {
                diagnostics.append(.warning(source.file, "not translated into \(missing.joined(separator: ", "))",
                                            hint: plan.site.config.missingTranslations == .fallback ? "readers of those languages see this text, marked as not translated" : "those languages do not have this page"))
            }
        }
        return diagnostics
    }

    /// Values of an HTML attribute, as written between double quotes (the theme's style).
    static func attributeValues(_ name: String, in bytes: [UInt8]) -> [String] {
        let needle = Array(" \(name)=\"".utf8)
        var values: [String] = []
        var index = 0
        let end = bytes.count - needle.count
        while index < end {
            if bytes[index] == needle[0], bytes[index + 1] == needle[1], Array(bytes[index..<index + needle.count]) == needle {
                let start = index + needle.count
                var stop = start
                while stop < bytes.count, bytes[stop] != UInt8(ascii: "\"") { stop += 1 }
                values.append(decodeEntities(String(decoding: bytes[start..<stop], as: UTF8.self)))
                index = stop
            }
            index += 1
        }
        return values
    }

    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&amp;", with: "&")
    }
}
