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
/// **Sections rendered here.** A section at the top whose tags stand alone on their
/// lines (see `MemoPlan.Section`) is replaced by one tag too. Over a list it renders
/// item by item, each item's HTML stored under the fingerprint of what it read from the
/// item (an object's fields; any other item whole) and from the root: the switcher's
/// entries recur on every translation of a page, and its entry for the page's own
/// language, which does not show its link, on every page of the language. Over text or
/// `true` it renders as its body, at the top, where its own sections are replaced in
/// turn; over nothing or `false` it is nothing. A body of text, names and sections
/// over flags (the head's `alternates`, the switcher's and the breadcrumbs' entries) is
/// written item by item by the build, each name looked up in the item and then in the
/// root, as Mustache looks it up; an item with a value of another kind is rendered.
/// A body at the top, and a partial whose memo stopped, are written by the build the
/// same way where they can be.
///
/// **Runs written here.** Two or more variable tags at the top with only text between
/// them (see `MemoPlan.Run`) are one tag: the build looks their values up and escapes
/// text as Mustache would, with the language's constants written in; one lookup in
/// Mustache instead of one per tag.
///
/// All of this applies only where the page's root is the only object on Mustache's
/// stack: a section pushes its value, and inside it a name may mean the value's own
/// entry. `MemoPlan` reads this from the template texts: templates included only at the
/// top of a page, unindented (an indented partial is indented line by line); memoized
/// partials have no blocks or partials of their own.
final class CompiledTheme: @unchecked Sendable {
    /// Per language code (and "" for none): the templates with the language's constants
    /// written in, each memoized partial replaced by one tag that asks the root for its HTML.
    private let libraries: [String: MustacheLibrary]
    /// The same without the replacements: memoized partials are rendered with these
    /// while their reads are recorded.
    private let originals: [String: MustacheLibrary]
    /// With sections replaced but not partials: a partial whose memo stopped renders with these.
    private let direct: [String: MustacheLibrary]
    /// Tag name → partial name.
    private let partials: [String: String]
    /// Per section tag number: the section, its lines and its body as templates.
    private let sections: [(section: MemoPlan.Section, template: MustacheTemplate, body: MustacheTemplate)]
    /// Per section tag number, for a list's section whose body holds only text, names
    /// and sections: the body, written item by item by the build.
    private let itemBodies: [Int: [MemoPlan.Node]]
    /// Per section tag number: the body as it renders at the top of a page, when the
    /// build can write it (sections planned in it written in turn).
    private let topBodies: [Int: [MemoPlan.Node]]
    /// Per language code (and ""), per line run's tag number: its nodes with the
    /// language's constants written in; and per number the lines as written (Mustache
    /// renders them where the build cannot write them) and whether a newline follows.
    private let lineNodes: [String: [Int: [MemoPlan.Node]]]
    private let lineTemplates: [Int: (template: MustacheTemplate, newline: Bool)]
    /// Partial name → tag.
    private let partialTags: [String: String]
    /// Per language code (and ""), per memoized partial: its text as the build writes it
    /// once its memo has stopped, when it can.
    private let partialBodies: [String: [String: [MemoPlan.Node]]]
    /// Per language code (and "" for none), per run tag number: its pieces, the
    /// language's constants written in, a value's tag parsed to print what the build does not.
    private let runs: [String: [[RunPiece]]]

    enum RunPiece {
        case text(String)
        case value(path: [String], escaped: Bool, tag: MustacheTemplate)
    }
    private let lock = NSLock()
    /// Per tag (a partial's or a section's): the HTML stored for it.
    private var tables: [String: Table] = [:]

    /// HTML stored under the fingerprint of a seed (the language; an item of a list) and
    /// of the names a rendering read from the page's root, with what they held.
    private struct Table {
        /// The different lists of names renderings have read, most recent first.
        var shapes: [[String]] = []
        var outputs: [RenderKey: String] = [:]
        var hits = 0
        var misses = 0
        /// Items written by the build without Mustache.
        var written = 0
        /// Stops storing when nearly every page differs (a switcher that names the page).
        var disabled = false

        /// The HTML stored under `key`, counted as used.
        mutating func use(_ key: RenderKey) -> String? {
            guard let html = outputs[key] else { return nil }
            hits += 1
            return html
        }

        /// One more rendering, stored; beyond `capacity` the table starts again, and
        /// after `stopAfter` misses it stops if it was used less than it missed.
        mutating func record(key: RenderKey, html: String, reads: [String], capacity: Int, stopAfter: Int?) {
            misses += 1
            if !shapes.contains(reads) {
                shapes.insert(reads, at: 0)
                if shapes.count > 8 { shapes.removeLast() }
            }
            if outputs.count >= capacity { outputs = [:] }
            outputs[key] = html
            if let stopAfter, misses >= stopAfter && hits < misses {
                disabled = true
                outputs = [:]
                shapes = []
            }
        }
    }

