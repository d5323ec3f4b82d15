import Foundation
import PortalCore

/// A text setting: one string for every language, or a map by language code.
public struct LocalizedText: Sendable, Hashable {
    public var all: String?
    public var byLanguage: [String: String]

    public init(_ text: String) { all = text; byLanguage = [:] }
    public init(byLanguage: [String: String]) { all = nil; self.byLanguage = byLanguage }

    /// The text for `language`; a language missing from the map gets the default language's text.
    public func text(for language: String, defaultLanguage: String) -> String? {
        all ?? byLanguage[language] ?? byLanguage[defaultLanguage]
    }
}

public enum MissingTranslations: String, Sendable {
    case fallback, skip
}

/// `Content/site.yaml`.
public struct SiteConfig: Sendable {
    public var title: LocalizedText
    public var description: LocalizedText?
    public var baseURL: String
    public var defaultContentLanguage: String
    public var menus: [String: [MenuEntry]]
    public var missingTranslations: MissingTranslations
    public var unsafeHTML: Bool
    public var feedLimit: Int
    /// Other settings, passed to templates as `site.params`.
    public var params: [String: DataValue]
    public var file: String

    public struct MenuEntry: Sendable, Hashable {
        public var path: String
        public var line: Int
        public var column: Int
    }

    /// `https://example.eu/portal/` → `/portal`; `https://example.eu/` → ``.
    public var basePath: String {
        var rest = baseURL
        if let scheme = rest.range(of: "://") { rest = String(rest[scheme.upperBound...]) }
        guard let slash = rest.firstIndex(of: "/") else { return "" }
        var path = String(rest[slash...])
        while path.hasSuffix("/") { path.removeLast() }
        return path
    }

    /// `baseURL` without a trailing slash.
    public var origin: String {
        var url = baseURL
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }
}

/// One interface string: plain text or one text per CLDR plural category.
public enum InterfaceString: Sendable, Hashable {
    case text(String)
    case plural([PluralCategory: String])
}

/// A language of the site: a folder `Content/<code>/` with `_language.yaml`.
public struct Language: Sendable, Hashable {
    /// Folder name, lower case: `en`, `pt-br`.
    public var code: String
    public var name: String
    /// For `<html lang>`, hreflang, feeds: `pl-PL`.
    public var languageCode: String
    public var direction: String
    public var weight: Int
    /// Strings from `_language.yaml` (they override the theme's).
    public var strings: [String: InterfaceString]
    public var file: String
}

public enum PageKind: String, Sendable {
    case home, section, page
}

/// A date from front matter, kept as written for ISO output and parsed for display.
public struct PageDate: Sendable, Hashable, Comparable {
    public var year: Int, month: Int, day: Int
    public var hour: Int, minute: Int, second: Int
    /// Offset from UTC in minutes, when written.
    public var offsetMinutes: Int?

    /// Year, month, day, hour, minute (less the offset from UTC), second, in that order:
    /// compared as a tuple, without making anything (lists sort every page by date).
    public static func < (a: PageDate, b: PageDate) -> Bool { a.sortKey < b.sortKey }

    var sortKey: (Int, Int, Int, Int, Int, Int) { (year, month, day, hour, minute - (offsetMinutes ?? 0), second) }

    /// `2024-11-09`
    public var isoDate: String {
        guard (0...9999).contains(year), (0...99).contains(month), (0...99).contains(day) else {
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
        }
        // Digit by digit: every page's date is written this way in lists and the sitemap.
        return String(unsafeUninitializedCapacity: 10) { bytes in
            func put(_ value: Int, at start: Int, width: Int) {
                var rest = value
                for position in (start..<start + width).reversed() {
                    bytes[position] = UInt8(ascii: "0") + UInt8(rest % 10)
                    rest /= 10
                }
            }
            put(year, at: 0, width: 4)
            bytes[4] = UInt8(ascii: "-")
            put(month, at: 5, width: 2)
            bytes[7] = UInt8(ascii: "-")
            put(day, at: 8, width: 2)
            return 10
        }
    }

    /// RFC 3339, as Atom and the sitemap want it: `2024-11-09T00:00:00Z`.
    public var rfc3339: String {
        var zone = "Z"
        if let offset = offsetMinutes, offset != 0 {
            let sign = offset < 0 ? "-" : "+"
            zone = "\(sign)\(pad(abs(offset) / 60, 2)):\(pad(abs(offset) % 60, 2))"
        }
        return "\(isoDate)T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))\(zone)"
    }

