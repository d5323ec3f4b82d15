import Foundation
import Mustache
import PortalCore

/// Renders a partial once and reuses its HTML on every page where it would come out the
/// same: the menu of one section, the footer of one language.
///
/// Rendering is a pure function of what the template asks the page's root object for.
/// The first time a partial renders, the root records every name the partial asks it
/// for (its "reads"); the HTML is stored under a fingerprint of those names and their
/// values. Another page whose root holds the same values under the same names would
/// ask the same questions and get the same answers, so it gets the same HTML; the
/// stored one is used. A page where a name holds another value misses, renders, and
/// stores its own reads. Nothing about the theme is assumed: what a partial reads is
/// what it read.
///
/// Only partials whose result depends on the root alone are memoized: a partial
/// included inside a section sees the section's item as well, and one included with
/// indentation is indented line by line. `MemoPlan` finds, from the template texts,
/// the partials that are always included at the top level of a page, unindented,
/// without blocks or partials of their own.
final class PartialMemo: @unchecked Sendable {
    /// The theme's templates, with each memoized partial replaced by one tag that asks
    /// the root for its HTML.
    let library: MustacheLibrary
    /// The templates as written: memoized partials are rendered with these.
    private let original: MustacheLibrary
    /// Tag name → partial name.
    private let partials: [String: String]
    private let lock = NSLock()
    private var tables: [String: Table] = [:]

    /// A partial's stored HTML, under the fingerprint of its reads.
    private struct Table {
        /// The different lists of names the partial has read, most recent first.
        var shapes: [[String]] = []
        var outputs: [RenderKey: String] = [:]
        var hits = 0
        var misses = 0
        /// Stops storing when nearly every page differs (a switcher that names the page).
        var disabled = false
    }

    /// What stands before a memoized partial's tag name (letters, digits and `.-_?*` only,
    /// as Mustache reads names); no key of a page's root starts with it.
    static let tagPrefix = "?partial-"

    init?(theme: Theme) {
        let memoizable = MemoPlan.memoizable(sources: theme.sources)
        guard !memoizable.isEmpty else { return nil }
        var library = theme.library
        var partials: [String: String] = [:]
        for (number, name) in memoizable.sorted().enumerated() {
            // Numbered: a name with a dot would be split by Mustache's name lookup.
            let tag = Self.tagPrefix + String(number)
            guard let template = try? MustacheTemplate(string: "{{{" + tag + "}}}") else { return nil }
            library.register(template, named: name)
            partials[tag] = name
        }
        self.library = library
        self.original = theme.library
        self.partials = partials
    }

    /// The partials this memo stands in for.
    var memoizedPartials: [String] { partials.values.sorted() }

    /// How often each partial's stored HTML was used, and how often it was rendered.
    var counts: [String: (hits: Int, misses: Int)] {
        lock.withLock { tables.mapValues { ($0.hits, $0.misses) } }
    }

    /// The HTML of the partial behind `tag`, for a page whose root holds `values`; nil when
    /// `tag` is no memoized partial's.
    func output(tag: String, values: [String: Any]) -> String? {
        guard let name = partials[tag] else { return nil }
        let (shapes, disabled) = lock.withLock { (tables[name]?.shapes ?? [], tables[name]?.disabled ?? false) }
        if disabled {
            return original.render(TemplateRoot(values: values, memo: nil), withTemplate: name) ?? ""
        }
        for shape in shapes {
            guard let key = Self.fingerprint(shape, values) else { continue }
            let stored: String? = lock.withLock {
                guard let html = tables[name]?.outputs[key] else { return nil }
                tables[name]!.hits += 1
                return html
            }
            if let stored { return stored }
        }
        let recorder = RecordingRoot(values: values)
        let html = original.render(recorder, withTemplate: name) ?? ""
        guard let key = Self.fingerprint(recorder.reads, values) else { return html }
        lock.withLock {
            var table = tables[name] ?? Table()
            table.misses += 1
            if !table.shapes.contains(recorder.reads) {
                table.shapes.insert(recorder.reads, at: 0)
                if table.shapes.count > 8 { table.shapes.removeLast() }
            }
            // A long `serve` session keeps one memo: what edits made obsolete goes now and then.
            if table.outputs.count >= 4096 { table.outputs = [:] }
            table.outputs[key] = html
            if table.misses >= 256 && table.hits < table.misses {
                table.disabled = true
                table.outputs = [:]
                table.shapes = []
            }
            tables[name] = table
        }
        return html
    }

    /// The names and what the root holds under them (absent is a value too); nil when a
    /// value is of a type the fingerprint does not know, and then nothing is stored.
    static func fingerprint(_ names: [String], _ values: [String: Any]) -> RenderKey? {
        var hasher = FingerprintHasher()
        hasher.add(UInt64(names.count))
        for name in names {
            hasher.add(name)
            if let value = values[name] {
                guard hasher.add(value: value) else { return nil }
            } else {
                hasher.add(0xA85E_A85E_A85E_A85E)
            }
        }
        return hasher.key
    }
}

