import Foundation
import PortalContent
import PortalCore

/// `portal translations`: per language, which pages are translated, missing, outdated
/// or shown as fallback. Outdated: the default-language source changed (in git) after
/// its translation did.
public struct TranslationReport: Sendable {
    public struct Entry: Sendable, Hashable {
        /// Translation set: the path below the language folder, or the translationKey.
        public var key: String
        public var source: String
        public var translation: String?
    }

    public struct LanguageStatus: Sendable {
        public var code: String
        public var name: String
        public var translated: [Entry]
        public var missing: [Entry]
        public var outdated: [Entry]
        /// Missing pages written as fallbacks (missingTranslations: fallback).
        public var fallback: [Entry]
    }

    public var defaultLanguage: String
    public var languages: [LanguageStatus]
    /// Nil when outdated translations could be found; else why not.
    public var historyNote: String?

    public static func make(contentDirectory: String) async throws(BuildFailure) -> TranslationReport {
        let (site, _) = try await SiteLoader(contentDirectory: contentDirectory, includeDrafts: true).load()
        let defaultLanguage = site.defaultLanguage
        var sets: [String: [String: Page]] = [:]
        for page in site.pages { sets[page.translationKey ?? page.contentPath, default: [:]][page.language] = page }
        let history = GitHistory.load(folder: contentDirectory)
        var statuses: [LanguageStatus] = []
        for language in site.languages where language.code != defaultLanguage {
            var status = LanguageStatus(code: language.code, name: language.name, translated: [], missing: [], outdated: [], fallback: [])
            for key in sets.keys.sorted() {
                guard let source = sets[key]?[defaultLanguage] else { continue }
                if let translation = sets[key]?[language.code] {
                    let entry = Entry(key: key, source: source.file, translation: translation.file)
                    status.translated.append(entry)
                    if let history, let sourceChange = history.lastChange(source.file), let translationChange = history.lastChange(translation.file),
                       sourceChange < translationChange {
                        status.outdated.append(entry)
                    }
                } else {
                    let entry = Entry(key: key, source: source.file, translation: nil)
                    status.missing.append(entry)
                    if site.config.missingTranslations == .fallback { status.fallback.append(entry) }
                }
            }
            statuses.append(status)
        }
        return TranslationReport(defaultLanguage: defaultLanguage, languages: statuses, historyNote: history == nil ? GitHistory.unavailableReason(folder: contentDirectory) : nil)
    }

    /// A table a translator reads at a glance, then the pages to work on.
    public var text: String {
        var out = "Translations of the \(defaultLanguage) pages\n\n"
        let header = ["language", "translated", "missing", "outdated", "fallback"]
        var rows = [header]
        for status in languages {
            rows.append(["\(status.code) \(status.name)", "\(status.translated.count)", "\(status.missing.count)",
                         historyNote == nil ? "\(status.outdated.count)" : "?", "\(status.fallback.count)"])
        }
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        for (index, row) in rows.enumerated() {
            out += row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ") + "\n"
            if index == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
        }
        if let historyNote { out += "\nOutdated translations cannot be told: \(historyNote)\n" }
        for status in languages where !status.missing.isEmpty || !status.outdated.isEmpty {
            out += "\n\(status.code):\n"
            for entry in status.outdated { out += "  outdated  \(entry.translation!)  (\(entry.source) changed since)\n" }
            for entry in status.missing { out += "  missing   \(entry.source)\n" }
        }
        return out
    }

    public var json: String {
        func list(_ entries: [Entry]) -> String {
            "[" + entries.map { entry in
                "{\"key\":\(jsonString(entry.key)),\"source\":\(jsonString(entry.source))" + (entry.translation.map { ",\"translation\":\(jsonString($0))" } ?? "") + "}"
            }.joined(separator: ",") + "]"
        }
        let languageObjects = languages.map { status in
            "{\"code\":\(jsonString(status.code)),\"name\":\(jsonString(status.name)),\"translated\":\(list(status.translated)),\"missing\":\(list(status.missing)),\"outdated\":\(historyNote == nil ? list(status.outdated) : "null"),\"fallback\":\(list(status.fallback))}"
        }
        return "{\"defaultLanguage\":\(jsonString(defaultLanguage)),\"history\":\(historyNote.map(jsonString) ?? "null"),\"languages\":[\(languageObjects.joined(separator: ","))]}\n"
    }
}

func jsonString(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        default:
            if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out + "\""
}

/// When each file last changed, from one `git log` pass over the content folder:
/// the position of the newest commit that touched it (0 = the newest commit; -1 =
/// changed and not committed yet). Commit order, not clock time, so that commits made
/// in the same second, or on machines with skewed clocks, still compare right.
struct GitHistory {
    /// Path as displayed (`Content/pl/x.md`) → age; smaller is newer.
    var times: [String: Int]
    var prefixFromRoot: String
    var displayFolder: String

    func lastChange(_ display: String) -> Int? { times[display] }

    static func run(_ arguments: [String], in folder: String) -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-C", folder] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return (127, "") }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func unavailableReason(folder: String) -> String {
        let (status, _) = run(["--version"], in: ".")
        if status != 0 { return "git is not installed" }
        return "\(folder) is not in a git repository, so there is no history of changes"
    }

    static func load(folder: String) -> GitHistory? {
        let (status, top) = run(["rev-parse", "--show-toplevel"], in: folder)
        guard status == 0 else { return nil }
        let root = top.trimmingCharacters(in: .whitespacesAndNewlines)
        let absolute = URL(fileURLWithPath: folder).resolvingSymlinksInPath().path
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        guard absolute.hasPrefix(realRoot) else { return nil }
        var prefix = String(absolute.dropFirst(realRoot.count))
        if prefix.hasPrefix("/") { prefix.removeFirst() }
        // One pass: newest commit first, so the first time a file appears is its last change.
        let (logStatus, log) = run(["log", "--format=@%h", "--name-only", "--no-renames", "--", "."], in: folder)
        guard logStatus == 0 else { return nil }
        var times: [String: Int] = [:]
        var current = -1
        let display = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        func shown(_ repositoryPath: String) -> String? {
            guard repositoryPath.hasPrefix(prefix.isEmpty ? "" : prefix + "/") else { return nil }
            return display + "/" + repositoryPath.dropFirst(prefix.isEmpty ? 0 : prefix.count + 1)
        }
        for line in log.split(separator: "\n") {
            if line.hasPrefix("@") { current += 1; continue }
            if let path = shown(String(line)), times[path] == nil { times[path] = current }
        }
        // Uncommitted edits are the newest of all.
        let now = -1
        let (_, porcelain) = run(["status", "--porcelain", "--untracked-files=all", "--", "."], in: folder)
        for line in porcelain.split(separator: "\n") where line.count > 3 {
            var path = String(line.dropFirst(3))
            if path.hasPrefix("\"") { path = String(path.dropFirst().dropLast()) }
            if let shownPath = shown(path) { times[shownPath] = now }
        }
        return GitHistory(times: times, prefixFromRoot: prefix, displayFolder: display)
    }
}
