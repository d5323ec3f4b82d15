import CPortalSystem
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
/// the page's root object for. The first time a partial renders, every name it asks the
/// root for is noted (its "reads": the build writes it and notes them where it can, else
/// Mustache renders it through a recording root); the HTML is stored under the
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
    /// Per language code (and "" for none), the templates Mustache renders with where the
    /// build cannot write a page, a partial or a section itself: parsed when first asked
    /// for (a build of the portal's theme never asks), under `librariesLock`.
    private var parsedLibraries: [String: Libraries] = [:]
    private let librariesLock = NSLock()
    /// Per language code (and ""): the templates' texts with the language's constants
    /// written in, as they are (`plain`) and with the build's section tags (`withTags`).
    private let libraryTexts: [String: (plain: [String: String], withTags: [String: String])]
    /// The templates a partial or parent tag names (the plain texts serve only those).
    private let namedTemplates: Set<String>
    /// Memoized partial name → the template of the one tag that asks the root for its HTML.
    private let replacements: [String: MustacheTemplate]
    /// The templates as written.
    private let themeLibrary: MustacheLibrary
    /// Template texts parsed so far, under `librariesLock`: the libraries' (a text the
    /// same in several languages is parsed once) and the fallbacks' below.
    private var parsedTexts: [String: MustacheTemplate?] = [:]
    /// 1 once a fallback's text (a section, a run's tag, a line run) did not parse when
    /// it was first needed: what the build wrote since may miss its part, so pages render
    /// from the templates as written from then on (see `isSound`).
    private let fallbackFailed: UnsafeMutablePointer<UInt8>

    private struct Libraries {
        /// With each memoized partial replaced by one tag that asks the root for its HTML.
        var library: MustacheLibrary
        /// Without the replacements, from the plain texts: memoized partials are rendered
        /// with these while their reads are recorded.
        var original: MustacheLibrary
        /// With sections replaced but not partials: a partial whose memo stopped renders with these.
        var direct: MustacheLibrary
    }
    /// Tag name → partial name.
    private let partials: [String: String]
    /// Per section tag number: the section, and the texts Mustache renders where the
    /// build cannot write it: its lines and its body at the top (parsed when first needed).
    private let sections: [(section: MemoPlan.Section, text: String, body: String)]
    /// Per section tag number: its tag's name (what its stored HTML is kept under).
    private let sectionTagNames: [String]
    /// Per section tag number: its name split at the dots, and whether its items may be
    /// rendered one by one (read on every page without copying the section).
    private let sectionPaths: [UnsafeBufferPointer<String>]
    private let sectionSplittable: [Bool]
    /// Per section tag number, for a list's section whose body holds only text, names
    /// and sections: the body, written item by item by the build.
    private let itemBodies: [WriteNodes?]
    /// Per section tag number: the body as it renders at the top of a page, when the
    /// build can write it (sections planned in it written in turn).
    private let topBodies: [WriteNodes?]
    /// Per section tag number, for a section not rendered item by item (a dotted name):
    /// its lines, section and all, when the build can write them.
    private let wholeSections: [WriteNodes?]
    /// Per language code (and ""), per line run's tag number: its nodes with the
    /// language's constants written in; and per number the lines as written (Mustache
    /// renders them where the build cannot write them) and whether a newline follows.
    private let lineNodes: [String: [WriteNodes?]]
    private let lineTemplates: [Int: (text: String, newline: Bool)]
    /// Each memoized partial's tag and number, by where its name is interned (`Interned`
    /// keeps each name once, at a fixed address, and partial nodes hold that address):
    /// found by comparing addresses, not by hashing the name on every page (eleven
    /// partials a page).
    private let partialAddresses: [(name: UnsafePointer<String>?, tag: String, number: Int)]
    /// Per language code (and ""), per memoized partial: its text as the build writes it
    /// once its memo has stopped, when it can.
    private let partialBodies: [String: [String: WriteNodes]]
    /// The same from the text its memo's renderings are recorded from (constants written
    /// in, no build tags): written by the build, which notes the names it reads from the
    /// root, where it can (see `writePartial`).
    private let recordingBodies: [String: [String: WriteNodes]]
    /// Per language code (and ""), per template: the whole template as the build writes
    /// it for a page, when it can.
    private let pageBodies: [String: [String: WriteNodes]]
    /// Per language code (and "" for none), per run tag number: its pieces, the
    /// language's constants written in, a value's tag kept to print what the build does not.
    private let runs: [String: [[RunPiece]]]

    /// Text and names kept as `WriteNode` keeps them.
    enum RunPiece {
        case text(UnsafeBufferPointer<UInt8>)
        case value(path: UnsafeBufferPointer<String>, escaped: Bool, tag: String)
    }
    private let lock = NSLock()
    /// Per tag (a partial's or a section's): the HTML stored for it.
    private var tables: [String: Table] = [:]
    /// Per memoized partial's number: 1 once its table has stopped storing (read on every
    /// page without a lock).
    private let stoppedPartials: UnsafeMutablePointer<UInt8>
    /// Memoized partial tag → its number.
    private let partialNumbers: [String: Int]
    /// Per section tag number: how many times the build wrote it (or its items) itself.
    private let sectionWrites: UnsafeMutablePointer<Int>
    /// Per section tag number: how many times a shared list's HTML was copied from a page
    /// written before (see `writeSection`).
    private let listCopies: UnsafeMutablePointer<Int>
    /// The HTML of lists many pages share, under the fingerprint of the section's number
    /// and of the list (see `writeSection`; under `lock`).
    private var listOutputs: [RenderKey: [UInt8]] = [:]

    /// HTML stored under the fingerprint of a seed (the language; an item of a list) and
    /// of the names a rendering read from the page's root, with what they held.
    private struct Table {
        /// The different lists of names renderings have read, most recent first.
        var shapes: [[String]] = []
        var outputs: [RenderKey: String] = [:]
        var hits = 0
        var misses = 0
        /// Renderings for the memo that Mustache made (the build wrote the others).
        var missesByMustache = 0
        /// A partial rendered by Mustache after its memo stopped (the build could not write it).
        var rendered = 0
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
    var partialMemoLimit = 16

    /// - Parameter constants: per language code, the root values every page of the
    ///   language shares.
    init(theme: Theme, constants: [String: [String: Any]]) {
        // Templates that only fill a parent's blocks are planned as the parent's text
        // with the blocks written in (what Mustache renders for them).
        // Partials that are not memoized are planned as part of what includes them.
        let resolved = MemoPlan.resolvingInheritance(theme.sources)
        let plan = MemoPlan(sources: MemoPlan.inliningPartials(resolved, keep: MemoPlan(sources: resolved).memoizable))
        var partials: [String: String] = [:]
        var partialNumbers: [String: Int] = [:]
        var replacements: [String: MustacheTemplate] = [:]
        for (number, name) in plan.memoizable.sorted().enumerated() {
            // Numbered: a name with a dot would be split by Mustache's name lookup.
            let tag = Self.tagPrefix + String(number)
            guard let template = try? MustacheTemplate(string: "{{{" + tag + "}}}") else { continue }
            replacements[name] = template
            partials[tag] = name
            partialNumbers[tag] = number
        }
        // A section's body, rendered at the top, has runs of its own (numbered after the
        // templates' and those of the sections before it). The sections, the tags of the
        // runs and the line runs are kept as texts for what the build cannot write, parsed
        // by Mustache when first needed (a build of the portal's theme needs none): parts
        // of templates that parsed, at their tags' bounds.
        var runs = plan.runs.map(\.pieces)
        var sections: [(section: MemoPlan.Section, text: String, body: String)] = []
        for section in plan.sections {
            let (bodyRuns, bodyAtTop) = MemoPlan.runs(inBody: section.body, numberedFrom: runs.count)
            runs += bodyRuns.map(\.pieces)
            sections.append((section, section.text, bodyAtTop))
        }
        self.sections = sections
        let lineTexts = plan.lineRuns.map { run in
            plan.sources[run.template].map { text in text.withUTF8Bytes { String(decoding: UnsafeBufferPointer(rebasing: $0[run.lines]), as: UTF8.self) } }
        }
        let languages = constants.merging(["": [:]], uniquingKeysWith: { a, _ in a })
        self.runs = Self.mapValuesOnEveryCore(languages) { values in
            runs.map { pieces in
                MemoPlan.Run.resolved(pieces, constants: values).map { piece -> RunPiece in
                    switch piece {
                    case .text(let text): return .text(Interned.text(text))
                    case .value(let path, let escaped, let tag): return .value(path: Interned.path(path), escaped: escaped, tag: tag)
                    }
                }
            }
        }
        self.sectionTagNames = self.sections.indices.map { Self.sectionPrefix + String($0) }
        self.sectionPaths = self.sections.map { Interned.path($0.section.path) }
        self.sectionSplittable = self.sections.map(\.section.splittable)
        // By section number, read on every page without hashing the number.
        self.itemBodies = self.sections.map { entry in
            entry.section.splittable ? MemoPlan.nodes(ofBody: entry.section.inner).map(Interned.nodes) : nil
        }
        self.topBodies = self.sections.map { MemoPlan.nodes(ofBody: $0.section.body, tags: true).map(Interned.nodes) }
        self.wholeSections = self.sections.map { entry in
            entry.section.splittable ? nil : MemoPlan.nodes(ofBody: entry.section.text).map(Interned.nodes)
        }
        var lineTemplates: [Int: (text: String, newline: Bool)] = [:]
        var unparsed = false
        for (number, run) in plan.lineRuns.enumerated() {
            guard let lines = lineTexts[number] else { unparsed = true; continue }
            lineTemplates[number] = (lines, run.newline)
        }
        self.lineTemplates = lineTemplates
        self.lineNodes = Self.mapValuesOnEveryCore(languages) { values in
            plan.lineRuns.map { run in plan.lineNodes(run, constants: values).map { Interned.nodes($0.0) } }
        }
        // Every tag the build answers must be answerable.
        let sectionTags = !unparsed
        let texts = Self.mapValuesOnEveryCore(languages) { values in
            (plain: plan.specialized(constants: values), withTags: plan.specialized(constants: values, sectionTags: sectionTags))
        }
        // The plain texts serve the memo's renderings of partials: only those a partial or
        // parent tag names (and those they name) are needed, not the pages.
        self.libraryTexts = texts
        self.namedTemplates = theme.includedTemplates
        self.replacements = replacements
        self.themeLibrary = theme.library
        self.partials = partials
        self.partialNumbers = partialNumbers
        self.partialAddresses = partials.map { tag, name in (Interned.path([name]).baseAddress, tag, partialNumbers[tag]!) }
        fallbackFailed = .allocate(capacity: 1)
        fallbackFailed.initialize(to: 0)
        stoppedPartials = .allocate(capacity: max(plan.memoizable.count, 1))
        stoppedPartials.initialize(repeating: 0, count: max(plan.memoizable.count, 1))
        sectionWrites = .allocate(capacity: max(self.sections.count, 1))
        sectionWrites.initialize(repeating: 0, count: max(self.sections.count, 1))
        listCopies = .allocate(capacity: max(self.sections.count, 1))
        listCopies.initialize(repeating: 0, count: max(self.sections.count, 1))
        self.partialBodies = Self.mapValuesOnEveryCore(texts) { _, withTags in
            var bodies: [String: WriteNodes] = [:]
            for name in partials.values {
                guard let text = withTags[name] ?? plan.sources[name] else { continue }
                bodies[name] = MemoPlan.nodes(ofBody: text, tags: sectionTags, whole: true).map(Interned.nodes)
            }
            return bodies
        }
        self.recordingBodies = Self.mapValuesOnEveryCore(texts) { plain, _ in
            var bodies: [String: WriteNodes] = [:]
            for name in partials.values {
                guard let text = plain[name] ?? plan.sources[name] else { continue }
                bodies[name] = MemoPlan.nodes(ofBody: text, whole: true).map(Interned.nodes)
            }
            return bodies
        }
        self.pageBodies = Self.mapValuesOnEveryCore(texts) { _, withTags in
            withTags.compactMapValues { MemoPlan.nodes(ofBody: $0, tags: sectionTags, whole: true).map(Interned.nodes) }
        }
    }

    deinit {
        fallbackFailed.deallocate()
        stoppedPartials.deallocate()
        sectionWrites.deallocate()
        listCopies.deallocate()
    }

    /// A template text parsed as every template is (with its content type); nil where it
    /// does not parse.
    private static func template(_ text: String) -> MustacheTemplate? {
        try? MustacheTemplate(string: HTMLEscaping.pragma + text)
    }

    /// `transform` of each value of `values`, the values on every core (what the theme
    /// makes for each language).
    private static func mapValuesOnEveryCore<Value, Result>(_ values: [String: Value], _ transform: (Value) -> Result) -> [String: Result] {
        let entries = Array(values)
        return Dictionary(uniqueKeysWithValues: zip(entries.map(\.key), mapOnEveryCore(entries) { transform($0.value) }))
    }

    /// `text` parsed, once (called with `librariesLock` held).
    private func parsed(_ text: String) -> MustacheTemplate? {
        if let known = parsedTexts[text] { return known }
        let template = Self.template(text)
        parsedTexts[text] = template
        return template
    }

    /// A fallback's text parsed for Mustache to render what the build cannot write.
    /// Such a text is part of a template that parsed, cut at its tags' bounds; should
    /// one not parse all the same, it renders as nothing and the theme is no longer
    /// sound: the page it was for, and every page after, renders from the templates as
    /// written (`SiteRenderer.renderHTML`).
    func fallback(_ text: String) -> MustacheTemplate {
        if let template = librariesLock.withLock({ parsed(text) }) { return template }
        portal_flag_set(fallbackFailed)
        return Self.nothing
    }

    /// What a fallback that does not parse renders.
    private static let nothing = try! MustacheTemplate(string: "")

    /// False once a fallback's text did not parse (see `fallback`): HTML written with
    /// the compiled theme since then may lack its part.
    var isSound: Bool { portal_flag_is_set(fallbackFailed) == 0 }

    /// What `write` writes with the theme, where it is sound before and after; nil
    /// otherwise, for the templates as written to render instead.
    func whileSound(_ write: (CompiledTheme) -> [UInt8]?) -> [UInt8]? {
        guard isSound, let html = write(self), isSound else { return nil }
        return html
    }

    /// The templates for a page of `language` ("" for the templates as written).
    func library(_ language: String) -> MustacheLibrary { libraries(language).library }

    /// The number of languages whose templates Mustache has been given so far (parsed
    /// when a page, partial or section first needs them).
    var librariesParsed: Int { librariesLock.withLock { parsedLibraries.count } }

    /// The Mustache templates of `language` (or of "" for a language without its own),
    /// parsed the first time they are asked for.
    private func libraries(_ language: String) -> Libraries {
        let code = libraryTexts[language] != nil ? language : ""
        return librariesLock.withLock {
            if let made = parsedLibraries[code] { return made }
            let (plain, withTags) = libraryTexts[code]!
            var original = themeLibrary
            for (name, text) in plain where namedTemplates.contains(name) {
                if let template = parsed(text) { original.register(template, named: name) }
            }
            var withSections = themeLibrary
            for (name, text) in withTags {
                if let template = parsed(text) { withSections.register(template, named: name) }
            }
            var library = withSections
            for (name, template) in replacements { library.register(template, named: name) }
            let made = Libraries(library: library, original: original, direct: withSections)
            parsedLibraries[code] = made
            return made
        }
    }

    /// The partials rendered once for many pages.
    var memoizedPartials: [String] { partials.values.sorted() }

    /// How often each partial's stored HTML was used, how often it was rendered for the
    /// memo (and of those, how often by Mustache, else the build wrote it), and how often
    /// Mustache rendered it after the memo stopped (else the build wrote it).
    var counts: [String: (hits: Int, misses: Int, missesByMustache: Int, mustache: Int)] {
        lock.withLock {
            var counts: [String: (hits: Int, misses: Int, missesByMustache: Int, mustache: Int)] = [:]
            for (tag, table) in tables { if let name = partials[tag] { counts[name] = (table.hits, table.misses, table.missesByMustache, table.rendered) } }
            return counts
        }
    }

    /// How often items' stored HTML was used, how often they were rendered, and how
    /// many the build wrote itself, per section (`template:name`; sections of the same
    /// name in a template counted together).
    /// The lists whose HTML was copied whole from a page written before are counted apart.
    var sectionCounts: [String: (hits: Int, misses: Int, written: Int, copied: Int)] {
        lock.withLock {
            var counts: [String: (hits: Int, misses: Int, written: Int, copied: Int)] = [:]
            for number in sections.indices {
                let table = tables[sectionTagNames[number]]
                let written = portal_counter_read(sectionWrites + number)
                let copied = portal_counter_read(listCopies + number)
                guard table != nil || written > 0 || copied > 0 else { continue }
                let name = sections[number].section.template + ":" + sections[number].section.name
                let before = counts[name] ?? (0, 0, 0, 0)
                counts[name] = (before.hits + (table?.hits ?? 0), before.misses + (table?.misses ?? 0), before.written + written, before.copied + copied)
            }
            return counts
        }
    }

    /// The templates with sections replaced but not partials.
    private func direct(_ language: String) -> MustacheLibrary { libraries(language).direct }

    /// The number of the section behind a tag.
    private static func sectionNumber(_ tag: String) -> Int? {
        tag.hasPrefix(sectionPrefix) ? Int(tag.dropFirst(sectionPrefix.count)) : nil
    }

    /// The HTML stored under `tag` for `seed` and for what the page's root (and `item`)
    /// holds under the names a rendering reads; else `render` renders it (returning the
    /// names it asked for, an item's marked) and it is stored.
    private func memoized(_ tag: String, seed: RenderKey, values: RootValues, item: ItemFields? = nil, capacity: Int, stopAfter: Int? = nil,
                          render: () -> (html: String, reads: [String])) -> String {
        let shapes = lock.withLock { tables[tag]?.shapes ?? [] }
        for shape in shapes {
            guard let key = Self.fingerprint(seed, shape, values, item: item) else { continue }
            if let stored = lock.withLock({ tables[tag]?.use(key) }) { return stored }
        }
        let (html, reads) = render()
        guard let key = Self.fingerprint(seed, reads, values, item: item) else { return html }
        // Changed in place: a copy of the table would copy all its HTML.
        lock.withLock {
            tables[tag, default: Table()].record(key: key, html: html, reads: reads, capacity: capacity, stopAfter: stopAfter)
            if tables[tag]!.disabled, let number = partialNumbers[tag] { portal_flag_set(stoppedPartials + number) }
        }
        return html
    }

    /// The HTML of the partial behind `tag`, for a page of `language` whose root holds
    /// `values`; nil when `tag` is no memoized partial's.
    func output(tag: String, values: RootValues, language: String) -> String? {
        guard let name = partials[tag], let number = partialNumbers[tag] else { return nil }
        var html: [UInt8] = []
        writePartial(tag: tag, number: number, name: name, values: values, language: language, into: &html)
        return String(decoding: html, as: UTF8.self)
    }

    /// The same, appended to `html`.
    private func writePartial(tag: String, number: Int, name: String, values: RootValues, language: String, into html: inout [UInt8]) {
        if portal_flag_is_set(stoppedPartials + number) != 0 {
            if let nodes = (partialBodies[language] ?? partialBodies[""])?[name] {
                var items: [ItemFields] = []
                if writeWhole(nodes, values: values, items: &items, language: language, into: &html) { return }
            }
            lock.withLock { tables[tag, default: Table()].rendered += 1 }
            html.append(contentsOf: (direct(language).render(TemplateRoot(values: values, compiled: self, language: language), withTemplate: name) ?? "").utf8)
            return
        }
        // The language's templates have its constants written in.
        var seed = FingerprintHasher()
        seed.add(language)
        // A long `serve` session keeps one memo: what edits made obsolete goes now and then.
        html.append(contentsOf: memoized(tag, seed: seed.key, values: values, capacity: 4096, stopAfter: partialMemoLimit) {
            // Written by the build, which notes each name it asks the root for, as the
            // recorder below notes what Mustache asks: the HTML is a function of those.
            if let nodes = (recordingBodies[language] ?? recordingBodies[""])?[name] {
                let reads = RootReads()
                var items: [ItemFields] = []
                var written: [UInt8] = []
                if write(nodes, values: values, items: &items, language: language, into: &written, reads: reads) {
                    return (String(decoding: written, as: UTF8.self), reads.names)
                }
            }
            lock.withLock { tables[tag, default: Table()].missesByMustache += 1 }
            let recorder = RecordingRoot(values: values)
            let original = libraries(language).original
            return (original.render(recorder, withTemplate: name) ?? "", recorder.reads)
        }.utf8)
    }

    /// The HTML of the section behind `tag` for a page whose root holds `values`; nil
    /// when `tag` is no section's. A list is rendered item by item, and an item's HTML
    /// stored under the fingerprint of the item and of what its rendering read from the
    /// root; anything else is rendered as the section's lines would be.
    func sectionOutput(tag: String, values: RootValues, language: String) -> String? {
        guard let number = Self.sectionNumber(tag), sections.indices.contains(number) else { return nil }
        return sectionOutput(number, values: values, language: language)
    }

    private func sectionOutput(_ number: Int, values: RootValues, language: String) -> String {
        var html: [UInt8] = []
        writeSection(number, values: values, language: language, into: &html)
        return String(decoding: html, as: UTF8.self)
    }

    /// The section's HTML, appended to `html`.
    private func writeSection(_ number: Int, values: RootValues, language: String, into html: inout [UInt8]) {
        func root() -> TemplateRoot { TemplateRoot(values: values, compiled: self, language: language) }
        // Rendered by Mustache as the section's lines.
        func rendered() -> String { fallback(sections[number].text).render(root(), library: direct(language)) }
        // Looked up as `lookUp` does, the root's own value kept: a list many pages share
        // is told by it (below).
        let path = sectionPaths[number]
        guard let first = path.first, let rootEntry = Self.rootValue(first, in: values) else { return }  // nothing, as Mustache renders it
        let value: Any
        switch Self.rest(of: path, from: rootEntry) {
        case .unknown: html.append(contentsOf: rendered().utf8); return
        case .absent: return
        case .value(let found): value = found
        }
        // Its body at the top: written by the build where it can, else rendered.
        func top() {
            if let nodes = topBodies[number] {
                var items: [ItemFields] = []
                if writeWhole(nodes, values: values, items: &items, language: language, into: &html) { return }
            }
            html.append(contentsOf: fallback(sections[number].body).render(root(), library: direct(language)).utf8)
        }
        switch ContextValueType(of: value) {
        case .bool: if ContextValueType.take(value, as: Bool.self) { top() }; return
        case .string, .html: top(); return
        default: break
        }
        guard sectionSplittable[number], let items = ListItems(value) else {
            // Written whole by the build where it can (a list under a dotted name).
            if let nodes = wholeSections[number] {
                var items: [ItemFields] = []
                if writeWhole(nodes, values: values, items: &items, language: language, into: &html) {
                    portal_counter_add(sectionWrites + number, 1)
                    return
                }
            }
            html.append(contentsOf: rendered().utf8)
            return
        }
        let tag = sectionTagNames[number]
        let itemBody = itemBodies[number]
        // A list many pages share (a translation set's hreflang links, a section's
        // breadcrumbs), written from a body whose every name each item answers: its HTML
        // is the same on every page that has it, written once and copied after.
        var listKey: RenderKey?
        if let itemBody, path.count == 1, let shared = Self.sharedList(rootEntry), let key = shared.key {
            var hasher = FingerprintHasher()
            hasher.add(UInt64(number))
            hasher.add(key.high)
            hasher.add(key.low)
            let found = hasher.key
            if let stored = lock.withLock({ listOutputs[found] }) {
                html.append(contentsOf: stored)
                portal_counter_add(listCopies + number, 1)
                return
            }
            listKey = Self.answersItself(itemBody) ? found : nil
        }
        let start = html.count
        var written = 0
        defer { if written > 0 { portal_counter_add(sectionWrites + number, written) } }
        var stack: [ItemFields] = []
        stack.reserveCapacity(4)
        for index in 0..<items.count {
            let fields = items.fields(index)
            // A body of text, names and sections: written here, as Mustache would with the
            // item on top of the root (unless a value is of a kind only Mustache prints).
            if let itemBody, let fields {
                // Kept for other pages only where no name fell through to the page's root.
                if listKey != nil && !Self.answers(itemBody, fields) { listKey = nil }
                stack.append(fields)
                let done = writeWhole(itemBody, values: values, items: &stack, language: language, into: &html)
                stack.removeLast()
                if done {
                    written += 1
                    continue
                }
            }
            listKey = nil
            let section = sections[number].section
            let template = fallback(sections[number].text)
            let library = direct(language)
            var seed = FingerprintHasher()
            seed.add(UInt64(number))
            // An object item: what the rendering reads of it is recorded as what it reads of
            // the root is, so items that differ only in what is not shown share their HTML
            // (the switcher's entry for the page's own language, whose link it does not show).
            if let fields {
                seed.add(0x17E3_F1E1_D500_0000)
                html.append(contentsOf: memoized(tag, seed: seed.key, values: values, item: fields, capacity: Self.itemCapacity) {
                    let recorder = RecordingRoot(values: values)
                    recorder.item = (section.name, [RecordingItem(fields: fields, recorder: recorder)])
                    return (template.render(recorder, library: library), recorder.reads)
                }.utf8)
                continue
            }
            // Rendered with a list of this item alone, read through a recorder.
            func render() -> (html: String, reads: [String]) {
                let recorder = RecordingRoot(values: values, item: (section.name, items.single(index)))
                return (template.render(recorder, library: library), recorder.reads)
            }
            let item = items.item(index)
            guard seed.add(value: item) else {
                html.append(contentsOf: render().html.utf8)
                continue
            }
            html.append(contentsOf: memoized(tag, seed: seed.key, values: values, capacity: Self.itemCapacity, render: render).utf8)
        }
        if let listKey {
            let output = Array(html[start...])
            lock.withLock {
                // A long `serve` session starts again beyond the capacity.
                if listOutputs.count >= Self.itemCapacity { listOutputs = [:] }
                listOutputs[listKey] = output
            }
        }
    }

    /// A root's value when it is one built once for many pages.
    private static func sharedList(_ value: Any) -> SharedValue? {
        guard ContextValueType(of: value) == .shared else { return nil }
        let shared = ContextValueType.take(value, as: SharedValue.self)
        return shared.isShared ? shared : nil
    }

    /// Whether a section's body holds only text, `{{.}}` and names (no sections, no
    /// partials): then the item answers everything it asks, or the root does.
    private static func answersItself(_ body: WriteNodes) -> Bool {
        body.allSatisfy { node in
            switch node {
            case .text, .dot, .value: true
            default: false
            }
        }
    }

    /// Whether `item` answers every name of such a body (nothing is asked of the root).
    private static func answers(_ body: WriteNodes, _ item: ItemFields) -> Bool {
        for node in body {
            guard case .value(let path, _) = node else { continue }
            guard let first = path.first, item.field(first) != nil else { return false }
        }
        return true
    }

    /// The text of the run behind `tag` for a page whose root holds `values`; nil when
    /// `tag` is no run's. Text (and a number) is written as `writeText` writes it; a value
    /// of another type, or one not followed here, is printed by Mustache from its tag alone.
    func runOutput(tag: String, values: RootValues, language: String) -> String? {
        guard tag.hasPrefix(Self.runPrefix), let number = Int(tag.dropFirst(Self.runPrefix.count)) else { return nil }
        var html: [UInt8] = []
        return writeRun(number, values: values, language: language, into: &html) ? String(decoding: html, as: UTF8.self) : nil
    }

    /// The same, appended to `html`; false when `number` is no run's.
    private func writeRun(_ number: Int, values: RootValues, language: String, into html: inout [UInt8]) -> Bool {
        guard let runs = runs[language] ?? runs[""], runs.indices.contains(number) else { return false }
        for piece in runs[number] {
            switch piece {
            case .text(let text): html.append(contentsOf: text)
            case .value(let path, let escaped, let tag):
                let found = Self.lookUp(path: path, in: values)
                if case .absent = found { continue }
                if case .value(let value) = found, Self.writeText(value, escaped: escaped, into: &html) { continue }
                html.append(contentsOf: fallback(tag).render(TemplateRoot(values: values, compiled: self, language: language)).utf8)
            }
        }
        return true
    }

    /// A value as a `{{name}}` (escaped) or `{{{name}}}` tag prints it, when it is text,
    /// the Markdown's HTML or a number; false for a value of any other type.
    private static func writeText(_ value: Any, escaped: Bool, into html: inout [UInt8]) -> Bool {
        switch ContextValueType(of: value) {
        case .string: HTMLEscaping.write(ContextValueType.take(value, as: String.self), escaped: escaped, into: &html)
        case .html: HTMLEscaping.write(ContextValueType.take(value, as: HTMLText.self).bytes, escaped: escaped, into: &html)
        case .number: HTMLEscaping.write((value as! LocalizedNumber).renderText, escaped: escaped, into: &html)
        default: return false
        }
        return true
    }

    /// `nodes` written with each name looked up in the items of the sections around
    /// (innermost first), then in the root, as Mustache looks a name up along its stack;
    /// false where a value is other than text or absent, or a section's other than a
    /// flag, text, an object, a list of objects or texts, or absent. (A section over
    /// `true` puts nothing on the stack; over text, a value that answers no name and
    /// that `{{.}}` prints.)
    ///
    /// With `reads`, each name asked of the root is noted in it, and the build's own tags
    /// (whose HTML may come from a memo or from Mustache, reading what is not noted) make it
    /// return false.
    func write(_ nodes: WriteNodes, values: RootValues, items: inout [ItemFields], language: String, into html: inout [UInt8], reads: RootReads? = nil) -> Bool {
        func look(_ path: UnsafeBufferPointer<String>) -> LookUp {
            guard let first = path.first else { return .absent }
            // By index: iterating the stack would copy each item out of it.
            var index = items.count
            while index > 0 {
                index -= 1
                if let value = items[index].field(first) { return Self.rest(of: path, from: value) }
            }
            reads?.note(first)
            return Self.lookUp(path: path, in: values)
        }
        // By index: `for node in nodes` copies every node out of the array (retaining what it holds).
        for index in nodes.indices {
            // The build's own tags stand only at the top (or in sections over text).
            switch nodes[index] {
            case .planned, .run, .partial, .lines:
                if reads != nil || items.contains(where: { !$0.isPushedText }) { return false }
            default: break
            }
            switch nodes[index] {
            case .text(let text): html.append(contentsOf: text)
            case .value(let path, let escaped):
                switch look(path) {
                case .absent: break
                case .value(let value):
                    if !Self.writeText(value, escaped: escaped, into: &html) { return false }
                case .unknown: return false
                }
            case .dot(let escaped):
                // The item on top of the stack, when it is text.
                guard let text = items.last?.text else { return false }
                HTMLEscaping.write(text, escaped: escaped, into: &html)
            case .section(let path, let inverted, let body):
                /// The body with `item` on top of the stack.
                @inline(__always) func within(_ item: ItemFields) -> Bool {
                    items.append(item)
                    defer { items.removeLast() }
                    return write(body, values: values, items: &items, language: language, into: &html, reads: reads)
                }
                switch look(path) {
                case .absent:
                    if inverted && !write(body, values: values, items: &items, language: language, into: &html, reads: reads) { return false }
                case .value(let value):
                    switch ContextValueType(of: value) {
                    case .bool:
                        if (ContextValueType.take(value, as: Bool.self)) != inverted && !write(body, values: values, items: &items, language: language, into: &html, reads: reads) { return false }
                    case .string:
                        // The text on the stack: it answers no name.
                        if !inverted && !within(ItemFields(pushed: ContextValueType.take(value, as: String.self))) { return false }
                    case .html:
                        if !inverted && !within(ItemFields(pushed: (ContextValueType.take(value, as: HTMLText.self)).text)) { return false }
                    case .number:
                        // The number on the stack (it answers `value`, `plural` …); never empty.
                        if !inverted && !within(ItemFields(number: value as! LocalizedNumber)) { return false }
                    case .object, .strings, .page:
                        // The object on the stack; an inverted section over it is nothing.
                        if !inverted && !within(ItemFields(value)!) { return false }
                    default:
                        // A list: each item on the stack in turn; inverted, the body once if it is empty.
                        guard let list = ListItems(value) else { return false }
                        if inverted {
                            if list.count == 0 && !write(body, values: values, items: &items, language: language, into: &html, reads: reads) { return false }
                            continue
                        }
                        for index in 0..<list.count {
                            guard let fields = list.fieldsOrText(index), within(fields) else { return false }
                        }
                    }
                case .unknown: return false
                }
            case .planned(let number):
                writeSection(number, values: values, language: language, into: &html)
            case .lines(let number):
                writeLines(number, values: values, language: language, into: &html)
            case .run(let number):
                guard writeRun(number, values: values, language: language, into: &html) else { return false }
            case .partial(let interned):
                let name = interned[0]
                if let partial = memoizedPartial(interned) {
                    writePartial(tag: partial.tag, number: partial.number, name: name, values: values, language: language, into: &html)
                } else {
                    html.append(contentsOf: (library(language).render(TemplateRoot(values: values, compiled: self, language: language), withTemplate: name) ?? "").utf8)
                }
            }
        }
        return true
    }

    /// The memoized partial a partial node names, if any (by the address of its interned name).
    private func memoizedPartial(_ interned: UnsafeBufferPointer<String>) -> (tag: String, number: Int)? {
        for entry in partialAddresses where entry.name == interned.baseAddress { return (entry.tag, entry.number) }
        return nil
    }

    /// `write`, taking back what it appended when it returns false.
    func writeWhole(_ nodes: WriteNodes, values: RootValues, items: inout [ItemFields], language: String, into html: inout [UInt8]) -> Bool {
        let mark = html.count
        if write(nodes, values: values, items: &items, language: language, into: &html) { return true }
        html.removeSubrange(mark...)
        return false
    }

    /// The text of the line run behind `tag` (without the newline after its last line):
    /// written by the build, or rendered by Mustache from the lines as written.
    func linesOutput(tag: String, values: RootValues, language: String) -> String? {
        guard tag.hasPrefix(Self.linesPrefix), let number = Int(tag.dropFirst(Self.linesPrefix.count)),
              lineTemplates[number] != nil else { return nil }
        var html: [UInt8] = []
        writeLines(number, values: values, language: language, into: &html)
        return String(decoding: html, as: UTF8.self)
    }

    /// The same, appended to `html`.
    private func writeLines(_ number: Int, values: RootValues, language: String, into html: inout [UInt8]) {
        if let runs = lineNodes[language] ?? lineNodes[""], runs.indices.contains(number), let nodes = runs[number] {
            var items: [ItemFields] = []
            if writeWhole(nodes, values: values, items: &items, language: language, into: &html) { return }
        }
        guard let fallback = lineTemplates[number] else { return }
        let text = self.fallback(fallback.text).render(TemplateRoot(values: values, compiled: self, language: language), library: library(language))
        html.append(contentsOf: text.utf8)
        if fallback.newline && text.hasSuffix("\n") { html.removeLast() }
    }

    /// The HTML of `template` for a page of `language` whose root holds `values`, when
    /// the build can write it whole (else Mustache renders it), into room for `capacity` bytes.
    func page(_ template: String, values: RootValues, language: String, capacity: Int = 0) -> [UInt8]? {
        guard let nodes = (pageBodies[language] ?? pageBodies[""])?[template] else { return nil }
        var html: [UInt8] = []
        html.reserveCapacity(capacity)
        var items: [ItemFields] = []
        return write(nodes, values: values, items: &items, language: language, into: &html) ? html : nil
    }

    enum LookUp { case value(Any), absent, unknown }

    /// What a dotted name gives at the top of a page, read as Mustache reads it: absent
    /// where a part is missing, unknown where a value is of a type not followed here.
    static func lookUp(_ name: String, in values: RootValues) -> LookUp {
        lookUp(path: name.dotParts(keepingEmpty: true), in: values)
    }

    /// The same among a language's constants (what every page of it shares), read as
    /// they are: no `hasX` names (their value is no text).
    static func lookUp(constant name: String, in constants: [String: Any]) -> LookUp {
        let path = name.dotParts(keepingEmpty: true)
        guard let first = path.first, let value = constants[first] else { return .absent }
        return rest(of: path, from: value)
    }

    /// The same for a name already split at its dots.
    static func lookUp<Path: Collection<String>>(path: Path, in values: RootValues) -> LookUp {
        guard let first = path.first, let value = rootValue(first, in: values) else { return .absent }
        return rest(of: path, from: value)
    }

    /// What a dotted name gives from the value its first part found: that value itself
    /// for a name of one part (most are), without the walk over an empty rest; a field of
    /// a page (`page.title`, the commonest name of two parts) read from it directly.
    @inline(__always)
    static func rest<Path: Collection<String>>(of path: Path, from value: Any) -> LookUp {
        let count = path.count
        if count == 1 { return .value(unshared(value)) }
        if count == 2, ContextValueType(of: value) == .page {
            guard let field = ContextValueType.take(value, as: PageFields.self).field(path[path.index(after: path.startIndex)]) else { return .absent }
            return .value(unshared(field))
        }
        return follow(path.dropFirst(), from: value)
    }

    /// A name at the top of a page: its value; for `hasPages`, `hasBreadcrumbs` … whether
    /// the list `pages`, `breadcrumbs` … has items (Mustache cannot ask whether a list is
    /// empty without repeating its section once per item). Found when asked for, not
    /// written into every page's values.
    static func rootValue(_ name: String, in values: RootValues) -> Any? {
        if let value = values[name] { return value }
        guard let (lowered, rest) = listNames(ofHasName: name) else { return nil }
        guard let entry = values[lowered] ?? values[rest] else { return nil }
        // A list shared by many pages (the menu, the head's links) is a list too.
        let value = ContextValueType(of: entry) == .shared ? (ContextValueType.take(entry, as: SharedValue.self)).value : entry
        // The context's own list types by exact type (a cast to a protocol is slow), any other list by a cast.
        if let list = ListItems(value) { return list.count > 0 }
        return (value as? any TemplateList).map { !$0.isEmpty }
    }

    /// For `hasPages`, the names of the lists it stands for: `pages` and `Pages`
    /// (`hasName` upper-cases the first letter); nil for a name that is none's `hasName`.
    static func listNames(ofHasName name: String) -> (lowered: String, rest: String)? {
        enum Answer { case names(String, String), none, characters }
        // Read on the bytes where the first character after `has` is ASCII (and not
        // followed by a combining mark): strings made from bytes, not from a slice of
        // the name's UTF-8 view, which String(decoding:) copies through a generic path.
        let answer = name.withUTF8Bytes { bytes -> Answer in
            guard bytes.count > 3, bytes[0] == UInt8(ascii: "h"), bytes[1] == UInt8(ascii: "a"), bytes[2] == UInt8(ascii: "s") else { return .none }
            let first = bytes[3]
            guard first < 0x80 && (bytes.count == 4 || bytes[4] < 0x80) else { return .characters }
            let tail = UnsafeBufferPointer(rebasing: bytes[3...])
            switch first {
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                return .none  // no name's `hasName` keeps its first letter lower-case
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                let lowered = String(unsafeUninitializedCapacity: tail.count) { buffer in
                    _ = buffer.initialize(from: tail)
                    buffer[0] = first | 0x20
                    return tail.count
                }
                return .names(lowered, String(decoding: tail, as: UTF8.self))
            default:
                let rest = String(decoding: tail, as: UTF8.self)
                return .names(rest, rest)  // a digit or a sign: `hasName` keeps it as it is
            }
        }
        switch answer {
        case .names(let lowered, let rest): return (lowered, rest)
        case .none: return nil
        case .characters:
            let text = name.dropFirst(3)
            let lowered = text.prefix(1).lowercased() + text.dropFirst()
            guard SiteRenderer.hasName(lowered) == name else { return nil }
            return (lowered, String(text))
        }
    }

    /// The rest of a dotted name, read from the value its first part gave.
    static func follow<Path: Collection<String>>(_ path: Path, from start: Any) -> LookUp {
        var value = unshared(start)
        var parts = path.makeIterator()
        while let part = parts.next() {
            let next: Any?
            switch ContextValueType(of: value) {
            case .object: next = (ContextValueType.take(value, as: [String: Any].self))[part]
            case .page: next = ContextValueType.take(value, as: PageFields.self).field(part)
            case .strings: next = (ContextValueType.take(value, as: [String: String].self))[part]
            case .number:
                // `n.plural.key`: the plural string `key` for n, as LocalizedNumber's
                // `plural` child gives it to Mustache; `n.value`, `n.isZero` … as they are.
                let number = value as! LocalizedNumber
                guard part == "plural" else { next = number.child(named: part); break }
                guard let key = parts.next() else { return .unknown }
                next = number.strings.plural(key, number.value)
            case .string, .html, .bool, .int, .double: next = nil  // no children
            default: return .unknown
            }
            guard let next else { return .absent }
            value = unshared(next)
        }
        return .value(value)
    }

    /// A value shared by many pages as the value it holds; any other as it is. Told by
    /// exact type: a cast of a dictionary to a class would bridge it (a copy).
    @inline(__always)
    static func unshared(_ value: Any) -> Any {
        ContextValueType(of: value) == .shared ? (ContextValueType.take(value, as: SharedValue.self)).value : value
    }

    /// A list of the types contexts are made of: each item, and a list of that item
    /// alone of the same type (Mustache reads it as it reads the whole list).
    enum ListItems {
        case objects([[String: Any]])
        case stringObjects([[String: String]])
        case texts([String])
        case list([Any])
        case switcher([SwitcherEntry])
        case pages([PageFields])
        case links([HreflangLink])

        init?(_ value: Any) {
            switch ContextValueType(of: value) {
            case .links: self = .links(ContextValueType.take(value, as: [HreflangLink].self))
            case .pages: self = .pages(ContextValueType.take(value, as: [PageFields].self))
            case .objects: self = .objects(ContextValueType.take(value, as: [[String: Any]].self))
            case .switcher: self = .switcher(ContextValueType.take(value, as: [SwitcherEntry].self))
            case .stringObjects: self = .stringObjects(ContextValueType.take(value, as: [[String: String]].self))
            case .texts: self = .texts(ContextValueType.take(value, as: [String].self))
            case .list: self = .list(ContextValueType.take(value, as: [Any].self))
            default: return nil
            }
        }

        var count: Int {
            switch self {
            case .objects(let list): list.count
            case .stringObjects(let list): list.count
            case .texts(let list): list.count
            case .list(let list): list.count
            case .switcher(let list): list.count
            case .pages(let list): list.count
            case .links(let list): list.count
            }
        }

        func item(_ index: Int) -> Any {
            switch self {
            case .objects(let list): list[index]
            case .stringObjects(let list): list[index]
            case .texts(let list): list[index]
            case .list(let list): list[index]
            case .switcher(let list): list[index]
            case .pages(let list): list[index]
            case .links(let list): list[index]
            }
        }

        /// A list of the item alone.
        func single(_ index: Int) -> Any {
            switch self {
            case .objects(let list): [list[index]]
            case .stringObjects(let list): [list[index]]
            case .texts(let list): [list[index]]
            case .list(let list): [list[index]]
            case .switcher(let list): [list[index]]
            case .pages(let list): [list[index]]
            case .links(let list): [list[index]]
            }
        }

        /// An object item's fields; nil for an item of another kind.
        func fields(_ index: Int) -> ItemFields? {
            switch self {
            case .objects(let list): ItemFields(object: list[index])
            case .stringObjects(let list): ItemFields(strings: list[index])
            case .texts: nil
            case .list(let list): ItemFields(list[index])
            case .switcher(let list): ItemFields(entry: list[index])
            case .pages(let list): ItemFields(page: list[index])
            case .links(let list): ItemFields(link: list[index])
            }
        }

        /// The same, and for a text item one that answers no name.
        func fieldsOrText(_ index: Int) -> ItemFields? {
            switch self {
            case .texts(let list): ItemFields(text: list[index])
            case .list(let list): ItemFields(list[index]) ?? ItemFields(answeringNothing: list[index])
            default: fields(index)
            }
        }
    }

    /// The fields of an object item of a list, read by name.
    struct ItemFields {
        private enum Fields {
            case object([String: Any])
            case strings([String: String])
            case entry(SwitcherEntry)
            case page(PageFields)
            case link(HreflangLink)
            /// A text item: it answers no name.
            case text(String)
            /// The text of a section over text: it answers no name either.
            case pushed(String)
            /// A number of a section over it: it answers what it answers Mustache. Boxed:
            /// a number carries its language's strings and formats, and an item is
            /// copied onto the stack of every section it opens.
            case number(NumberBox)
        }

        final class NumberBox {
            let number: LocalizedNumber
            init(_ number: LocalizedNumber) { self.number = number }
        }

        private let fields: Fields

        init?(_ item: Any) {
            switch ContextValueType(of: item) {
            case .object: fields = .object(ContextValueType.take(item, as: [String: Any].self))
            case .strings: fields = .strings(ContextValueType.take(item, as: [String: String].self))
            case .page: fields = .page(ContextValueType.take(item, as: PageFields.self))
            default: return nil
            }
        }

        init(object: [String: Any]) { fields = .object(object) }
        init(strings: [String: String]) { fields = .strings(strings) }
        init(entry: SwitcherEntry) { fields = .entry(entry) }
        init(page: PageFields) { fields = .page(page) }
        init(link: HreflangLink) { fields = .link(link) }
        init(text: String) { fields = .text(text) }
        init(pushed text: String) { fields = .pushed(text) }
        init(number: LocalizedNumber) { fields = .number(NumberBox(number)) }

        /// The item as `{{.}}` prints it, when it is text or a number.
        var text: String? {
            switch fields {
            case .text(let text), .pushed(let text): text
            case .number(let box): box.number.renderText
            default: nil
            }
        }

        /// Whether this is the text of a section over text.
        var isPushedText: Bool {
            if case .pushed = fields { return true }
            return false
        }

        /// A text item (nil for any other kind of item).
        init?(answeringNothing item: Any) {
            guard ContextValueType(of: item) == .string else { return nil }
            fields = .text(ContextValueType.take(item, as: String.self))
        }

        func field(_ name: String) -> Any? {
            switch fields {
            case .object(let object): return object[name]
            case .strings(let object): return object[name]
            case .entry(let entry): return entry.field(name)
            case .page(let page): return page.field(name)
            case .link(let link): return link.field(name)
            case .text, .pushed: return nil
            case .number(let box): return box.number.child(named: name)
            }
        }

        /// The item as Mustache reads it.
        var wrapped: Any {
            switch fields {
            case .object(let object): TemplateValue.wrap(object)
            case .strings(let object): TemplateValue.wrap(object)
            case .entry(let entry): TemplateValue.wrap(entry.object)
            case .page(let page): TemplateValue.wrap(page.object)
            case .link(let link): TemplateValue.wrap(link.object)
            case .text(let text), .pushed(let text): TemplateValue.wrap(text)
            case .number(let box): box.number
            }
        }
    }

    /// What stands before the names a rendering read from an item rather than the root.
    static let itemMark = "\u{0}"

    /// A seed's key with the names a rendering read from the root (or, marked, from
    /// `item`) and what they hold (absent is a value too); nil when a value is of a type
    /// the fingerprint does not know, and then nothing is stored.
    static func fingerprint(_ seed: RenderKey, _ names: [String], _ values: RootValues, item: ItemFields? = nil) -> RenderKey? {
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
            } else if let value = Self.rootValue(name, in: values) {
                guard hasher.add(value: value) else { return nil }
            } else {
                hasher.add(0xA85E_A85E_A85E_A85E)
            }
        }
        return hasher.key
    }
}