    /// What stands before a memoized partial's tag name (letters, digits and `.-_?*` only,
    /// as Mustache reads names); no key of a page's root starts with it.
    static let tagPrefix = "?partial-"
    /// The same for the sections rendered item by item.
    static let sectionPrefix = "?section-"
    /// The same for runs of variable tags.
    static let runPrefix = "?run-"
    /// The same for line runs.
    static let linesPrefix = "?lines-"
    /// Items' HTML kept per section; a long `serve` session starts again beyond it.
    static let itemCapacity = 1 << 17
    /// A partial's memo stops after this many renderings if it was used less than it
    /// rendered (set before rendering starts; tests lower it).
    var partialMemoLimit = 256

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
        // A section's body, rendered at the top, has runs of its own (numbered after the templates').
        var runs = plan.runs.map(\.pieces)
        self.sections = plan.sections.compactMap { section in
            let (bodyRuns, bodyAtTop) = MemoPlan.runs(inBody: section.body, numberedFrom: runs.count)
            guard let template = try? MustacheTemplate(string: HTMLEscaping.pragma + section.text),
                  let body = try? MustacheTemplate(string: HTMLEscaping.pragma + bodyAtTop) else { return nil }
            runs += bodyRuns.map(\.pieces)
            return (section, template, body)
        }
        let languages = constants.merging(["": [:]], uniquingKeysWith: { a, _ in a })
        var tagTemplates: [String: MustacheTemplate] = [:]
        var unparsed = false
        for case .value(_, _, let tag) in runs.joined() where tagTemplates[tag] == nil {
            if let template = try? MustacheTemplate(string: HTMLEscaping.pragma + tag) { tagTemplates[tag] = template } else { unparsed = true }
        }
        self.runs = languages.mapValues { values in
            runs.map { pieces in
                MemoPlan.Run.resolved(pieces, constants: values).compactMap { piece -> RunPiece? in
                    switch piece {
                    case .text(let text): return .text(text)
                    case .value(let path, let escaped, let tag): return tagTemplates[tag].map { .value(path: path, escaped: escaped, tag: $0) }
                    }
                }
            }
        }
        var itemBodies: [Int: [MemoPlan.Node]] = [:]
        for (number, entry) in self.sections.enumerated() where entry.section.splittable {
            itemBodies[number] = MemoPlan.nodes(ofBody: entry.section.inner)
        }
        self.itemBodies = itemBodies
        var topBodies: [Int: [MemoPlan.Node]] = [:]
        for (number, entry) in self.sections.enumerated() {
            topBodies[number] = MemoPlan.nodes(ofBody: entry.section.body, tags: true)
        }
        self.topBodies = topBodies
        var lineTemplates: [Int: (template: MustacheTemplate, newline: Bool)] = [:]
        for (number, run) in plan.lineRuns.enumerated() {
            guard let text = theme.sources[run.template] else { unparsed = true; continue }
            let lines = String(decoding: Array(text.utf8)[run.lines], as: UTF8.self)
            if let template = try? MustacheTemplate(string: HTMLEscaping.pragma + lines) { lineTemplates[number] = (template, run.newline) } else { unparsed = true }
        }
        self.lineTemplates = lineTemplates
        self.lineNodes = languages.mapValues { values in
            var nodes: [Int: [MemoPlan.Node]] = [:]
            for (number, run) in plan.lineRuns.enumerated() {
                if let (written, lookups) = plan.lineNodes(run, constants: values), lookups >= 2 { nodes[number] = written }
            }
            return nodes
        }
        // Every tag the build answers must be answerable.
        let sectionTags = self.sections.count == plan.sections.count && !unparsed
        var libraries: [String: MustacheLibrary] = [:]
        var originals: [String: MustacheLibrary] = [:]
        var direct: [String: MustacheLibrary] = [:]
        let texts = languages.mapValues { values in
            (plan.specialized(constants: values), plan.specialized(constants: values, sectionTags: sectionTags))
        }
        // A text the same in several libraries (most are) is parsed once, on every core.
        let distinct = Array(Set(texts.values.flatMap { Array($0.0.values) + Array($0.1.values) }))
        let parsed = Self.parse(distinct)
        for (code, (plain, withTags)) in texts {
            var original = theme.library
            for (name, text) in plain {
                if let template = parsed[text] { original.register(template, named: name) }
            }
            var withSections = theme.library
            for (name, text) in withTags {
                if let template = parsed[text] { withSections.register(template, named: name) }
            }
            var library = withSections
            for (name, template) in replacements { library.register(template, named: name) }
            libraries[code] = library
            originals[code] = original
            direct[code] = withSections
        }
        self.libraries = libraries
        self.originals = originals
        self.direct = direct
        self.partials = partials
        self.partialTags = Dictionary(uniqueKeysWithValues: partials.map { ($1, $0) })
        self.partialBodies = texts.mapValues { _, withTags in
            var bodies: [String: [MemoPlan.Node]] = [:]
            for name in partials.values {
                guard let text = withTags[name] ?? theme.sources[name] else { continue }
                bodies[name] = MemoPlan.nodes(ofBody: text, tags: sectionTags)
            }
            return bodies
        }
    }

    /// Template texts parsed on every core (with the content type of every template).
    private static func parse(_ texts: [String]) -> [String: MustacheTemplate] {
        let results = [MustacheTemplate?](unsafeUninitializedCapacity: texts.count) { buffer, count in
            guard let start = buffer.baseAddress else { return }
            // Each index is written by one iteration only.
            nonisolated(unsafe) let base = start
            DispatchQueue.concurrentPerform(iterations: texts.count) { index in
                (base + index).initialize(to: try? MustacheTemplate(string: HTMLEscaping.pragma + texts[index]))
            }
            count = texts.count
        }
        var parsed: [String: MustacheTemplate] = [:]
        for (text, template) in zip(texts, results) { parsed[text] = template }
        return parsed
    }

    /// The templates for a page of `language` ("" for the templates as written).
    func library(_ language: String) -> MustacheLibrary { libraries[language] ?? libraries[""]! }

    /// The partials rendered once for many pages.
    var memoizedPartials: [String] { partials.values.sorted() }

    /// How often each partial's stored HTML was used, and how often it was rendered.
    var counts: [String: (hits: Int, misses: Int)] {
        lock.withLock {
            var counts: [String: (hits: Int, misses: Int)] = [:]
            for (tag, table) in tables { if let name = partials[tag] { counts[name] = (table.hits, table.misses) } }
            return counts
        }
    }

    /// How often items' stored HTML was used, how often they were rendered, and how
    /// many the build wrote itself, per section (`template:name`; sections of the same
    /// name in a template counted together).
    var sectionCounts: [String: (hits: Int, misses: Int, written: Int)] {
        lock.withLock {
            var counts: [String: (hits: Int, misses: Int, written: Int)] = [:]
            for (tag, table) in tables {
                guard let number = Self.sectionNumber(tag) else { continue }
                let name = sections[number].section.template + ":" + sections[number].section.name
                let before = counts[name] ?? (0, 0, 0)
                counts[name] = (before.hits + table.hits, before.misses + table.misses, before.written + table.written)
            }
            return counts
        }
    }

    /// The templates with sections replaced but not partials.
    private func direct(_ language: String) -> MustacheLibrary { direct[language] ?? direct[""]! }

    /// The number of the section behind a tag.
    private static func sectionNumber(_ tag: String) -> Int? {
        tag.hasPrefix(sectionPrefix) ? Int(tag.dropFirst(sectionPrefix.count)) : nil
    }

    /// The HTML stored under `tag` for `seed` and for what the page's root (and `item`)
    /// holds under the names a rendering reads; else `render` renders it (returning the
    /// names it asked for, an item's marked) and it is stored.
    private func memoized(_ tag: String, seed: RenderKey, values: [String: Any], item: ItemFields? = nil, capacity: Int, stopAfter: Int? = nil,
                          render: () -> (html: String, reads: [String])) -> String {
        let shapes = lock.withLock { tables[tag]?.shapes ?? [] }
        for shape in shapes {
            guard let key = Self.fingerprint(seed, shape, values, item: item) else { continue }
            if let stored = lock.withLock({ tables[tag]?.use(key) }) { return stored }
        }
        let (html, reads) = render()
        guard let key = Self.fingerprint(seed, reads, values, item: item) else { return html }
        // Changed in place: a copy of the table would copy all its HTML.
        lock.withLock { tables[tag, default: Table()].record(key: key, html: html, reads: reads, capacity: capacity, stopAfter: stopAfter) }
        return html
    }

    /// The HTML of the partial behind `tag`, for a page of `language` whose root holds
    /// `values`; nil when `tag` is no memoized partial's.
    func output(tag: String, values: [String: Any], language: String) -> String? {
        guard let name = partials[tag] else { return nil }
        if lock.withLock({ tables[tag]?.disabled ?? false }) {
            if let nodes = (partialBodies[language] ?? partialBodies[""])?[name] {
                var html = ""
                if write(nodes, values: values, item: nil, language: language, into: &html) { return html }
            }
            return direct(language).render(TemplateRoot(values: values, compiled: self, language: language), withTemplate: name) ?? ""
        }
        // The language's templates have its constants written in.
        var seed = FingerprintHasher()
        seed.add(language)
        let original = originals[language] ?? originals[""]!
        // A long `serve` session keeps one memo: what edits made obsolete goes now and then.
        return memoized(tag, seed: seed.key, values: values, capacity: 4096, stopAfter: partialMemoLimit) {
            let recorder = RecordingRoot(values: values)
            return (original.render(recorder, withTemplate: name) ?? "", recorder.reads)
        }
    }

    /// The HTML of the section behind `tag` for a page whose root holds `values`; nil
    /// when `tag` is no section's. A list is rendered item by item, and an item's HTML
    /// stored under the fingerprint of the item and of what its rendering read from the
    /// root; anything else is rendered as the section's lines would be.
    func sectionOutput(tag: String, values: [String: Any], language: String) -> String? {
        guard let number = Self.sectionNumber(tag), sections.indices.contains(number) else { return nil }
        return sectionOutput(number, values: values, language: language)
    }

    private func sectionOutput(_ number: Int, values: [String: Any], language: String) -> String {
        let tag = Self.sectionPrefix + String(number)
        let (section, template, body) = sections[number]
        let library = direct(language)
        let root = TemplateRoot(values: values, compiled: self, language: language)
        let value: Any
        switch Self.lookUp(path: section.path, in: values) {
        case .unknown: return template.render(root, library: library)
        case .absent: return ""  // no value: nothing, as Mustache renders it
        case .value(let found): value = found
        }
        // Its body at the top: written by the build where it can, else rendered.
        func top() -> String {
            if let nodes = topBodies[number] {
                var html = ""
                if write(nodes, values: values, item: nil, language: language, into: &html) { return html }
            }
            return body.render(root, library: library)
        }
        switch ContextValueType(of: value) {
        case .bool: return value as! Bool ? top() : ""
        case .string: return top()
        default: break
        }
        guard section.splittable, let items = ListItems(value) else {
            return template.render(root, library: library)
        }
        var html = ""
        var written = 0
        defer { if written > 0 { lock.withLock { tables[tag, default: Table()].written += written } } }
        for index in 0..<items.count {
            let item = items.item(index)
            // A body of text, names and sections: written here, as Mustache would with the
            // item on top of the root (unless a value is of a kind only Mustache prints).
            if let nodes = itemBodies[number], let fields = ItemFields(item) {
                var text = ""
                if write(nodes, values: values, item: fields, language: language, into: &text) {
                    html += text
                    written += 1
                    continue
                }
            }
            var seed = FingerprintHasher()
            seed.add(UInt64(number))
            // An object item: what the rendering reads of it is recorded as what it reads of
            // the root is, so items that differ only in what is not shown share their HTML
            // (the switcher's entry for the page's own language, whose link it does not show).
            if let fields = ItemFields(item) {
                seed.add(0x17E3_F1E1_D500_0000)
                html += memoized(tag, seed: seed.key, values: values, item: fields, capacity: Self.itemCapacity) {
                    let recorder = RecordingRoot(values: values)
                    recorder.item = (section.name, [RecordingItem(fields: fields, recorder: recorder)])
                    return (template.render(recorder, library: library), recorder.reads)
                }
                continue
            }
            // Rendered with a list of this item alone, read through a recorder.
            func render() -> (html: String, reads: [String]) {
                let recorder = RecordingRoot(values: values, item: (section.name, items.single(index)))
                return (template.render(recorder, library: library), recorder.reads)
            }
            guard seed.add(value: item) else {
                html += render().html
                continue
            }
            html += memoized(tag, seed: seed.key, values: values, capacity: Self.itemCapacity, render: render)
        }
        return html
    }

    /// The text of the run behind `tag` for a page whose root holds `values`; nil when
    /// `tag` is no run's. Text is escaped as Mustache escapes it; a value of another
    /// type, or one not followed here, is printed by Mustache from its tag alone.
    func runOutput(tag: String, values: [String: Any], language: String) -> String? {
        guard tag.hasPrefix(Self.runPrefix), let number = Int(tag.dropFirst(Self.runPrefix.count)),
              let runs = runs[language] ?? runs[""], runs.indices.contains(number) else { return nil }
        var html = ""
        for piece in runs[number] {
            switch piece {
            case .text(let text): html += text
            case .value(let path, let escaped, let template):
                switch Self.lookUp(path: path, in: values) {
                case .absent: break
                case .value(let value) where ContextValueType(of: value) == .string:
                    html += escaped ? XML.escape(value as! String, apostrophe: true, dropControls: false) : value as! String
                default: html += template.render(TemplateRoot(values: values, compiled: self, language: language))
                }
            }
        }
        return html
    }

    /// `nodes` written with each name looked up in `item` (if any), then in the root, as
    /// Mustache looks a name up with the item on its stack; false where a value is other
    /// than text or absent, or a section's other than a flag, text or absent. (A section
    /// over `true` puts nothing on the stack; over text, a value that answers no name.)
    func write(_ nodes: [MemoPlan.Node], values: [String: Any], item: ItemFields?, language: String, into html: inout String) -> Bool {
        func look(_ path: [String]) -> LookUp {
            if let item { return Self.lookUp(path: path, in: values, item: item) }
            return Self.lookUp(path: path, in: values)
        }
        for node in nodes {
            switch node {
            case .text(let text): html += text
            case .value(let path, let escaped):
                switch look(path) {
                case .absent: break
                case .value(let value) where ContextValueType(of: value) == .string:
                    html += escaped ? XML.escape(value as! String, apostrophe: true, dropControls: false) : value as! String
                default: return false
                }
            case .section(let path, let inverted, let body):
                let shown: Bool
                switch look(path) {
                case .absent: shown = inverted
                case .value(let value):
                    switch ContextValueType(of: value) {
                    case .bool: shown = (value as! Bool) != inverted
                    case .string: shown = !inverted
                    default: return false
                    }
                case .unknown: return false
                }
                if shown && !write(body, values: values, item: item, language: language, into: &html) { return false }
            case .planned(let number):
                html += sectionOutput(number, values: values, language: language)
            case .run(let number):
                guard let text = runOutput(tag: Self.runPrefix + String(number), values: values, language: language) else { return false }
                html += text
            case .partial(let name):
                html += partialOutput(name, values: values, language: language)
            }
        }
        return true
    }

    /// The text of the line run behind `tag` (without the newline after its last line):
    /// written by the build, or rendered by Mustache from the lines as written.
    func linesOutput(tag: String, values: [String: Any], language: String) -> String? {
        guard tag.hasPrefix(Self.linesPrefix), let number = Int(tag.dropFirst(Self.linesPrefix.count)),
              let fallback = lineTemplates[number] else { return nil }
        if let nodes = (lineNodes[language] ?? lineNodes[""])?[number] {
            var html = ""
            if write(nodes, values: values, item: nil, language: language, into: &html) { return html }
        }
        let html = fallback.template.render(TemplateRoot(values: values, compiled: self, language: language), library: library(language))
        return fallback.newline && html.hasSuffix("\n") ? String(html.dropLast()) : html
    }

    /// A memoized partial's HTML, as its tag gives it.
    private func partialOutput(_ name: String, values: [String: Any], language: String) -> String {
        if let tag = partialTags[name], let html = output(tag: tag, values: values, language: language) { return html }
        return library(language).render(TemplateRoot(values: values, compiled: self, language: language), withTemplate: name) ?? ""
    }

    enum LookUp { case value(Any), absent, unknown }

    /// What a dotted name gives at the top of a page, read as Mustache reads it: absent
    /// where a part is missing, unknown where a value is of a type not followed here.
    static func lookUp(_ name: String, in values: [String: Any]) -> LookUp {
        lookUp(path: name.split(separator: ".", omittingEmptySubsequences: false).map(String.init), in: values)
    }

    /// The same for a name already split at its dots.
    static func lookUp(path: [String], in values: [String: Any]) -> LookUp {
        guard let first = path.first, let value = values[first] else { return .absent }
        return follow(path.dropFirst(), from: value)
    }

    /// The same inside a section over a list: the item's own first, then the root's.
    static func lookUp(path: [String], in values: [String: Any], item: ItemFields) -> LookUp {
        guard let first = path.first else { return .absent }
        if let value = item.field(first) { return follow(path.dropFirst(), from: value) }
        return lookUp(path: path, in: values)
    }

    /// The rest of a dotted name, read from the value its first part gave.
    private static func follow(_ path: ArraySlice<String>, from start: Any) -> LookUp {
        // By exact type: a cast of a dictionary to a class would bridge it (a copy).
        func unshared(_ value: Any) -> Any { ContextValueType(of: value) == .shared ? (value as! SharedValue).value : value }
        var value = unshared(start)
        for part in path {
            let next: Any?
            switch ContextValueType(of: value) {
            case .object: next = (value as! [String: Any])[part]
            case .strings: next = (value as! [String: String])[part]
            case .string, .bool, .int, .double: next = nil  // no children
            default: return .unknown
            }
            guard let next else { return .absent }
            value = unshared(next)
        }
        return .value(value)
    }

    /// A list of the types contexts are made of: each item, and a list of that item
    /// alone of the same type (Mustache reads it as it reads the whole list), made only
    /// when asked for.
    struct ListItems {
        let count: Int
        let item: (Int) -> Any
        let single: (Int) -> Any

        init?(_ value: Any) {
            func make<Item>(_ list: [Item]) -> (Int, (Int) -> Any, (Int) -> Any) { (list.count, { list[$0] }, { [list[$0]] }) }
            switch ContextValueType(of: value) {
            case .objects: (count, item, single) = make(value as! [[String: Any]])
            case .stringObjects: (count, item, single) = make(value as! [[String: String]])
            case .texts: (count, item, single) = make(value as! [String])
            case .list: (count, item, single) = make(value as! [Any])
            default: return nil
            }
        }
    }

    /// The fields of an object item of a list, read by name.
    struct ItemFields {
        let value: Any
        let field: (String) -> Any?

        init?(_ item: Any) {
            value = item
            switch ContextValueType(of: item) {
            case .object:
                let object = item as! [String: Any]
                field = { object[$0] }
            case .strings:
                let object = item as! [String: String]
                field = { object[$0] }
            default: return nil
            }
        }

        /// The item as Mustache reads it.
        var wrapped: Any { TemplateValue.wrap(value) }
    }

    /// What stands before the names a rendering read from an item rather than the root.
    static let itemMark = "\u{0}"

    /// A seed's key with the names a rendering read from the root (or, marked, from
    /// `item`) and what they hold (absent is a value too); nil when a value is of a type
    /// the fingerprint does not know, and then nothing is stored.
    static func fingerprint(_ seed: RenderKey, _ names: [String], _ values: [String: Any], item: ItemFields? = nil) -> RenderKey? {
        var hasher = FingerprintHasher()
        hasher.add(seed.high)
        hasher.add(seed.low)
        hasher.add(UInt64(names.count))
        for name in names {
            hasher.add(name)
            if name.utf8.first == 0 {
                guard let item else { return nil }
                if let value = item.field(String(name.utf8.dropFirst())!) {
                    guard hasher.add(value: value) else { return nil }
                } else {
                    hasher.add(0xA85E_A85E_A85E_A85E)
                }
            } else if let value = values[name] {
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
        if let compiled, name.utf8.first == UInt8(ascii: "?") {
            if name.hasPrefix(CompiledTheme.tagPrefix) {
                return compiled.output(tag: name, values: values, language: language).map(TemplateText.init(text:))
            }
            if name.hasPrefix(CompiledTheme.sectionPrefix) {
                return compiled.sectionOutput(tag: name, values: values, language: language).map(TemplateText.init(text:))
            }
            if name.hasPrefix(CompiledTheme.runPrefix) {
                return compiled.runOutput(tag: name, values: values, language: language).map(TemplateText.init(text:))
            }
            if name.hasPrefix(CompiledTheme.linesPrefix) {
                return compiled.linesOutput(tag: name, values: values, language: language).map(TemplateText.init(text:))
            }
        }
        return values[name].map(TemplateValue.wrap)
    }
}

/// A root that writes down every name it is asked for, in order, once each. With an
/// item, the section's name gives a list of that item alone and is not written down.
private final class RecordingRoot: MustacheParent {
    let values: [String: Any]
    var item: (name: String, list: Any)?
    private(set) var reads: [String] = []
    private var seen = Set<String>()

    init(values: [String: Any], item: (name: String, list: Any)? = nil) {
        self.values = values
        self.item = item
    }

    func child(named name: String) -> Any? {
        if let item, name == item.name { return TemplateValue.wrap(item.list) }
        note(name)
        return values[name].map(TemplateValue.wrap)
    }

    func note(_ name: String) {
        if seen.insert(name).inserted { reads.append(name) }
    }
}

/// An object item that writes down, in its recorder's list and marked as the item's,
/// every name it is asked for; otherwise what the item is to Mustache (a section never
/// names the item itself, `.`, where this is planned).
private final class RecordingItem: MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let fields: CompiledTheme.ItemFields
    let wrapped: Any
    unowned let recorder: RecordingRoot

    init(fields: CompiledTheme.ItemFields, recorder: RecordingRoot) {
        self.fields = fields
        self.wrapped = fields.wrapped
        self.recorder = recorder
    }

    func child(named name: String) -> Any? {
        recorder.note(CompiledTheme.itemMark + name)
        return (wrapped as? MustacheParent)?.child(named: name)
    }

    var renderText: String { (wrapped as? MustacheCustomRenderable)?.renderText ?? "" }
    var isNull: Bool { false }
    func transform(_ name: String) -> Any? { (wrapped as? MustacheTransformable)?.transform(name) }
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
        /// Alone on its line behind and before spaces only (a standalone tag, for the kinds
        /// Mustache drops with their line).
        var alone: Bool
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
    /// A parent expands a block inside a section, or a block is indented: what fills a
    /// block is then not at the top, or not as written.
    let blocksInSections: Bool
    /// Sections at the top whose items can be rendered one by one (see `Section`).
    let sections: [Section]
    /// Variable tags at the top that follow each other with only text between (see `Run`).
    let runs: [Run]
    /// Whole lines at the top the build writes as one piece (see `LineRun`).
    let lineRuns: [LineRun]

    /// Whole lines at the top of a page holding only text, names, sections over names,
    /// comments, partials alone on their lines and planned sections (`Section`): the
    /// build writes them as one piece, through one tag, and where a value is of a kind it
    /// does not write (a number, a list), Mustache renders the lines as written. The
    /// last line is one Mustache prints whole (no tag alone on it): its newline stays in
    /// the template after the tag, so that every line around keeps standing as it stood.
    struct LineRun {
        var template: String
        /// The lines, in UTF-8 bytes of the template.
        var lines: Range<Int>
        /// Whether the last line ends with a newline (left in the template).
        var newline: Bool
        /// Its tags (indices into the template's tags).
        var tags: Range<Int>
    }

    /// Two or more variable tags at the top of a page with only text between them: the
    /// build writes their values and the text between itself, as one tag. Each names a
    /// value (`page.title`, not `.` nor a transform), so at the top it can only mean the
    /// root's own; text is escaped as Mustache escapes it, anything else (a number, a
    /// flag) Mustache prints from the tag alone.
    /// A variable tag never stands alone on its line, so no line the run spans changes
    /// how Mustache treats the tags around it.
    struct Run {
        enum Piece: Equatable {
            case text(String)
            /// The tag's name, split at its dots, escaped or not, and the tag as written.
            case value(path: [String], escaped: Bool, tag: String)
        }
        /// The template it stands in ("" in a section's body).
        var template: String
        /// Its tags (indices into the template's tags).
        var tags: Range<Int>
        /// From the start of the first tag to the end of the last, in UTF-8 bytes.
        var range: Range<Int>
        var pieces: [Piece]

        /// `pieces` with the values that are `constants` written in as text, as their
        /// tags would print them.
        static func resolved(_ pieces: [Piece], constants: [String: Any]) -> [Piece] {
            var result: [Piece] = []
            for piece in pieces {
                var text: String
                switch piece {
                case .text(let written): text = written
                case .value(let path, let escaped, _):
                    guard let value = MemoPlan.constant(path.joined(separator: "."), constants) else { result.append(piece); continue }
                    text = escaped ? XML.escape(value, apostrophe: true, dropControls: false) : value
                }
                if case .text(let before)? = result.last {
                    result.removeLast()
                    text = before + text
                }
                result.append(.text(text))
            }
            return result
        }

        /// The runs among `tags` of `text`: consecutive tags that each satisfy `qualifies`.
        static func find(in template: String, text: String, tags: [Tag], qualifies: (Tag) -> Bool) -> [Run] {
            let bytes = Array(text.utf8)
            var runs: [Run] = []
            var index = 0
            while index < tags.count {
                var end = index
                while end < tags.count && qualifies(tags[end]) { end += 1 }
                if end - index >= 2 {
                    var pieces: [Piece] = []
                    for position in index..<end {
                        let tag = tags[position]
                        if position > index {
                            pieces.append(.text(String(decoding: bytes[tags[position - 1].range.upperBound..<tag.range.lowerBound], as: UTF8.self)))
                        }
                        pieces.append(.value(path: tag.name.split(separator: ".").map(String.init), escaped: tag.escaped,
                                             tag: String(decoding: bytes[tag.range], as: UTF8.self)))
                    }
                    runs.append(Run(template: template, tags: index..<end, range: tags[index].range.lowerBound..<tags[end - 1].range.upperBound, pieces: pieces))
                }
                index = max(end, index + 1)
            }
            return runs
        }
    }

    /// A section at the top of a page, `{{#name}}` and `{{/name}}` each alone on its line,
    /// whose body names neither the current item (`.`) nor the place in a list
    /// (`first()`, `index()`), and includes no partial or block.
    ///
    /// Over text or `true`, its output is its body's, rendered at the top of the page (a
    /// text answers no name, `true` is not put on the stack), so sections in the body are
    /// at the top too. Over a list, and when the body does not name the section itself,
    /// its output is the items' outputs one after the other, each rendered with a list of
    /// that one item: an item with the same values, asking the page's root the same
    /// questions and getting the same answers, comes out the same.
    struct Section {
        /// The template it stands in.
        var template: String
        /// The name of the section, read from the page's root (`page.date`).
        var name: String
        /// The name split at its dots, once.
        var path: [String]
        /// Its whole lines, from the line of `{{#name}}` to the line of `{{/name}}`.
        var lines: Range<Int>
        /// The text of those lines: a template of its own.
        var text: String
        /// The lines between, with the sections planned in them replaced by their tags.
        var body: String
        /// The lines between as written.
        var inner: String
        /// Whether it may be rendered item by item (a name without dots that its body
        /// does not use).
        var splittable: Bool
        /// The section whose body it stands in, if any.
        var parent: Int?
    }

    init(sources: [String: String]) {
        self.sources = sources
        let parsed = sources.mapValues(Self.tags(in:))
        self.parsed = parsed
        // A changed delimiter hides tags from this reading, a dynamic partial may be any template.
        readable = !parsed.values.contains { $0.contains { $0.kind == .delimiters || $0.kind == .dynamicPartial } }
        // What fills a block is not at the top when a parent expands the block inside a
        // section; nor is it as written when a block is indented (Mustache indents its
        // expansion, and takes the first line's indent off every line of a block's text).
        let blocksInSections = parsed.values.contains { $0.contains { $0.kind == .block && $0.depth > 0 } }
            || sources.contains { Self.blocksIndented(text: $0.value, tags: parsed[$0.key] ?? []) }
        self.blocksInSections = blocksInSections
        guard readable else { atTop = []; memoizable = []; sections = []; runs = []; lineRuns = []; return }
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
        var sections: [Section] = []
        for name in atTop.sorted() {
            guard let tags = parsed[name], let text = sources[name], !tags.contains(where: { $0.kind == .pragma }) else { continue }
            _ = Self.planSections(name, bytes: Array(text.utf8), tags: tags, range: tags.indices, level: 0, depth: depth, parent: nil, into: &sections)
        }
        self.sections = sections
        var runs: [Run] = []
        for name in atTop.sorted() {
            guard let tags = parsed[name], let text = sources[name], !tags.contains(where: { $0.kind == .pragma }) else { continue }
            runs += Run.find(in: name, text: text, tags: tags) { tag in
                tag.kind == .variable && depth(tag) == 0 && Self.isName(tag.name)
            }
        }
        self.runs = runs
        var lineRuns: [LineRun] = []
        for name in atTop.sorted() {
            guard let tags = parsed[name], let text = sources[name], !tags.contains(where: { $0.kind == .pragma }) else { continue }
            lineRuns += Self.findLineRuns(name, bytes: Array(text.utf8), tags: tags, planned: sections.filter { $0.template == name && $0.parent == nil },
                                         partials: memoizable, depth: depth)
        }
        self.lineRuns = lineRuns
    }

    /// A tag Mustache drops with its line when it stands alone on it.
    static func dropsLine(_ tag: Tag) -> Bool {
        tag.alone && [.open, .inverted, .close, .comment, .partial].contains(tag.kind)
    }

    /// The line runs of a template (see `LineRun`): units are lines, and planned sections'
    /// lines as one; a run grows while units qualify and ends after the last line
    /// Mustache prints whole at which no section of its own is open.
    static func findLineRuns(_ template: String, bytes: [UInt8], tags: [Tag], planned: [Section], partials: Set<String>,
                             depth: (Tag) -> Int) -> [LineRun] {
        func nextLine(_ offset: Int) -> Int {
            var stop = offset
            while stop < bytes.count && bytes[stop] != UInt8(ascii: "\n") { stop += 1 }
            return stop < bytes.count ? stop + 1 : stop
        }
        var runs: [LineRun] = []
        var start = 0          // where the run being grown starts (a line start)
        var firstTag = 0       // its first tag
        var position = 0       // the next unit's start
        var next = 0           // the next tag
        var open: [String] = []
        var end: (offset: Int, tag: Int, newline: Bool)?  // where it may end so far
        var lookups = 0        // in the run up to `end`
        var counted = 0        // in the run so far
        func close() {
            if let end, lookups >= 2 {
                runs.append(LineRun(template: template, lines: start..<end.offset, newline: end.newline, tags: firstTag..<end.tag))
            }
        }
        func restart(at offset: Int) {
            start = offset; position = offset; open = []; end = nil; lookups = 0; counted = 0
            next = tags.firstIndex { $0.range.lowerBound >= offset } ?? tags.count
            firstTag = next
        }
        restart(at: 0)
        while position < bytes.count {
            // A planned section: its lines are one unit, written by the build.
            if open.isEmpty, let section = planned.first(where: { $0.lines.lowerBound == position }) {
                counted += 1
                position = section.lines.upperBound
                next = tags.firstIndex { $0.range.lowerBound >= position } ?? tags.count
                continue
            }
            let lineEnd = nextLine(position)
            var qualifies = true
            var lineTags: [Int] = []
            while next < tags.count && tags[next].range.lowerBound < lineEnd {
                lineTags.append(next)
                next += 1
            }
            let alone = lineTags.count == 1 && dropsLine(tags[lineTags[0]])
            var opened = open
            var found = 0
            for index in lineTags {
                let tag = tags[index]
                // A tag across lines, or one the build does not write, ends the run.
                guard tag.range.upperBound <= lineEnd, depth(tag) == opened.count else { qualifies = false; break }
                switch tag.kind {
                case .variable: qualifies = isName(tag.name); found += 1
                case .open, .inverted: qualifies = isName(tag.name); opened.append(tag.name); found += 1
                case .close:
                    qualifies = opened.last == tag.name
                    if qualifies { opened.removeLast() }
                case .comment: break
                case .partial: qualifies = alone && !tag.indented && opened.isEmpty && partials.contains(tag.name); found += 1
                default: qualifies = false
                }
                if !qualifies { break }
            }
            guard qualifies else {
                // The run ends before this line (lines between its end and this one cannot
                // end a run either: they hold no line printed whole outside a section).
                close()
                restart(at: lineEnd)
                continue
            }
            open = opened
            counted += found
            position = lineEnd
            if open.isEmpty && !alone {
                end = (lineEnd, next, bytes[lineEnd - 1] == UInt8(ascii: "\n"))
                lookups = counted
            }
        }
        close()
        return runs
    }

    /// What the build writes of a section's body: text, names, and sections over names.
    indirect enum Node: Equatable {
        case text(String)
        case value(path: [String], escaped: Bool)
        case section(path: [String], inverted: Bool, body: [Node])
        /// The tag of a section planned at the top, or of a run.
        case planned(Int)
        case run(Int)
        /// A memoized partial, alone on its line.
        case partial(String)
    }

    /// The nodes of a line run with `constants` written in, and how many lookups they
    /// leave (names other than constants, sections, partials); nil if it cannot be written.
    func lineNodes(_ run: LineRun, constants: [String: Any]) -> (nodes: [Node], lookups: Int)? {
        guard let tags = parsed[run.template], let source = sources[run.template] else { return nil }
        let bytes = Array(source.utf8)
        func lineStart(_ offset: Int) -> Int {
            var start = offset
            while start > 0 && bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            return start
        }
        func nextLine(_ offset: Int) -> Int {
            var stop = offset
            while stop < bytes.count && bytes[stop] != UInt8(ascii: "\n") { stop += 1 }
            return stop < bytes.count ? stop + 1 : stop
        }
        let planned = sections.indices.filter {
            sections[$0].template == run.template && sections[$0].parent == nil && run.lines.contains(sections[$0].lines.lowerBound)
        }
        var stack: [(name: String, inverted: Bool, nodes: [Node])] = [("", false, [])]
        var last = run.lines.lowerBound
        var lookups = 0
        func add(_ node: Node) {
            if case .text(let more) = node, case .text(let before)? = stack[stack.count - 1].nodes.last {
                stack[stack.count - 1].nodes[stack[stack.count - 1].nodes.count - 1] = .text(before + more)
            } else {
                stack[stack.count - 1].nodes.append(node)
            }
        }
        func text(upTo offset: Int) {
            if offset > last { add(.text(String(decoding: bytes[last..<offset], as: UTF8.self))) }
        }
        for index in run.tags {
            let tag = tags[index]
            if let number = planned.first(where: { sections[$0].lines.contains(tag.range.lowerBound) }) {
                if last <= sections[number].lines.lowerBound {
                    text(upTo: sections[number].lines.lowerBound)
                    add(.planned(number))
                    lookups += 1
                    last = sections[number].lines.upperBound
                }
                continue
            }
            let drops = Self.dropsLine(tag)
            text(upTo: drops ? lineStart(tag.range.lowerBound) : tag.range.lowerBound)
            last = drops ? nextLine(tag.range.upperBound) : tag.range.upperBound
            let path = tag.name.split(separator: ".").map(String.init)
            switch tag.kind {
            case .variable:
                if stack.count == 1, let value = Self.constant(tag.name, constants) {
                    add(.text(tag.escaped ? XML.escape(value, apostrophe: true, dropControls: false) : value))
                } else {
                    add(.value(path: path, escaped: tag.escaped))
                    lookups += 1
                }
            case .open, .inverted:
                stack.append((tag.name, tag.kind == .inverted, []))
                lookups += 1
            case .close:
                guard stack.count > 1, let open = stack.popLast(), open.name == tag.name else { return nil }
                add(.section(path: path, inverted: open.inverted, body: open.nodes))
            case .comment: break
            case .partial:
                add(.partial(tag.name))
                lookups += 1
            default: return nil
            }
        }
        text(upTo: run.lines.upperBound)
        guard stack.count == 1 else { return nil }
        var nodes = stack[0].nodes
        if run.newline {
            // The last line's newline stays in the template.
            guard case .text(let final)? = nodes.last, final.hasSuffix("\n") else { return nil }
            nodes[nodes.count - 1] = .text(String(final.dropLast()))
        }
        return (nodes, lookups)
    }

    /// The nodes of a section's body (or of a template) when it holds only text, names to
    /// look up and sections (`#`, `^`) over them, and, with `tags`, the build's tags of
    /// planned sections and runs; a section's tag alone on its line goes with the line,
    /// as Mustache drops it.
    static func nodes(ofBody body: String, tags buildTags: Bool = false) -> [Node]? {
        let tags = tags(in: body)
        guard tags.contains(where: { $0.kind == .variable }) else { return nil }
        let bytes = Array(body.utf8)
        func lineStart(_ offset: Int) -> Int {
            var start = offset
            while start > 0 && bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
            return start
        }
        func nextLine(_ offset: Int) -> Int {
            var stop = offset
            while stop < bytes.count && bytes[stop] != UInt8(ascii: "\n") { stop += 1 }
            return stop < bytes.count ? stop + 1 : stop
        }
        // Open sections: their name, whether inverted, and the nodes so far.
        var stack: [(name: String, inverted: Bool, nodes: [Node])] = [("", false, [])]
        var last = 0
        for tag in tags {
            if buildTags, tag.kind == .variable, !tag.escaped,
               let node = Self.buildTag(tag.name, CompiledTheme.sectionPrefix, Node.planned) ?? Self.buildTag(tag.name, CompiledTheme.runPrefix, Node.run) {
                if tag.range.lowerBound > last { stack[stack.count - 1].nodes.append(.text(String(decoding: bytes[last..<tag.range.lowerBound], as: UTF8.self))) }
                last = tag.range.upperBound
                stack[stack.count - 1].nodes.append(node)
                continue
            }
            guard isName(tag.name) else { return nil }
            let section = tag.kind == .open || tag.kind == .inverted || tag.kind == .close
            guard tag.kind == .variable || section else { return nil }
            let textEnd = section && tag.alone ? lineStart(tag.range.lowerBound) : tag.range.lowerBound
            if textEnd > last { stack[stack.count - 1].nodes.append(.text(String(decoding: bytes[last..<textEnd], as: UTF8.self))) }
            last = section && tag.alone ? nextLine(tag.range.upperBound) : tag.range.upperBound
            let path = tag.name.split(separator: ".").map(String.init)
            switch tag.kind {
            case .variable: stack[stack.count - 1].nodes.append(.value(path: path, escaped: tag.escaped))
            case .open, .inverted: stack.append((tag.name, tag.kind == .inverted, []))
            default:
                guard stack.count > 1, let open = stack.popLast(), open.name == tag.name else { return nil }
                stack[stack.count - 1].nodes.append(.section(path: path, inverted: open.inverted, body: open.nodes))
            }
        }
        guard stack.count == 1 else { return nil }
        if last < bytes.count { stack[0].nodes.append(.text(String(decoding: bytes[last...], as: UTF8.self))) }
        return stack[0].nodes
    }

    /// The node of a build's tag (`?section-3`) with `prefix`.
    private static func buildTag(_ name: String, _ prefix: String, _ node: (Int) -> Node) -> Node? {
        guard name.hasPrefix(prefix), let number = Int(name.dropFirst(prefix.count)) else { return nil }
        return node(number)
    }

    /// The runs of a section's body, numbered from `first`, and the body with each replaced
    /// by its tag: the body as it renders at the top of a page.
    static func runs(inBody body: String, numberedFrom first: Int) -> (runs: [Run], text: String) {
        let runs = Run.find(in: "", text: body, tags: tags(in: body)) { tag in
            tag.kind == .variable && tag.depth == 0 && !tag.inBlock && isName(tag.name)
        }
        let bytes = Array(body.utf8)
        var out: [UInt8] = []
        var last = 0
        for (number, run) in runs.enumerated() {
            out += bytes[last..<run.range.lowerBound]
            out += ("{{{" + CompiledTheme.runPrefix + String(first + number) + "}}}").utf8
            last = run.range.upperBound
        }
        out += bytes[last...]
        return (runs, String(decoding: out, as: UTF8.self))
    }

    /// Plans the sections that qualify (see `Section`) among `tags[range]` standing at
    /// `level` sections deep, and those in their bodies, appending them to `result`.
    /// Returns the numbers of those at `level`.
    static func planSections(_ template: String, bytes: [UInt8], tags: [Tag], range: Range<Int>, level: Int, depth: (Tag) -> Int,
                             parent: Int?, into result: inout [Section]) -> [Int] {
        var planned: [Int] = []
        var index = range.lowerBound
        while index < range.upperBound {
            let open = tags[index]
            index += 1
            guard open.kind == .open, open.alone, depth(open) == level, Self.isName(open.name) else { continue }
            // The matching close tag, and the body's tags between.
            var nesting = 0
            var close: Int?
            for candidate in index..<range.upperBound {
                switch tags[candidate].kind {
                case .open, .inverted, .block, .parent: nesting += 1
                case .close:
                    if nesting == 0 { close = candidate } else { nesting -= 1 }
                default: break
                }
                if close != nil { break }
            }
            guard let end = close, tags[end].name == open.name, tags[end].alone else { continue }
            let bodyTags = index..<end
            index = end + 1
            let qualifies = tags[bodyTags].contains { $0.kind == .variable } && tags[bodyTags].allSatisfy { tag in
                switch tag.kind {
                case .variable, .open, .inverted, .close: return Self.isName(tag.name)
                case .comment: return true
                default: return false
                }
            }
            guard qualifies else { continue }
            let splittable = Self.isPlainName(open.name) && !tags[bodyTags].contains { tag in
                tag.name.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) == open.name
            }
            // Whole lines: from the start of the opening tag's line to the end of the closing tag's.
            func lineStart(_ offset: Int) -> Int {
                var start = offset
                while start > 0 && bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
                return start
            }
            func nextLine(_ offset: Int) -> Int {
                var stop = offset
                while stop < bytes.count && bytes[stop] != UInt8(ascii: "\n") { stop += 1 }
                return stop < bytes.count ? stop + 1 : stop
            }
            let start = lineStart(open.range.lowerBound)
            let stop = nextLine(tags[end].range.upperBound)
            // What stands in their place starts the next line: a tag there that Mustache
            // would drop with its line must stay alone on it.
            if index < range.upperBound, tags[index].alone, tags[index].kind != .variable,
               !bytes[stop..<tags[index].range.lowerBound].contains(UInt8(ascii: "\n")) { continue }
            let number = result.count
            result.append(Section(template: template, name: open.name, path: open.name.split(separator: ".").map(String.init), lines: start..<stop,
                                  text: String(decoding: bytes[start..<stop], as: UTF8.self),
                                  body: "", inner: "", splittable: splittable, parent: parent))
            // The body's lines, with the sections in them (a level deeper) replaced.
            let bodyLines = nextLine(open.range.upperBound)..<lineStart(tags[end].range.lowerBound)
            result[number].inner = String(decoding: bytes[bodyLines.lowerBound..<max(bodyLines.lowerBound, bodyLines.upperBound)], as: UTF8.self)
            let inner = planSections(template, bytes: bytes, tags: tags, range: bodyTags, level: level + 1, depth: depth, parent: number, into: &result)
            var body: [UInt8] = []
            var last = bodyLines.lowerBound
            for child in inner {
                body += bytes[last..<result[child].lines.lowerBound]
                body += ("{{{" + CompiledTheme.sectionPrefix + String(child) + "}}}").utf8
                last = result[child].lines.upperBound
            }
            body += bytes[last..<max(last, bodyLines.upperBound)]
            result[number].body = String(decoding: body, as: UTF8.self)
            planned.append(number)
        }
        return planned
    }

    /// A name to look up: words joined by dots (`page.date`), no transform, not `.`.
    private static func isName(_ name: String) -> Bool {
        !name.hasPrefix(".") && !name.hasSuffix(".") && !name.contains("..") && isPlainName(name.replacingOccurrences(of: ".", with: "_"))
    }

    /// A name without dots, transforms or spaces, and not `.`.
    private static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "_"), UInt8(ascii: "-"): return true
            default: return false
            }
        }
    }

    /// Partials always included at the top of a page (no section around them, in
    /// templates themselves only included at the top), unindented, whose own text has
    /// no block, parent, partial or delimiter change, and never names the root itself (`.`).
    static func memoizable(sources: [String: String]) -> Set<String> { MemoPlan(sources: sources).memoizable }

    /// The texts of the templates at the top of a page with `constants` written in where
    /// a tag names one at the top, and, with `sectionTags`, each of `sections` replaced by
    /// one tag that asks the root for its HTML, and each of `runs` that holds two or more
    /// tags other than constants by one tag too; only the templates that changed.
    func specialized(constants: [String: Any], sectionTags: Bool = false) -> [String: String] {
        guard readable, !constants.isEmpty || (sectionTags && !(sections.isEmpty && runs.isEmpty && lineRuns.isEmpty)) else { return [:] }
        var result: [String: String] = [:]
        for name in atTop {
            guard let tags = parsed[name], let text = sources[name] else { continue }
            // A content type pragma would change how a tag escapes.
            if tags.contains(where: { $0.kind == .pragma }) { continue }
            var replacements: [(range: Range<Int>, text: String)] = []
            // Tags in runs written by the build.
            var inRuns = Set<Int>()
            // Lines written by the build: nothing else is replaced in them.
            var covered: [Range<Int>] = []
            if sectionTags {
                for (number, run) in lineRuns.enumerated() where run.template == name {
                    guard let (_, lookups) = lineNodes(run, constants: constants), lookups >= 2 else { continue }
                    replacements.append((run.lines, "{{{" + CompiledTheme.linesPrefix + String(number) + "}}}" + (run.newline ? "\n" : "")))
                    inRuns.formUnion(run.tags)
                    covered.append(run.lines)
                }
                for (number, run) in runs.enumerated() where run.template == name && !covered.contains(where: { $0.overlaps(run.range) }) {
                    guard run.tags.filter({ Self.constant(tags[$0].name, constants) == nil }).count >= 2 else { continue }
                    replacements.append((run.range, "{{{" + CompiledTheme.runPrefix + String(number) + "}}}"))
                    inRuns.formUnion(run.tags)
                }
            }
            for (index, tag) in tags.enumerated() where tag.kind == .variable && tag.depth == 0 && !(tag.inBlock && blocksInSections) {
                guard !inRuns.contains(index), let value = Self.constant(tag.name, constants) else { continue }
                replacements.append((tag.range, tag.escaped ? XML.escape(value, apostrophe: true, dropControls: false) : value))
            }
            if sectionTags {
                for (number, section) in sections.enumerated() where section.template == name && section.parent == nil
                    && !covered.contains(where: { $0.overlaps(section.lines) }) {
                    replacements.append((section.lines, "{{{" + CompiledTheme.sectionPrefix + String(number) + "}}}"))
                }
            }
            if replacements.isEmpty { continue }
            // Constants and runs stand at the top, sections' lines hold only the section: no overlaps.
            replacements.sort { $0.range.lowerBound < $1.range.lowerBound }
            let bytes = Array(text.utf8)
            var out: [UInt8] = []
            var last = 0
            for replacement in replacements {
                out += bytes[last..<replacement.range.lowerBound]
                out += replacement.text.utf8
                last = replacement.range.upperBound
            }
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
        guard case .value(let value) = CompiledTheme.lookUp(name, in: constants), ContextValueType(of: value) == .string else { return nil }
        let text = value as! String
        guard !text.allSatisfy(\.isWhitespace),
              !text.utf8.contains(UInt8(ascii: "{")), !text.utf8.contains(UInt8(ascii: "}")) else { return nil }
        return text
    }

    /// Whether a block's tag stands indented on its line, or a line inside a block starts
    /// with a space or a tab.
    static func blocksIndented(text: String, tags: [Tag]) -> Bool {
        let bytes = Array(text.utf8)
        func blank(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        if tags.contains(where: { $0.kind == .block && $0.alone && $0.range.lowerBound > 0 && blank(bytes[$0.range.lowerBound - 1]) }) { return true }
        // Inside blocks (a stack of what each open tag opened), a line starting with a blank.
        var opened: [Bool] = []
        var blocks = 0
        var index = 0
        var next = 0
        var lineStart = true
        while index < bytes.count {
            if next < tags.count && index == tags[next].range.lowerBound {
                switch tags[next].kind {
                case .block: opened.append(true); blocks += 1
                case .open, .inverted, .parent: opened.append(false)
                case .close: if opened.popLast() == true { blocks -= 1 }
                default: break
                }
                index = tags[next].range.upperBound
                next += 1
                lineStart = false
                continue
            }
            if lineStart && blocks > 0 && blank(bytes[index]) { return true }
            lineStart = bytes[index] == 0x0A
            index += 1
        }
        return false
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
            tags.append(Tag(kind: kind, name: body, depth: depth, inBlock: inBlock, indented: (kind == .partial || kind == .parent) && alone && !before.isEmpty,
                            escaped: !triple && sigil != "&", alone: alone, range: index..<closeEnd))
            index = closeEnd
        }
        return tags
    }
}
