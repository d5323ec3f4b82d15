import Foundation
import Mustache
import PortalCore

/// The theme as pages render it: per language, templates with what every page of the
/// language shows alike written in, and partials that come out the same on many pages
/// rendered once.
///
/// **Constants written in.** `site.title`, `t.search`, `asset.style_css`, `homeURL` …
/// are the same on every page of a language. Where a template names one at the top of
/// a page (no section around it, so the name can only mean the page's own value), the
/// language's copy of the template holds its text instead of the tag: escaped as the
/// tag would have escaped it, and only when the value is text without `{`, `}` or only
/// spaces, so that no tag is made or unmade. A page whose context does not hold the
/// language's shared values renders with the templates as written.
///
/// **Partials rendered once.** Rendering is a pure function of what the template asks
/// the page's root object for. The first time a partial renders, the root records
/// every name the partial asks it for (its "reads"); the HTML is stored under the
/// language and a fingerprint of those names and their values. Another page of the
/// language whose root holds the same values under the same names would ask the same
/// questions and get the same answers, so it gets the stored HTML. A page where a name
/// holds another value misses, renders, and stores its own reads. Nothing about the
/// theme is assumed: what a partial reads is what it read.
///
/// Both apply only where the page's root is the only object on Mustache's stack: a
/// section pushes its value, and inside it a name may mean the value's own entry.
/// `MemoPlan` reads this from the template texts: templates included only at the top
/// of a page, unindented (an indented partial is indented line by line); memoized
/// partials have no blocks or partials of their own.
final class CompiledTheme: @unchecked Sendable {
    /// Per language code (and "" for none): the templates with the language's constants
    /// written in, each memoized partial replaced by one tag that asks the root for its HTML.
    private let libraries: [String: MustacheLibrary]
    /// The same without the replacement: memoized partials are rendered with these.
    private let originals: [String: MustacheLibrary]
    /// Tag name → partial name.
    private let partials: [String: String]
    private let lock = NSLock()
    /// Per partial.
    private var tables: [String: Table] = [:]

    /// A partial's stored HTML, under the fingerprint of the language and its reads.
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

    /// - Parameter constants: per language code, the root values every page of the
    ///   language shares.
    init(theme: Theme, constants: [String: [String: Any]]) {
        let plan = MemoPlan(sources: theme.sources)
        var partials: [String: String] = [:]
        var replacements: [String: MustacheTemplate] = [:]
        for (number, name) in plan.memoizable.sorted().enumerated() {
            // Numbered: a name with a dot would be split by Mustache's name lookup.
            let tag = Self.tagPrefix + String(number)
            guard let template = try? MustacheTemplate(string: "{{{" + tag + "}}}") else { continue }
            replacements[name] = template
            partials[tag] = name
        }
        var libraries: [String: MustacheLibrary] = [:]
        var originals: [String: MustacheLibrary] = [:]
        for (code, values) in constants.merging(["": [:]], uniquingKeysWith: { a, _ in a }) {
            var original = theme.library
            for (name, text) in plan.specialized(constants: values) {
                if let template = try? MustacheTemplate(string: HTMLEscaping.pragma + text) { original.register(template, named: name) }
            }
            var library = original
            for (name, template) in replacements { library.register(template, named: name) }
            libraries[code] = library
            originals[code] = original
        }
        self.libraries = libraries
        self.originals = originals
        self.partials = partials
    }

    /// The templates for a page of `language` ("" for the templates as written).
    func library(_ language: String) -> MustacheLibrary { libraries[language] ?? libraries[""]! }

    /// The partials rendered once for many pages.
    var memoizedPartials: [String] { partials.values.sorted() }

    /// How often each partial's stored HTML was used, and how often it was rendered.
    var counts: [String: (hits: Int, misses: Int)] {
        lock.withLock { tables.mapValues { ($0.hits, $0.misses) } }
    }

