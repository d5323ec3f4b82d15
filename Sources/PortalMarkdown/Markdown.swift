import CCmarkGFM
import CPortalSystem
import PortalCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What one Markdown document becomes: HTML plus the facts later stages check.
public struct RenderedMarkdown: Sendable, Hashable {
    /// The HTML as UTF-8, as cmark-gfm wrote it (with heading ids): pages take it as it
    /// is, without making a string of it first.
    public var htmlBytes: [UInt8]
    public var html: String { String(decoding: htmlBytes, as: UTF8.self) }
    /// Heading ids in document order, unique within the document.
    public var headingIDs: [String]
    /// Link and image destinations as written, with the 1-based source line.
    public var links: [Reference]
    /// Images without alternative text, with their source line.
    public var imagesWithoutAlt: [Reference]
    /// The text without markup, for search and summaries, as UTF-8 (checked, and
    /// repaired where cmark-gfm cut a character: no string is made of it where its bytes do).
    public var plainTextBytes: [UInt8]
    public var plainText: String { String(decoding: plainTextBytes, as: UTF8.self) }

    /// What a document cmark-gfm could not parse or render becomes (and what a render
    /// given up on stands for).
    public static let empty = RenderedMarkdown(htmlBytes: [], headingIDs: [], links: [], imagesWithoutAlt: [], plainTextBytes: [])

    public struct Reference: Sendable, Hashable {
        public var destination: String
        public var line: Int
        public var column: Int
    }
}

/// The one wrapper around cmark-gfm. cmark-gfm's own HTML renderer writes the HTML
/// (and does the escaping); the tree is touched only to give headings ids and to
/// collect links.
public struct MarkdownRenderer: Sendable {
    public var unsafeHTML: Bool
    /// Every extension attached to every document, needed or not: what the documents
    /// must render the same as (the tests and the Markdown fuzzer compare).
    @_spi(Checks) public var attachingEveryExtension = false

    public init(unsafeHTML: Bool = false) {
        self.unsafeHTML = unsafeHTML
    }

    public static let extensionNames = ["table", "strikethrough", "autolink", "tasklist", "tagfilter"]

    /// Registration of the GFM extensions is global in cmark-gfm; Swift runs this once,
    /// thread-safely, before the first render. Then the extensions' inline characters are
    /// put in cmark-gfm's global table for good (`portal_cmark_fix_inline_characters`):
    /// true when that worked and inlines may be parsed on every core at once.
    static let inlinesInParallel: Bool = {
        cmark_gfm_core_extensions_ensure_registered()
        guard let parser = cmark_parser_new(CMARK_OPT_DEFAULT) else { return false }
        defer { cmark_parser_free(parser) }
        attachExtensions(to: parser)
        // Whether cmark-gfm calls the program's function for it (the library's own calls
        // may stay inside it, as on platforms that bind a library's calls to itself):
        // a document's inlines are parsed to see.
        let before = portal_cmark_inline_character_calls()
        "~~x~~".withCString { cmark_parser_feed(parser, $0, strlen($0)) }
        guard let document = cmark_parser_finish(parser) else { return false }
        cmark_node_free(document)
        guard portal_cmark_inline_character_calls() > before else { return false }
        return portal_cmark_fix_inline_characters(UnsafeMutableRawPointer(parser)) == 1
    }()

    /// cmark-gfm's renderer escapes text with the program's function, which writes the
    /// same bytes as the library's and looks for what it escapes sixteen bytes at a time
    /// (see cmark_escape.c in CPortalSystem).
    static let fastEscape: Void = portal_cmark_fast_escape(1)

    /// The extensions, looked up once, in `extensionNames`' order (cmark-gfm's
    /// registered extensions are never changed or freed).
    nonisolated(unsafe) private static let syntaxExtensions: [OpaquePointer?] = {
        cmark_gfm_core_extensions_ensure_registered()
        return extensionNames.map { cmark_find_syntax_extension($0) }
    }()

