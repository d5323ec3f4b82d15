import Foundation
import PortalCore

/// Where a page's root is the only object on Mustache's stack, read from the template
/// texts: which partials may be memoized, which tags may have a constant written in,
/// and which sections, runs of values and whole lines the build writes itself (as
/// `Node`s, which `CompiledTheme.write` writes).
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
    let blocksNotAtTop: Bool
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
                    text = HTMLEscaping.text(value, escaped: escaped)
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
                        pieces.append(.value(path: tag.name.dotParts(), escaped: tag.escaped,
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
        let blocksNotAtTop = parsed.values.contains { $0.contains { $0.kind == .block && $0.depth > 0 } }
            || sources.contains { Self.blocksIndented(text: $0.value, tags: parsed[$0.key] ?? []) }
        self.blocksNotAtTop = blocksNotAtTop
        guard readable else { atTop = []; memoizable = []; sections = []; runs = []; lineRuns = []; return }
        func depth(_ tag: Tag) -> Int { tag.depth + (tag.inBlock && blocksNotAtTop ? 1 : 0) }

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
                case .variable, .open, .inverted: return tag.depth == 0 && (tag.name == "." || tag.name.isEmpty || tag.name.utf8.contains(UInt8(ascii: "(")))
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

    /// Templates that only fill blocks of a parent (`{{<base}}`, then `{{$main}}` …
    /// `{{/main}}` each alone on their lines, nothing else), with the parent's text
    /// written out around what they fill: what Mustache renders for them, without the
    /// inheritance at render time. Only where it is the same byte for byte: block tags
    /// at the start of their lines, a parent's filled block empty (`{{$main}}{{/main}}`),
    /// an unfilled one holding only text and names and not alone on its line, no
    /// indented block, and blocks in no other template (a partial a parent includes
    /// would see the child's blocks). The other templates are as written.
    static func resolvingInheritance(_ sources: [String: String]) -> [String: String] {
        let parsed = sources.mapValues(tags(in:))
        let parents = Set(parsed.values.flatMap { $0.filter { $0.kind == .parent }.map(\.name) })
        for (name, tags) in parsed where tags.contains(where: { $0.kind == .block }) {
            if !parents.contains(name) && !tags.contains(where: { $0.kind == .parent }) { return sources }
            if blocksIndented(text: sources[name]!, tags: tags) { return sources }
        }
        if parsed.values.contains(where: { $0.contains { [.delimiters, .dynamicPartial, .pragma].contains($0.kind) } }) { return sources }
        var resolved = sources
        for (child, tags) in parsed {
            guard let text = sources[child], let blocks = filledBlocks(text: text, tags: tags),
                  let parent = tags.first?.name, let parentText = sources[parent], let parentTags = parsed[parent],
                  let written = fill(parentText, tags: parentTags, with: blocks) else { continue }
            resolved[child] = written
        }
        return resolved
    }

    /// `sources` with each partial tag alone and unindented on its line replaced by the
    /// partial's text, except for the partials in `keep`: what Mustache renders there
    /// (the partial with the same stack, nothing to indent), so that the build can plan
    /// sections and lines across it. Only partials whose text ends with a newline (or
    /// is empty) and holds no block, parent, pragma or delimiter change are written in,
    /// and not inside a block (templates that only fill blocks have been written out
    /// around their parent's text first).
    static func inliningPartials(_ sources: [String: String], keep: Set<String>) -> [String: String] {
        let parsed = sources.mapValues(tags(in:))
        if parsed.values.contains(where: { $0.contains { [.delimiters, .dynamicPartial, .pragma].contains($0.kind) } }) { return sources }
        func inlinable(_ name: String) -> Bool {
            guard !keep.contains(name), let text = sources[name], let tags = parsed[name] else { return false }
            return (text.isEmpty || text.hasSuffix("\n")) && !tags.contains { [.block, .parent].contains($0.kind) }
        }
        func expand(_ text: String, depth: Int) -> String {
            let bytes = Array(text.utf8)
            var out: [UInt8] = []
            var last = 0
            // Not inside a block: a parent may indent what fills it, line by line.
            for tag in tags(in: text) where tag.kind == .partial && tag.alone && !tag.indented && !tag.inBlock && inlinable(tag.name) {
                let start = lineStart(tag.range.lowerBound, in: bytes)
                guard start == tag.range.lowerBound, start >= last else { continue }
                out += bytes[last..<start]
                // A partial that includes itself, however deep, stays a tag below some depth.
                out += (depth < 8 ? expand(sources[tag.name]!, depth: depth + 1) : String(decoding: bytes[start..<nextLine(tag.range.upperBound, in: bytes)], as: UTF8.self)).utf8
                last = nextLine(tag.range.upperBound, in: bytes)
            }
            out += bytes[last...]
            return String(decoding: out, as: UTF8.self)
        }
        return sources.mapValues { expand($0, depth: 0) }
    }

    /// What a child's block holds: the lines between its tags, or for a block on one line
    /// (`{{$title}}…{{/title}}`), the text and names between them.
    private struct Filling {
        var text: String
        var inline: Bool
    }

    /// A child's blocks, when the child is only `{{<parent}}`, blocks and `{{/parent}}`,
    /// each tag alone at the start of its line, or a block on a line of its own with text
    /// and names only.
    private static func filledBlocks(text: String, tags: [Tag]) -> [String: Filling]? {
        let bytes = Array(text.utf8)
        func atLineStart(_ tag: Tag) -> Bool { tag.alone && lineStart(tag.range.lowerBound, in: bytes) == tag.range.lowerBound }
        guard let open = tags.first, open.kind == .parent, open.range.lowerBound == 0, atLineStart(open),
              let close = tags.last, close.kind == .close, close.name == open.name, atLineStart(close),
              bytes[close.range.upperBound...].allSatisfy({ $0 == 0x0A }) else { return nil }
        var blocks: [String: Filling] = [:]
        var index = 1
        var expected = nextLine(open.range.upperBound, in: bytes)  // where the next block must start
        while index < tags.count - 1 {
            let block = tags[index]
            guard block.kind == .block, block.range.lowerBound == expected, blocks[block.name] == nil else { return nil }
            if !block.alone {
                // On one line: Mustache keeps what stands between the tags as it is (no
                // line of it is dropped); the line's end is outside the block.
                let stop = pastNames(tags, from: index + 1, before: tags.count - 1)
                let end = tags[stop]
                let lineEnd = nextLine(block.range.upperBound, in: bytes)
                // Its close ends the line (nothing after it, the newline right after).
                guard end.kind == .close, end.name == block.name, !end.alone,
                      end.range.upperBound == lineEnd - 1, bytes[lineEnd - 1] == UInt8(ascii: "\n") else { return nil }
                blocks[block.name] = Filling(text: String(decoding: bytes[block.range.upperBound..<end.range.lowerBound], as: UTF8.self), inline: true)
                expected = lineEnd
                index = stop + 1
                continue
            }
            guard atLineStart(block) else { return nil }
            // Its close: the first close of that name outside sections opened inside it.
            var nesting = 0
            var end: Int?
            for candidate in (index + 1)..<(tags.count - 1) {
                let tag = tags[candidate]
                switch tag.kind {
                case .block, .parent, .pragma, .delimiters, .dynamicPartial: return nil
                case .open, .inverted: nesting += 1
                case .close:
                    if nesting == 0 { end = candidate } else { nesting -= 1 }
                default: break
                }
                if end != nil { break }
            }
            guard let stop = end, tags[stop].name == block.name, atLineStart(tags[stop]) else { return nil }
            let start = nextLine(block.range.upperBound, in: bytes)
            blocks[block.name] = Filling(text: String(decoding: bytes[start..<max(start, tags[stop].range.lowerBound)], as: UTF8.self), inline: false)
            expected = nextLine(tags[stop].range.upperBound, in: bytes)
            index = stop + 1
        }
        guard close.range.lowerBound == expected else { return nil }
        return blocks
    }

    /// The first tag from `start` (before `end`) that is not a variable tag of a name:
    /// what stands after a block's text and names.
    private static func pastNames(_ tags: [Tag], from start: Int, before end: Int) -> Int {
        var index = start
        while index < end && tags[index].kind == .variable && isName(tags[index].name) { index += 1 }
        return index
    }

    /// A parent's text with `blocks` written in: a block filled with lines must be empty
    /// and start its line, one filled from a single line must stand within its line; an
    /// unfilled one keeps its text and names, its tags dropped.
    private static func fill(_ text: String, tags: [Tag], with blocks: [String: Filling]) -> String? {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        var last = 0
        var index = 0
        while index < tags.count {
            let open = tags[index]
            index += 1
            switch open.kind {
            case .parent: return nil
            case .block: break
            default: continue
            }
            // Its close: the next tag, or after text and names only.
            let stop = pastNames(tags, from: index, before: tags.count)
            guard stop < tags.count, tags[stop].kind == .close, tags[stop].name == open.name else { return nil }
            let close = tags[stop]
            if let filling = blocks[open.name] {
                if filling.inline {
                    // A block on one line, in a block of the parent within its line: what
                    // the child's holds replaces what the parent's holds.
                    guard !open.alone, !close.alone else { return nil }
                } else {
                    guard stop == index, close.range.lowerBound == open.range.upperBound,
                          lineStart(open.range.lowerBound, in: bytes) == open.range.lowerBound else { return nil }
                }
                out += bytes[last..<open.range.lowerBound]
                out += filling.text.utf8
            } else {
                guard !open.alone, !close.alone else { return nil }
                out += bytes[last..<open.range.lowerBound]
                out += bytes[open.range.upperBound..<close.range.lowerBound]
            }
            last = close.range.upperBound
            index = stop + 1
        }
        out += bytes[last...]
        return String(decoding: out, as: UTF8.self)
    }

    /// Where the line holding `offset` starts.
    static func lineStart(_ offset: Int, in bytes: [UInt8]) -> Int {
        var start = offset
        while start > 0 && bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        return start
    }

    /// Where the line after the one holding `offset` starts (the end of the text if none).
    static func nextLine(_ offset: Int, in bytes: [UInt8]) -> Int {
        var stop = offset
        while stop < bytes.count && bytes[stop] != UInt8(ascii: "\n") { stop += 1 }
        return stop < bytes.count ? stop + 1 : stop
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
            let lineEnd = Self.nextLine(position, in: bytes)
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
    enum Node: Equatable {
        case text(String)
        case value(path: [String], escaped: Bool)
        case section(path: [String], inverted: Bool, body: [Node])
        /// The tag of a section planned at the top, or of a run.
        case planned(Int)
        case run(Int)
        /// A memoized partial, alone on its line; in a whole template, any partial.
        case partial(String)
        /// The tag of a line run.
        case lines(Int)
        /// `{{.}}`: the item on top of the stack.
        case dot(escaped: Bool)
    }

    /// The nodes of a line run with `constants` written in, and how many lookups they
    /// leave (names other than constants, sections, partials); nil if it cannot be written.
    func lineNodes(_ run: LineRun, constants: [String: Any]) -> (nodes: [Node], lookups: Int)? {
        guard let tags = parsed[run.template], let source = sources[run.template] else { return nil }
        let bytes = Array(source.utf8)
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
            text(upTo: drops ? Self.lineStart(tag.range.lowerBound, in: bytes) : tag.range.lowerBound)
            last = drops ? Self.nextLine(tag.range.upperBound, in: bytes) : tag.range.upperBound
            let path = tag.name.dotParts()
            switch tag.kind {
            case .variable:
                if stack.count == 1, let value = Self.constant(tag.name, constants) {
                    add(.text(HTMLEscaping.text(value, escaped: tag.escaped)))
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
    /// as Mustache drops it. With `whole` (a template a page renders), also the build's
    /// line runs, comments, `{{.}}`, and partials outside sections (unindented: an
    /// indented partial's lines are indented).
    static func nodes(ofBody body: String, tags buildTags: Bool = false, whole: Bool = false) -> [Node]? {
        let tags = tags(in: body)
        // A body without names is not worth planning; a whole template (a partial whose
        // text has its language's constants written in, the footer) is written as it is.
        guard whole || tags.contains(where: { $0.kind == .variable }) else { return nil }
        let bytes = Array(body.utf8)
        // Open sections: their name, whether inverted, and the nodes so far.
        var stack: [(name: String, inverted: Bool, nodes: [Node])] = [("", false, [])]
        var last = 0
        /// The text up to `tag` (to the start of its line where Mustache drops the line),
        /// then `node` in its place.
        func add(_ node: Node?, for tag: Tag) {
            let dropsLine = Self.dropsLine(tag)
            let end = dropsLine ? Self.lineStart(tag.range.lowerBound, in: bytes) : tag.range.lowerBound
            if end > last { stack[stack.count - 1].nodes.append(.text(String(decoding: bytes[last..<end], as: UTF8.self))) }
            last = dropsLine ? Self.nextLine(tag.range.upperBound, in: bytes) : tag.range.upperBound
            if let node { stack[stack.count - 1].nodes.append(node) }
        }
        for tag in tags {
            if buildTags, tag.kind == .variable, !tag.escaped,
               let node = Self.buildTag(tag.name, CompiledTheme.sectionPrefix, Node.planned) ?? Self.buildTag(tag.name, CompiledTheme.runPrefix, Node.run)
                ?? (whole ? Self.buildTag(tag.name, CompiledTheme.linesPrefix, Node.lines) : nil) {
                add(node, for: tag)
                continue
            }
            if whole, tag.kind == .comment || tag.kind == .partial {
                if tag.kind == .partial && (tag.indented || stack.count > 1) { return nil }
                add(tag.kind == .partial ? .partial(tag.name) : nil, for: tag)
                continue
            }
            if whole, tag.kind == .variable, tag.name == "." {
                add(.dot(escaped: tag.escaped), for: tag)
                continue
            }
            guard isName(tag.name) else { return nil }
            let path = tag.name.dotParts()
            switch tag.kind {
            case .variable:
                add(.value(path: path, escaped: tag.escaped), for: tag)
            case .open, .inverted:
                add(nil, for: tag)
                stack.append((tag.name, tag.kind == .inverted, []))
            case .close:
                add(nil, for: tag)
                guard stack.count > 1, let open = stack.popLast(), open.name == tag.name else { return nil }
                stack[stack.count - 1].nodes.append(.section(path: path, inverted: open.inverted, body: open.nodes))
            default:
                return nil
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
                tag.name.dotParts(keepingEmpty: true).first == open.name
            }
            // Whole lines: from the start of the opening tag's line to the end of the closing tag's.
            let start = Self.lineStart(open.range.lowerBound, in: bytes)
            let stop = Self.nextLine(tags[end].range.upperBound, in: bytes)
            // What stands in their place starts the next line: a tag there that Mustache
            // would drop with its line must stay alone on it.
            if index < range.upperBound, tags[index].alone, tags[index].kind != .variable,
               !bytes[stop..<tags[index].range.lowerBound].contains(UInt8(ascii: "\n")) { continue }
            let number = result.count
            result.append(Section(template: template, name: open.name, path: open.name.dotParts(), lines: start..<stop,
                                  text: String(decoding: bytes[start..<stop], as: UTF8.self),
                                  body: "", inner: "", splittable: splittable, parent: parent))
            // The body's lines, with the sections in them (a level deeper) replaced.
            let bodyLines = Self.nextLine(open.range.upperBound, in: bytes)..<Self.lineStart(tags[end].range.lowerBound, in: bytes)
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
        // Each part between dots a plain name (none empty: no leading, trailing or double dot).
        name.dotParts(keepingEmpty: true).allSatisfy { isPlainName($0) }
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
            for (index, tag) in tags.enumerated() where tag.kind == .variable && tag.depth == 0 && !(tag.inBlock && blocksNotAtTop) {
                guard !inRuns.contains(index), let value = Self.constant(tag.name, constants) else { continue }
                replacements.append((tag.range, HTMLEscaping.text(value, escaped: tag.escaped)))
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
        // Read on the bytes; a first dot asked of the characters (it may carry a mark).
        guard let first = name.utf8.first, !(first == UInt8(ascii: ".") && name.hasPrefix(".")),
              !name.withUTF8Bytes({ $0.contains { $0 == UInt8(ascii: "(") || $0 == UInt8(ascii: " ") } }) else { return nil }
        guard case .value(let value) = CompiledTheme.lookUp(constant: name, in: constants), ContextValueType(of: value) == .string else { return nil }
        let text = ContextValueType.take(value, as: String.self)
        // Read on the bytes; whether it is only spaces asked of the characters where it is not ASCII.
        let (braces, ascii, blank) = text.withUTF8Bytes { bytes in
            var braces = false, ascii = true, blank = true
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "{"), UInt8(ascii: "}"): braces = true
                case 0x09...0x0D, 0x20: break
                case 0x80...: ascii = false
                default: blank = false
                }
            }
            return (braces, ascii, blank)
        }
        guard !braces, !(ascii ? blank : text.allSatisfy(\.isWhitespace)) else { return nil }
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

    /// `text` without the blanks around it: tabs and space separators (what Foundation's
    /// `.whitespaces` holds), trimmed without bridging to Foundation's strings.
    static func trimmingBlanks(_ text: Substring) -> String {
        // ASCII (nearly every tag's text): the blanks are spaces and tabs, trimmed on the bytes.
        let ascii = text.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            if bytes.contains(where: { $0 >= 0x80 }) { return nil }
            var lower = 0, upper = bytes.count
            while lower < upper && (bytes[lower] == 0x20 || bytes[lower] == 0x09) { lower += 1 }
            while upper > lower && (bytes[upper - 1] == 0x20 || bytes[upper - 1] == 0x09) { upper -= 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[lower..<upper]), as: UTF8.self)
        }
        if let trimmed = ascii ?? nil { return trimmed }
        func blank(_ scalar: Unicode.Scalar) -> Bool { scalar == "\t" || scalar.properties.generalCategory == .spaceSeparator }
        let scalars = text.unicodeScalars
        guard let first = scalars.firstIndex(where: { !blank($0) }), let last = scalars.lastIndex(where: { !blank($0) }) else { return "" }
        return String(scalars[first...last])
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
            let inner = Self.trimmingBlanks(Substring(String(decoding: bytes[start..<end], as: UTF8.self)))
            var closeEnd = end + 2
            if triple, closeEnd < bytes.count, bytes[closeEnd] == UInt8(ascii: "}") { closeEnd += 1 }
            let sigil = triple ? nil : inner.first
            let signed: Bool
            switch sigil {
            case "#", "^", "/", ">", "!", "<", "$", "=", "&", "%": signed = true
            default: signed = false
            }
            let body = Self.trimmingBlanks(signed ? inner.dropFirst() : Substring(inner))
            let depth = openers.reduce(0) { $1 == .section ? $0 + 1 : $0 }
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