/// What a page's root holds: the page's own values, and its language's shared values
/// (`site`, `t`, `asset` …), the same dictionary for every page of the language, where
/// the page has no value of the name. A page's values are not a copy of the shared ones
/// with its own added: that copy took a reference count of each shared value, and gave
/// it back, on every page, and the render key hashed each of them again.
struct RootValues {
    /// The page's values (none of them under a shared value's name).
    let own: ContextValues
    /// The language's shared values; empty for a root that has none.
    let shared: ContextValues

    init(_ own: ContextValues, shared: ContextValues = ContextValues()) {
        self.own = own
        self.shared = shared
    }

    /// A root of these values alone.
    init(_ own: [String: Any]) {
        self.init(ContextValues(own))
    }

    @inline(__always)
    subscript(name: String) -> Any? {
        if let value = own[name] { return value }
        return shared[name]
    }
}

/// The root object of a page while its template renders: the page's values, and the
/// HTML of memoized partials.
struct TemplateRoot: MustacheParent {
    let values: RootValues
    var compiled: CompiledTheme?
    var language = ""

    init(values: RootValues, compiled: CompiledTheme? = nil, language: String = "") {
        self.values = values
        self.compiled = compiled
        self.language = language
    }

    /// A root of these values alone.
    init(values: [String: Any]) {
        self.init(values: RootValues(values))
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
        return CompiledTheme.rootValue(name, in: values).map(TemplateValue.wrap)
    }
}

/// The names a rendering asked the page's root for, each once, in the order first
/// asked: noted by the build as it writes (`CompiledTheme.write`), or by `RecordingRoot`
/// as Mustache renders.
final class RootReads {
    private(set) var names: [String] = []
    private var seen = Set<String>()

    func note(_ name: String) {
        if seen.insert(name).inserted { names.append(name) }
    }
}

/// A root that writes down every name it is asked for, in order, once each. With an
/// item, the section's name gives a list of that item alone and is not written down.
private final class RecordingRoot: MustacheParent {
    let values: RootValues
    var item: (name: String, list: Any)?
    private let noted = RootReads()
    var reads: [String] { noted.names }

    init(values: RootValues, item: (name: String, list: Any)? = nil) {
        self.values = values
        self.item = item
    }

    func child(named name: String) -> Any? {
        if let item, name == item.name { return TemplateValue.wrap(item.list) }
        note(name)
        return CompiledTheme.rootValue(name, in: values).map(TemplateValue.wrap)
    }

    func note(_ name: String) { noted.note(name) }
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