    private func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Accepts `2024-11-09`, `2024-11-09T10:30:00`, `2024-11-09 10:30`, with `Z` or `+01:00`.
    public init?(_ text: String) {
        // A date starts with a digit and ends with a digit or a letter: only other text
        // can have spaces around it to trim.
        let isDigit = { (byte: UInt8) in byte >= 0x30 && byte <= 0x39 }
        let plain = text.utf8.first.map(isDigit) == true && text.utf8.last.map { isDigit($0) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) } == true
        let scalars = plain ? Array(text.utf8) : Array(text.trimmingCharacters(in: .whitespaces).utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= scalars.count else { return nil }
            var value = 0
            for byte in scalars[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard scalars.count >= 10, let y = number(0..<4), scalars[4] == 45, let m = number(5..<7), scalars[7] == 45, let d = number(8..<10),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let daysInMonth = [31, (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard d <= daysInMonth[m - 1] else { return nil }
        year = y; month = m; day = d; hour = 0; minute = 0; second = 0; offsetMinutes = nil
        var index = 10
        if index == scalars.count { return }
        guard scalars[index] == 84 || scalars[index] == 116 || scalars[index] == 32 else { return nil }
        index += 1
        guard let h = number(index..<index + 2), index + 2 < scalars.count, scalars[index + 2] == 58, let mi = number(index + 3..<index + 5),
              h < 24, mi < 60 else { return nil }
        hour = h; minute = mi
        index += 5
        if index < scalars.count, scalars[index] == 58 {
            guard let s = number(index + 1..<index + 3), s < 61 else { return nil }
            second = s
            index += 3
            if index < scalars.count, scalars[index] == 46 {
                index += 1
                while index < scalars.count, scalars[index] >= 48 && scalars[index] <= 57 { index += 1 }
            }
        }
        while index < scalars.count, scalars[index] == 32 { index += 1 }
        if index == scalars.count { return }
        if scalars[index] == 90 || scalars[index] == 122 {
            offsetMinutes = 0
            guard index + 1 == scalars.count else { return nil }
            return
        }
        guard scalars[index] == 43 || scalars[index] == 45, let oh = number(index + 1..<index + 3) else { return nil }
        var rest = index + 3
        if rest < scalars.count, scalars[rest] == 58 { rest += 1 }
        guard let om = number(rest..<rest + 2), rest + 2 == scalars.count else { return nil }
        offsetMinutes = (scalars[index] == 45 ? -1 : 1) * (oh * 60 + om)
    }
}

/// A Markdown page of one language.
/// A class: pages are passed around a lot while rendering, and never change once loaded.
public final class Page: Sendable {
    public let language: String
    /// As shown in messages: `Content/pl/news/x.md`.
    public let file: String
    /// Path below the language folder without `.md`; `_index` files use their folder: `news`, `` for the home.
    public let contentPath: String
    public let kind: PageKind
    /// Site-relative URL path without the base path: `/pl/news/x/`.
    public let urlPath: String
    public let title: String
    public let description: String?
    public let summary: String?
    public let date: PageDate?
    public let lastmod: PageDate?
    public let draft: Bool
    public let weight: Int
    public let tags: [String]
    public let aliases: [Alias]
    public let layout: String?
    public let translationKey: String?
    public let params: [String: DataValue]
    /// The Markdown after the front matter, as UTF-8: a part of the file's bytes, not a copy.
    public let body: ArraySlice<UInt8>
    /// Line of the file on which the Markdown body starts.
    public let bodyLine: Int

    public struct Alias: Sendable, Hashable {
        public let path: String
        public let line: Int
        public let column: Int
    }

    public init(language: String, file: String, contentPath: String, kind: PageKind, urlPath: String, title: String, description: String?, summary: String?, date: PageDate?, lastmod: PageDate?, draft: Bool, weight: Int, tags: [String], aliases: [Alias], layout: String?, translationKey: String?, params: [String: DataValue], body: ArraySlice<UInt8>, bodyLine: Int) {
        self.language = language
        self.file = file
        self.contentPath = contentPath
        self.kind = kind
        self.urlPath = urlPath
        self.title = title
        self.description = description
        self.summary = summary
        self.date = date
        self.lastmod = lastmod
        self.draft = draft
        self.weight = weight
        self.tags = tags
        self.aliases = aliases
        self.layout = layout
        self.translationKey = translationKey
        self.params = params
        self.body = body
        self.bodyLine = bodyLine
    }

    /// Which translation set this page belongs to.
    public var translationID: String { translationKey.map { "key:" + $0 } ?? "path:" + contentPath }

    /// The folder path of the section this page is listed in (`` for top-level pages).
    public var parentPath: String {
        // The last '/' found in the bytes (read every page, several times a build).
        guard let slash = contentPath.lastUTF8Index(of: UInt8(ascii: "/")) else { return "" }
        return String(contentPath[..<slash])
    }
}

/// A mission city: `Content/cities/<id>.yaml`.
public struct City: Sendable {
    public var id: String
    public var file: String
    public var name: String
    public var names: [String: String]
    public var country: String
    public var population: Int?
    public var latitude: Double?
    public var longitude: Double?
    public var targetYear: Int?
    public var missionLabel: Int?
    public var pilotCity: Bool?
    public var sectors: [String]
    public var website: String?
    public var summary: [String: String]
    public var params: [String: DataValue]

    public func name(in language: String) -> String { names[language] ?? name }
}

/// Everything loaded from `Content/` and checked: the input of rendering.
public struct Site: Sendable {
    public var config: SiteConfig
    /// Sorted by weight, then code.
    public var languages: [Language]
    /// All pages of all languages, sorted by language order then content path.
    public var pages: [Page]
    /// Sorted by id.
    public var cities: [City]
    /// `Content/data/<name>.yaml` by name.
    public var data: [String: DataValue]
    /// Country names by ISO code and language, from `Content/data/countries.yaml` when present.
    public var countryNames: [String: [String: String]]
    /// Files copied as they are: `Content/media/`, and non-Markdown files in language folders.
    public var staticFiles: [StaticFile]
    public var contentDirectory: String

    public var defaultLanguage: String { config.defaultContentLanguage }

    public func language(_ code: String) -> Language? { languages.first { $0.code == code } }
}

/// A file copied to the output unchanged.
public struct StaticFile: Sendable, Hashable {
    /// Path to read from.
    public var source: String
    /// As shown in messages.
    public var file: String
    /// Path below the output folder: `media/logo.svg`.
    public var outputPath: String
}