    /// The HTML of the partial behind `tag`, for a page of `language` whose root holds
    /// `values`; nil when `tag` is no memoized partial's.
    func output(tag: String, values: [String: Any], language: String) -> String? {
        guard let name = partials[tag] else { return nil }
        let original = originals[language] ?? originals[""]!
        let (shapes, disabled) = lock.withLock { (tables[name]?.shapes ?? [], tables[name]?.disabled ?? false) }
        if disabled {
            return original.render(TemplateRoot(values: values), withTemplate: name) ?? ""
        }
        for shape in shapes {
            guard let key = Self.fingerprint(language, shape, values) else { continue }
            let stored: String? = lock.withLock {
                guard let html = tables[name]?.outputs[key] else { return nil }
                tables[name]!.hits += 1
                return html
            }
            if let stored { return stored }
        }
        let recorder = RecordingRoot(values: values)
        let html = original.render(recorder, withTemplate: name) ?? ""
        guard let key = Self.fingerprint(language, recorder.reads, values) else { return html }
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

    /// The language (its templates have its constants written in), the names and what
    /// the root holds under them (absent is a value too); nil when a value is of a type
    /// the fingerprint does not know, and then nothing is stored.
    static func fingerprint(_ language: String, _ names: [String], _ values: [String: Any]) -> RenderKey? {
        var hasher = FingerprintHasher()
        hasher.add(language)
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
    var compiled: CompiledTheme?
    var language = ""

    init(values: [String: Any], compiled: CompiledTheme? = nil, language: String = "") {
        self.values = values
        self.compiled = compiled
        self.language = language
    }

    func child(named name: String) -> Any? {
        if let compiled, name.utf8.first == UInt8(ascii: "?"), name.hasPrefix(CompiledTheme.tagPrefix) {
            return compiled.output(tag: name, values: values, language: language).map(TemplateText.init(text:))
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

/// Where a page's root is the only object on Mustache's stack, read from the template
/// texts: which partials may be memoized, and which tags may have a constant written in.
struct MemoPlan {
    /// One tag of a template, with what the plan needs to know of it.
    struct Tag {
        enum Kind { case variable, open, inverted, close, partial, dynamicPartial, parent, block, delimiters, pragma, comment }
        var kind: Kind
        var name: String
        /// Sections (`#`, `^`) open around the tag: each pushes its value on the stack.
        var depth: Int
        /// Inside a `{{$block}}`: a parent may expand it inside a section of its own.
        var inBlock: Bool
        /// A partial tag alone on its line behind spaces: its output is indented.
        var indented: Bool
        /// `{{name}}`, not `{{{name}}}` or `{{&name}}`.
        var escaped: Bool
        /// Where the tag stands, in UTF-8 bytes of the text.
        var range: Range<Int>
    }

    let parsed: [String: [Tag]]
    let sources: [String: String]
    /// Templates rendered with the page's root as the only object on the stack.
    let atTop: Set<String>
    let memoizable: Set<String>
    /// False where the plan cannot read the templates (changed delimiters, dynamic partials).
    let readable: Bool
    /// A parent expands a block inside a section: what fills a block is then not at the top.
    let blocksInSections: Bool

    init(sources: [String: String]) {
        self.sources = sources
        let parsed = sources.mapValues(Self.tags(in:))
        self.parsed = parsed
        // A changed delimiter hides tags from this reading, a dynamic partial may be any template.
        readable = !parsed.values.contains { $0.contains { $0.kind == .delimiters || $0.kind == .dynamicPartial } }
        let blocksInSections = parsed.values.contains { $0.contains { $0.kind == .block && $0.depth > 0 } }
        self.blocksInSections = blocksInSections
        guard readable else { atTop = []; memoizable = []; return }
        func depth(_ tag: Tag) -> Int { tag.depth + (tag.inBlock && blocksInSections ? 1 : 0) }

        var atTop = Set(sources.keys)
        var changed = true
        while changed {
            changed = false
            for (name, tags) in parsed {
                for tag in tags where tag.kind == .partial || tag.kind == .parent {
                    if atTop.contains(tag.name), depth(tag) > 0 || tag.indented || !atTop.contains(name) {
                        atTop.remove(tag.name)
                        changed = true
                    }
                }
            }
        }
        self.atTop = atTop
        let included = Set(parsed.values.flatMap { $0.filter { $0.kind == .partial }.map(\.name) })
        memoizable = Set(included.filter { name in
            guard atTop.contains(name), let tags = parsed[name] else { return false }
            return !tags.contains { tag in
                switch tag.kind {
                case .partial, .parent, .block, .delimiters, .dynamicPartial: return true
                case .variable, .open, .inverted: return tag.depth == 0 && (tag.name == "." || tag.name.isEmpty || tag.name.contains("("))
                case .close, .pragma, .comment: return false
                }
            }
        })
    }

    /// Partials always included at the top of a page (no section around them, in
    /// templates themselves only included at the top), unindented, whose own text has
    /// no block, parent, partial or delimiter change, and never names the root itself (`.`).
    static func memoizable(sources: [String: String]) -> Set<String> { MemoPlan(sources: sources).memoizable }

    /// The texts of the templates at the top of a page with `constants` written in where
    /// a tag names one at the top; only the templates that changed.
    func specialized(constants: [String: Any]) -> [String: String] {
        guard readable, !constants.isEmpty else { return [:] }
        var result: [String: String] = [:]
        for name in atTop {
            guard let tags = parsed[name], let text = sources[name] else { continue }
            // A content type pragma would change how a tag escapes.
            if tags.contains(where: { $0.kind == .pragma }) { continue }
            let bytes = Array(text.utf8)
            var out: [UInt8] = []
            var last = 0
            for tag in tags where tag.kind == .variable && tag.depth == 0 && !(tag.inBlock && blocksInSections) {
                guard let value = Self.constant(tag.name, constants) else { continue }
                out += bytes[last..<tag.range.lowerBound]
                out += (tag.escaped ? XML.escape(value, apostrophe: true, dropControls: false) : value).utf8
                last = tag.range.upperBound
            }
            if last == 0 { continue }
            out += bytes[last...]
            result[name] = String(decoding: out, as: UTF8.self)
        }
        return result
    }

    /// The text a name gives among the constants, when it is text that can stand in a
    /// template as it is: no `{` or `}` (no tag made), not empty or only spaces (a line
    /// would become standalone). Names with transforms or starting with `.` are left.
    static func constant(_ name: String, _ constants: [String: Any]) -> String? {
        guard !name.isEmpty, !name.hasPrefix("."), !name.contains("("), !name.contains(" ") else { return nil }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard var value = constants[String(parts[0])] else { return nil }
        for part in parts.dropFirst() {
            if let object = value as? [String: Any], let next = object[String(part)] {
                value = next
            } else if let strings = value as? [String: String], let next = strings[String(part)] {
                value = next
            } else {
                return nil
            }
        }
        guard let text = value as? String, !text.allSatisfy(\.isWhitespace),
              !text.utf8.contains(UInt8(ascii: "{")), !text.utf8.contains(UInt8(ascii: "}")) else { return nil }
        return text
    }

    /// The tags of a template, in order.
    static func tags(in text: String) -> [Tag] {
        enum Opener { case section, block, parent }
        var tags: [Tag] = []
        var openers: [Opener] = []
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
            let depth = openers.filter { $0 == .section }.count
            let inBlock = openers.contains(.block)
            var kind = Tag.Kind.variable
            switch sigil {
            case "#": kind = .open; openers.append(.section)
            case "^": kind = .inverted; openers.append(.section)
            case "$": kind = .block; openers.append(.block)
            case "<": kind = .parent; openers.append(.parent)
            case "/": kind = .close; if !openers.isEmpty { openers.removeLast() }
            case ">": kind = body.hasPrefix("*") ? .dynamicPartial : .partial
            case "=": kind = .delimiters
            case "%": kind = .pragma
            case "!": kind = .comment
            default: kind = .variable
            }
            let before = bytes[lineStart..<index]
            let after = bytes[closeEnd...].prefix { $0 != UInt8(ascii: "\n") }
            let alone = before.allSatisfy { $0 == 0x20 || $0 == 0x09 } && after.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
            tags.append(Tag(kind: kind, name: body, depth: depth, inBlock: inBlock, indented: kind == .partial && alone && !before.isEmpty,
                            escaped: !triple && sigil != "&", range: index..<closeEnd))
            index = closeEnd
        }
        return tags
    }
}