    /// Attaches the extensions marked in `used` (in `extensionNames`' order), all by default.
    private static func attachExtensions(to parser: OpaquePointer, _ used: [Bool]? = nil) {
        for (index, syntaxExtension) in syntaxExtensions.enumerated() where used?[index] ?? true {
            if let syntaxExtension { cmark_parser_attach_syntax_extension(parser, syntaxExtension) }
        }
    }

    /// For each of `extensionNames`, whether it can change what the document renders
    /// to: only where the characters it starts from are in the document (a table needs a
    /// `|` or, with one column, a delimiter row `:--`, `--:` or `---` followed by a
    /// vertical tab or a form feed; strikethrough a `~`; an autolink `www.`, `://` or an
    /// `@`; a task list item `[ ]` or `[x]`; the tag filter raw HTML, which is left out
    /// unless it is allowed). The others are not attached: each one attached costs its
    /// work on every block or inline of the document (autolinks: a pass over all of its
    /// text) while finding nothing, and the HTML is the same without it.
    public static func extensionsNeeded(by bytes: UnsafeRawBufferPointer, unsafeHTML: Bool) -> [Bool] {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return Array(repeating: false, count: extensionNames.count) }
        let count = bytes.count
        func has(_ character: Unicode.Scalar) -> Bool { memchr(start, Int32(character.value), count) != nil }
        func has(sequence text: StaticString) -> Bool { bytes.contains(bytesOf: text) }
        var taskBox = false
        var index = 0
        // `[` then `x`, `X` or a space of any kind, then `]` (the box; where it stands is the extension's to check).
        while index + 2 < count, let next = memchr(start + index, Int32(UInt8(ascii: "[")), count - 2 - index) {
            index = start.distance(to: UnsafeRawPointer(next))
            let inside = bytes[index + 1]
            if bytes[index + 2] == UInt8(ascii: "]"),
               inside == UInt8(ascii: "x") || inside == UInt8(ascii: "X") || inside == UInt8(ascii: " ") || (0x09...0x0D).contains(inside) {
                taskBox = true
                break
            }
            index += 1
        }
        return [
            // table
            has("|") || has(sequence: ":-") || has(sequence: "-:")
                || has("\u{0B}") || has("\u{0C}"),
            // strikethrough
            has("~"),
            // autolink
            has(sequence: "://") || has("@") || has(sequence: "www."),
            // tasklist
            taskBox,
            // tagfilter
            unsafeHTML && has("<"),
        ]
    }

    /// Whether footnotes (CMARK_OPT_FOOTNOTES) are turned on for a document: only where it
    /// has a `[^`, which starts every footnote definition and every reference to one.
    /// Without it they change nothing but what cmark-gfm 0.29.0.gfm.6 does wrong: it also
    /// takes a `[` before an escaped or encoded caret (`[\^a]`, `[&#94;a]`) for a
    /// reference, and with no definition for it writes `[^a]]`, or cuts the paragraph
    /// short there. Left off, they also spare every other document two walks of its tree
    /// (definitions, then references).
    public static func footnotesNeeded(by bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.contains(bytesOf: "[^")
    }

    private static let inlineLock = InlineLock()

    public func render(_ markdown: String) -> RenderedMarkdown { render(Substring(markdown)) }

    /// The same for a part of a text.
    public func render(_ markdown: Substring) -> RenderedMarkdown {
        var text = markdown
        return text.withUTF8 { render(utf8: $0) }
    }

    /// The same for UTF-8 bytes (a page's body is the part of its file after the front
    /// matter, not a copy of it).
    public func render(_ markdown: ArraySlice<UInt8>) -> RenderedMarkdown {
        markdown.withUnsafeBufferPointer { render(utf8: $0) }
    }

    /// The same for UTF-8 bytes the caller holds: a string's, or a file's that were
    /// checked (`UTF8Check`). cmark-gfm is given no CMARK_OPT_VALIDATE_UTF8 (it replaces
    /// NUL either way); what it writes is checked again (`wellFormed`).
    private func render(utf8 bytes: UnsafeBufferPointer<UInt8>) -> RenderedMarkdown {
        let inParallel = Self.inlinesInParallel
        Self.fastEscape
        var options = CMARK_OPT_SOURCEPOS
        if unsafeHTML { options |= CMARK_OPT_UNSAFE }
        if Self.footnotesNeeded(by: UnsafeRawBufferPointer(bytes)) {
            options |= CMARK_OPT_FOOTNOTES
        }
        // Everything cmark-gfm allocates for the document comes from this thread's arena
        // and goes at once when the render is done (what is kept is copied out first):
        // the parser and the tree are not freed piece by piece.
        defer { portal_markdown_arena_reset() }
        let memory = UnsafeMutablePointer(mutating: portal_markdown_arena().assumingMemoryBound(to: cmark_mem.self))
        guard let parser = cmark_parser_new_with_mem(options, memory) else {
            return .empty
        }
        if !bytes.isEmpty {
            Self.attachExtensions(to: parser, attachingEveryExtension ? nil : Self.extensionsNeeded(by: UnsafeRawBufferPointer(bytes), unsafeHTML: unsafeHTML))
            bytes.withMemoryRebound(to: CChar.self) { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
        }
        // cmark-gfm keeps the table of special inline characters in one global array:
        // each parser adds its extensions' characters ('~' for strikethrough, ':' and
        // 'w' for autolinks) when it starts parsing inlines and removes them when it is
        // done, so a parser finishing on another thread makes this one miss `~~text~~`.
        // Unless they are in the table for good (`inlinesInParallel`), inline parsing (in
        // cmark_parser_finish) runs one at a time, while block parsing, the tree walk and
        // HTML rendering stay parallel.
        let finished = inParallel ? cmark_parser_finish(parser) : Self.inlineLock.withLock { cmark_parser_finish(parser) }
        guard let document = finished else {
            return .empty
        }

        // The plain text is about as long as the Markdown at most: room for it at once.
        var walk = TreeWalk(textCapacity: bytes.count)
        walk.visit(document)
        // The renderer must not add CMARK_OPT_SOURCEPOS attributes to the output.
        let renderOptions = options & ~CMARK_OPT_SOURCEPOS
        let extensions = cmark_parser_get_syntax_extensions(parser)
        var html: [UInt8]?
        if !unsafeHTML {
            // Without raw HTML, every `<h1>`…`<h6>` cmark-gfm writes is a heading of the
            // tree, in the tree's order: the ids go into the one rendering of the document.
            guard let cString = cmark_render_html(document, renderOptions, extensions) else {
                return .empty
            }
            html = Self.addingIDs(walk.headings.map(\.id), to: cString)
        }
        if html == nil {
            for heading in walk.headings {
                replaceHeading(heading.node, id: heading.id, level: heading.level, options: renderOptions, extensions: extensions, memory: memory)
            }
            guard let cString = cmark_render_html(document, renderOptions, extensions) else {
                return .empty
            }
            html = Array(UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
        }
        return RenderedMarkdown(
            htmlBytes: Self.wellFormed(html ?? []),
            headingIDs: walk.headings.map(\.id),
            links: walk.links,
            imagesWithoutAlt: walk.imagesWithoutAlt,
            plainTextBytes: Self.wellFormed(walk.text.array)
        )
    }

    /// The bytes, or where they are not UTF-8, the same repaired as a String repairs them
    /// (U+FFFD for each broken sequence). cmark-gfm 0.29.0.gfm.6 can cut a character in
    /// two in the text it keeps of a footnote reference that is not one (`[^a` and a NUL
    /// on the next line of a setext heading): its HTML and its text are then not UTF-8.
    static func wellFormed(_ bytes: [UInt8]) -> [UInt8] {
        let valid = UTF8Check.isValid(bytes)
        return valid ? bytes : Array(String(decoding: bytes, as: UTF8.self).utf8)
    }

    /// The HTML with `id="…"` added to its heading tags (`<h2>` → `<h2 id="results">`),
    /// the ids in order; nil when the tags found are not one per id.
    static func addingIDs(_ ids: [String], to html: UnsafeMutablePointer<CChar>) -> [UInt8]? {
        let count = strlen(html)
        return html.withMemoryRebound(to: UInt8.self, capacity: count) { start -> [UInt8]? in
            let bytes = UnsafeBufferPointer(start: start, count: count)
            if ids.isEmpty {
                return Array(bytes)
            }
            var out: [UInt8] = []
            out.reserveCapacity(count + ids.reduce(0) { $0 + $1.utf8.count + 6 })
            var found = 0
            var copied = 0
            var index = 0
            while index + 3 < count {
                // The next `<`, found by the C library (a byte at a time here was a tenth of the Markdown phase).
                guard let next = memchr(start + index, Int32(UInt8(ascii: "<")), count - 3 - index) else { break }
                index = next.assumingMemoryBound(to: UInt8.self) - start
                if bytes[index + 1] == UInt8(ascii: "h"),
                   (UInt8(ascii: "1")...UInt8(ascii: "6")).contains(bytes[index + 2]), bytes[index + 3] == UInt8(ascii: ">") {
                    guard found < ids.count else { return nil }
                    out.append(contentsOf: bytes[copied..<index + 3])
                    out.append(contentsOf: " id=\"".utf8)
                    out.append(contentsOf: ids[found].utf8)
                    out.append(UInt8(ascii: "\""))
                    found += 1
                    copied = index + 3
                    index += 4
                } else {
                    index += 1
                }
            }
            guard found == ids.count else { return nil }
            out.append(contentsOf: bytes[copied...])
            return out
        }
    }

    /// Swaps a heading for a custom block holding cmark-gfm's own HTML of that heading,
    /// with the id added to its opening tag.
    private func replaceHeading(_ heading: OpaquePointer, id: String, level: Int32, options: Int32, extensions: UnsafeMutablePointer<cmark_llist>?, memory: UnsafeMutablePointer<cmark_mem>) {
        guard let block = cmark_node_new_with_mem(CMARK_NODE_CUSTOM_BLOCK, memory),
              let rendered = cmark_render_html(heading, options, extensions) else { return }
        var html = String(cString: rendered)
        let tag = "<h\(level)"
        if html.hasPrefix(tag) { html = tag + " id=\"\(id)\"" + html.dropFirst(tag.count) }
        _ = cmark_node_set_on_enter(block, html)
        _ = cmark_node_set_on_exit(block, "")
        _ = cmark_node_replace(heading, block)
        cmark_node_free(heading)
    }
}

/// One pass over the parsed tree.
private struct TreeWalk {
    struct Heading { var node: OpaquePointer; var id: String; var level: Int32 }
    var headings: [Heading] = []
    var links: [RenderedMarkdown.Reference] = []
    var imagesWithoutAlt: [RenderedMarkdown.Reference] = []
    /// The plain text as UTF-8, literals joined by single spaces.
    let text: LiteralBytes
    private var usedIDs: [String: Int] = [:]
    /// The ids given, once there are more than a few (until then the headings are searched).
    private var assignedIDs: Set<String>?

    init(textCapacity: Int) {
        text = LiteralBytes(capacity: textCapacity)
    }

    private func isAssigned(_ id: String) -> Bool {
        assignedIDs?.contains(id) ?? headings.contains { $0.id == id }
    }

    mutating func visit(_ document: OpaquePointer) {
        guard let iterator = cmark_iter_new(document) else { return }
        defer { cmark_iter_free(iterator) }
        while true {
            let event = cmark_iter_next(iterator)
            if event == CMARK_EVENT_DONE { break }
            guard event == CMARK_EVENT_ENTER, let node = cmark_iter_get_node(iterator) else { continue }
            let type = cmark_node_get_type(node)
            switch type {
            case CMARK_NODE_HEADING:
                var id = Slug.make(Self.literalText(of: node))
                if id.isEmpty { id = "section" }
                // "Results", "Results" and "Results 1" must not share an id: the suffix
                // counts per base id, and skips ids already given.
                if isAssigned(id) {
                    let base = id
                    var count = usedIDs[base] ?? 1
                    repeat {
                        id = "\(base)-\(count)"
                        count += 1
                    } while isAssigned(id)
                    usedIDs[base] = count
                }
                assignedIDs?.insert(id)
                headings.append(Heading(node: node, id: id, level: cmark_node_get_heading_level(node)))
                if assignedIDs == nil && headings.count > 16 { assignedIDs = Set(headings.map(\.id)) }
            case CMARK_NODE_LINK, CMARK_NODE_IMAGE:
                let destination = cmark_node_get_url(node).map { String(cString: $0) } ?? ""
                let reference = RenderedMarkdown.Reference(
                    destination: destination,
                    line: Int(cmark_node_get_start_line(node)),
                    column: Int(cmark_node_get_start_column(node))
                )
                links.append(reference)
                if type == CMARK_NODE_IMAGE && Self.literalText(of: node).allSatisfy(\.isWhitespace) {
                    imagesWithoutAlt.append(reference)
                }
            case CMARK_NODE_TEXT, CMARK_NODE_CODE, CMARK_NODE_CODE_BLOCK:
                Self.appendLiteral(of: node, to: text, spaced: true)
            default:
                break
            }
        }
    }

    /// A node's own literal (a text's, a code span's or block's), as cmark-gfm keeps it,
    /// appended to `out`; `spaced`: after a space unless `out` is empty or ends with one.
    static func appendLiteral(of node: OpaquePointer, to out: LiteralBytes, spaced: Bool = false) {
        guard let literal = cmark_node_get_literal(node) else { return }
        if spaced, let last = out.last, last != UInt8(ascii: " ") { out.append(UInt8(ascii: " ")) }
        literal.withMemoryRebound(to: UInt8.self, capacity: 1) { out.append($0, count: strlen(literal)) }
    }

    /// The text of a node's inlines as UTF-8 (literals, and a space for a line break),
    /// appended to `out`.
    static func appendLiteralBytes(of node: OpaquePointer, to out: LiteralBytes) {
        var child = cmark_node_first_child(node)
        while let current = child {
            switch cmark_node_get_type(current) {
            case CMARK_NODE_TEXT, CMARK_NODE_CODE:
                appendLiteral(of: current, to: out)
            case CMARK_NODE_SOFTBREAK, CMARK_NODE_LINEBREAK:
                out.append(UInt8(ascii: " "))
            default:
                appendLiteralBytes(of: current, to: out)
            }
            child = cmark_node_next(current)
        }
    }

    /// The text of a node's inlines (a heading's title, an image's alternative text), as a
    /// string: repaired if cmark-gfm cut a character in two (see `wellFormed`).
    static func literalText(of node: OpaquePointer) -> String {
        let bytes = LiteralBytes(capacity: 64)
        appendLiteralBytes(of: node, to: bytes)
        return bytes.withBytes { String(decoding: $0, as: UTF8.self) }
    }
}

/// Bytes appended in memory of their own, grown by doubling: the literals of a document
/// (half a million for the 10k corpus) went through an array's generic append, some
/// ninety instructions a call beside the copy.
private final class LiteralBytes {
    private var start: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        start = .allocate(capacity: self.capacity)
    }

    deinit { start.deallocate() }

    var last: UInt8? { count > 0 ? start[count - 1] : nil }

    func append(_ bytes: UnsafePointer<UInt8>, count added: Int) {
        reserve(added)
        (start + count).initialize(from: bytes, count: added)
        count += added
    }

    func append(_ byte: UInt8) {
        reserve(1)
        start[count] = byte
        count += 1
    }

    private func reserve(_ added: Int) {
        guard capacity - count < added else { return }
        var grown = capacity * 2
        while grown - count < added { grown *= 2 }
        let moved = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
        moved.initialize(from: start, count: count)
        start.deallocate()
        (start, capacity) = (moved, grown)
    }

    func withBytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result {
        body(UnsafeBufferPointer(start: start, count: count))
    }

    var array: [UInt8] { withBytes { Array($0) } }
}

/// A plain mutex around cmark-gfm's global inline state.
private final class InlineLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()

    init() { pthread_mutex_init(&mutex, nil) }

    func withLock<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