/// The root object of a page while its template renders: the page's values, and the
/// HTML of memoized partials.
struct TemplateRoot: MustacheParent {
    let values: [String: Any]
    let memo: PartialMemo?

    func child(named name: String) -> Any? {
        if let memo, name.utf8.first == UInt8(ascii: "?"), name.hasPrefix(PartialMemo.tagPrefix) {
            return memo.output(tag: name, values: values).map(TemplateText.init(text:))
        }
        return values[name].map(TemplateValue.wrap)
    }
}

/// A root that writes down every name it is asked for, in order, once each.
private final class RecordingRoot: MustacheParent {
    let values: [String: Any]
    private(set) var reads: [String] = []
    private var seen = Set<String>()

    init(values: [String: Any]) { self.values = values }

    func child(named name: String) -> Any? {
        if seen.insert(name).inserted { reads.append(name) }
        return values[name].map(TemplateValue.wrap)
    }
}

/// Which partials a memo may stand in for, read from the template texts.
enum MemoPlan {
    /// One tag of a template, with what the memo needs to know of it.
    struct Tag {
        enum Kind { case variable, open, inverted, close, partial, dynamicPartial, parent, block, delimiters, other }
        var kind: Kind
        var name: String
        /// Sections (`#`, `^`) open around the tag: each pushes its value on the stack.
        var depth: Int
        /// A partial tag alone on its line behind spaces: its output is indented.
        var indented: Bool
    }

    /// The tags of a template, in order.
    static func tags(in text: String) -> [Tag] {
        var tags: [Tag] = []
        var openers: [Bool] = []  // true for a section that pushes a value
        let bytes = Array(text.utf8)
        var index = 0
        var lineStart = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") { lineStart = index + 1 }
            guard bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") else { index += 1; continue }
            let triple = index + 2 < bytes.count && bytes[index + 2] == UInt8(ascii: "{")
            let start = index + (triple ? 3 : 2)
            var end = start
            while end + 1 < bytes.count, !(bytes[end] == UInt8(ascii: "}") && bytes[end + 1] == UInt8(ascii: "}")) { end += 1 }
            guard end + 1 < bytes.count else { break }
            let inner = String(decoding: bytes[start..<end], as: UTF8.self).trimmingCharacters(in: .whitespaces)
            var closeEnd = end + 2
            if triple, closeEnd < bytes.count, bytes[closeEnd] == UInt8(ascii: "}") { closeEnd += 1 }
            let sigil = triple ? nil : inner.first
            let body = String((sigil.map { "#^/>!<$=&%".contains($0) } ?? false) ? inner.dropFirst() : Substring(inner))
                .trimmingCharacters(in: .whitespaces)
            let depth = openers.filter { $0 }.count
            var kind = Tag.Kind.variable
            switch sigil {
            case "#": kind = .open; openers.append(true)
            case "^": kind = .inverted; openers.append(true)
            case "$": kind = .block; openers.append(false)
            case "<": kind = .parent; openers.append(false)
            case "/": kind = .close; if !openers.isEmpty { openers.removeLast() }
            case ">": kind = body.hasPrefix("*") ? .dynamicPartial : .partial
            case "=": kind = .delimiters
            case "!", "%": kind = .other
            default: kind = .variable
            }
            let before = bytes[lineStart..<index]
            let after = bytes[closeEnd...].prefix { $0 != UInt8(ascii: "\n") }
            let alone = before.allSatisfy { $0 == 0x20 || $0 == 0x09 } && after.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            tags.append(Tag(kind: kind, name: body, depth: depth, indented: kind == .partial && alone && !before.isEmpty))
            index = closeEnd
        }
        return tags
    }

    /// Partials always included at the top of a page (no section around them, in
    /// templates themselves only included at the top), unindented, whose own text has
    /// no block, parent, partial or delimiter change, and never names the root itself (`.`).
    static func memoizable(sources: [String: String]) -> Set<String> {
        let parsed = sources.mapValues(tags(in:))
        // A changed delimiter hides tags from this reading, a dynamic partial may be any template.
        if parsed.values.contains(where: { $0.contains { $0.kind == .delimiters || $0.kind == .dynamicPartial } }) { return [] }

        // Templates rendered with the page's root as the only object on the stack.
        var atTop = Set(sources.keys)
        var changed = true
        while changed {
            changed = false
            for (name, tags) in parsed {
                for tag in tags where tag.kind == .partial || tag.kind == .parent {
                    if atTop.contains(tag.name), tag.depth > 0 || tag.indented || !atTop.contains(name) {
                        atTop.remove(tag.name)
                        changed = true
                    }
                }
            }
        }
        let included = Set(parsed.values.flatMap { $0.filter { $0.kind == .partial }.map(\.name) })
        return Set(included.filter { name in
            guard atTop.contains(name), let tags = parsed[name] else { return false }
            return !tags.contains { tag in
                switch tag.kind {
                case .partial, .parent, .block, .delimiters, .dynamicPartial: return true
                case .variable, .open, .inverted: return tag.depth == 0 && (tag.name == "." || tag.name.isEmpty || tag.name.contains("("))
                case .close, .other: return false
                }
            }
        })
    }
}
