import CPortalSystem
import CYaml
import PortalCore
import Yams

/// A YAML value with the position it was written at, detached from Yams' classes so
/// that the loaded site is `Sendable`.
public struct YAMLNode: Sendable {
    public enum Kind: Sendable {
        /// `tag` is YAML's resolved type: str, int, float, bool, null or timestamp.
        case scalar(String, tag: String)
        case mapping([(key: YAMLNode, value: YAMLNode)])
        case sequence([YAMLNode])
    }

    public var kind: Kind
    public var line: Int
    public var column: Int

    public var string: String? {
        if case .scalar(let text, let tag) = kind, tag != "null" { return text }
        return nil
    }
    public var isNull: Bool {
        if case .scalar(_, let tag) = kind { return tag == "null" }
        return false
    }
    public var mapping: [(key: YAMLNode, value: YAMLNode)]? {
        if case .mapping(let pairs) = kind { return pairs }
        return nil
    }
    public var sequence: [YAMLNode]? {
        if case .sequence(let items) = kind { return items }
        return nil
    }
    public var int: Int? {
        if case .scalar(let text, let tag) = kind, tag == "int" { return Int(Self.withoutUnderscores(text)) }
        return nil
    }
    public var double: Double? {
        if case .scalar(let text, let tag) = kind, tag == "int" || tag == "float" { return Double(Self.withoutUnderscores(text)) }
        return nil
    }
    /// `1_000` → `1000` (YAML 1.1 digit separators); most numbers have none.
    private static func withoutUnderscores(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "_")) ? text.replacingOccurrences(of: "_", with: "") : text
    }
    public var bool: Bool? {
        if case .scalar(let text, let tag) = kind, tag == "bool" {
            return ["true", "yes", "on"].contains(text.lowercased())
        }
        return nil
    }
    /// What kind of value this is, for messages.
    public var typeName: String {
        switch kind {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(_, let tag):
            switch tag {
            case "int", "float": return "a number"
            case "bool": return "true/false"
            case "null": return "empty"
            default: return "text"
            }
        }
    }

    /// The value of `key` in a mapping.
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = kind else { return nil }
        // By index: `first(where:)` copies out every pair it passes (their texts' references).
        // Lengths first: comparing two different short strings goes the long way round.
        let length = key.utf8.count
        for index in pairs.indices {
            if case .scalar(let name, let tag) = pairs[index].key.kind, name.utf8.count == length, tag != "null", name == key { return pairs[index].value }
        }
        return nil
    }
}

/// Parses YAML text into `YAMLNode`s with libyaml, the parser Yams is built on (its
/// `CYaml` module), read event by event: Yams' own composer makes three objects per value
/// (node, tag, mark) and types every scalar with regular expressions, two thirds of the
/// time a site's front matter took to load. The nodes are the same as Yams composes
/// (a test compares them), and so are the messages of its errors.
public enum YAMLDocument {
    /// Deeper nesting is refused: nothing in a site needs it and it guards the loaders' recursion.
    public static let maximumDepth = 64

    /// - Parameters:
    ///   - lineOffset: added to every line (front matter starts below its `---`).
    /// - Returns: nil for an empty document.
    public static func parse(_ text: String, file: String, lineOffset: Int = 0) throws(BuildFailure) -> YAMLNode? {
        if let flat = text.withUTF8Bytes({ flatMapping($0, lineOffset: lineOffset) }) { return flat }
        return try parseWithLibYAML(text, file: file, lineOffset: lineOffset)
    }

    /// The same, every document read by libyaml (`parse` reads the commonest front
    /// matter itself, see `flatMapping`).
    static func parseWithLibYAML(_ text: String, file: String, lineOffset: Int = 0) throws(BuildFailure) -> YAMLNode? {
        if let (line, column) = firstAnchorOrAlias(text) {
            throw BuildFailure([.error(file, line: line + lineOffset, column: column, "YAML anchors and aliases (&name, *name) are not supported", hint: "write the value out")])
        }
        let result: Result<YAMLNode?, BuildFailure> = text.withUTF8Bytes { bytes in
            guard let start = bytes.baseAddress, !bytes.isEmpty else { return .success(nil) }
            let reader = EventReader(start: start, count: bytes.count, file: file, lineOffset: lineOffset)
            defer { reader.close() }
            do throws(BuildFailure) { return .success(try reader.document()) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// libyaml's parser and its current event, read one event at a time.
    private struct EventReader {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        let file: String
        let lineOffset: Int

        init(start: UnsafePointer<UInt8>, count: Int, file: String, lineOffset: Int) {
            (self.file, self.lineOffset) = (file, lineOffset)
            yaml_parser_initialize(parser)
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(parser, start, count)
            event.initialize(to: yaml_event_t())
        }

        func close() {
            yaml_event_delete(event)
            yaml_parser_delete(parser)
            event.deallocate()
            parser.deallocate()
        }

        /// The single document of the stream; nil when there is none.
        func document() throws(BuildFailure) -> YAMLNode? {
            try next()  // stream start
            try next()
            if event.pointee.type == YAML_STREAM_END_EVENT { return nil }
            try next()  // document start → its root
            let root = try node(depth: 0)
            try next()  // document end
            try next()
            if event.pointee.type != YAML_STREAM_END_EVENT {
                let mark = self.mark(event.pointee.start_mark)
                throw failure(line: mark.line, column: mark.column, problem: "but found another document",
                              context: "expected a single document in the stream", contextLine: 1 + lineOffset)
            }
            return root
        }

        private func next() throws(BuildFailure) {
            yaml_event_delete(event)
            guard yaml_parser_parse(parser, event) == 1 else { throw parserFailure() }
        }

        private func mark(_ mark: yaml_mark_t) -> (line: Int, column: Int) {
            (Int(mark.line) + 1 + lineOffset, Int(mark.column) + 1)
        }

        /// The value that starts at the current event, read to its end.
        private func node(depth: Int) throws(BuildFailure) -> YAMLNode {
            let (line, column) = mark(event.pointee.start_mark)
            if depth > YAMLDocument.maximumDepth {
                throw BuildFailure([.error(file, line: line, column: column, "YAML is nested more than \(YAMLDocument.maximumDepth) levels deep", hint: "flatten the structure")])
            }
            let data = event.pointee.data
            switch event.pointee.type {
            case YAML_SCALAR_EVENT:
                guard data.scalar.anchor == nil else { throw anchored(line, column) }
                let text = String(decoding: UnsafeBufferPointer(start: data.scalar.value, count: data.scalar.length), as: UTF8.self)
                let tag: String
                if data.scalar.quoted_implicit == 1 {
                    tag = "str"
                } else if let name = data.scalar.tag {
                    // `tag:yaml.org,2002:str` → `str`
                    let full = String(cString: name)
                    tag = full.lastUTF8Index(of: UInt8(ascii: ":")).map { String(full[full.utf8.index(after: $0)...]) } ?? full
                } else {
                    tag = data.scalar.style == YAML_PLAIN_SCALAR_STYLE ? YAMLDocument.plainTag(text) : "str"
                }
                return YAMLNode(kind: .scalar(text, tag: tag), line: line, column: column)
            case YAML_SEQUENCE_START_EVENT:
                guard data.sequence_start.anchor == nil else { throw anchored(line, column) }
                var items: [YAMLNode] = []
                try next()
                while event.pointee.type != YAML_SEQUENCE_END_EVENT {
                    items.append(try node(depth: depth + 1))
                    try next()
                }
                return YAMLNode(kind: .sequence(items), line: line, column: column)
            case YAML_MAPPING_START_EVENT:
                guard data.mapping_start.anchor == nil else { throw anchored(line, column) }
                var pairs: [(key: YAMLNode, value: YAMLNode)] = []
                try next()
                while event.pointee.type != YAML_MAPPING_END_EVENT {
                    let key = try node(depth: depth + 1)
                    try next()
                    pairs.append((key, try node(depth: depth + 1)))
                    try next()
                }
                try checkDuplicates(pairs)
                return YAMLNode(kind: .mapping(pairs), line: line, column: column)
            default:  // an alias
                throw anchored(line, column)
            }
        }

        /// A key written twice is an error at its first place (as Yams reports it).
        private func checkDuplicates(_ pairs: [(key: YAMLNode, value: YAMLNode)]) throws(BuildFailure) {
            guard pairs.count > 1 else { return }
            // A front matter has a dozen keys: compared pair by pair, without tables.
            if pairs.count <= 32 {
                let names = pairs.map { pair -> String? in
                    if case .scalar(let name, _) = pair.key.kind { return name }
                    return nil
                }
                let repeats = names.indices.contains { index in
                    names[index].map { name in names[..<index].contains(name) } ?? false
                }
                if !repeats { return }
            }
            var first: [String: YAMLNode] = [:]
            var repeated: Set<String> = []
            for pair in pairs {
                guard case .scalar(let name, _) = pair.key.kind else { continue }
                if first[name] == nil { first[name] = pair.key } else { repeated.insert(name) }
            }
            guard let name = repeated.min(), let key = first[name] else { return }
            throw BuildFailure([.error(file, line: key.line, column: key.column, "duplicate key '\(repeated.sorted().joined(separator: "', '"))'")])
        }

        private func anchored(_ line: Int, _ column: Int) -> BuildFailure {
            BuildFailure([.error(file, line: line, column: column, "YAML anchors and aliases (&name, *name) are not supported", hint: "write the value out")])
        }

        /// libyaml's error, in Yams' words.
        private func parserFailure() -> BuildFailure {
            let parser = self.parser.pointee
            let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
            switch parser.error {
            case YAML_SCANNER_ERROR, YAML_PARSER_ERROR, YAML_COMPOSER_ERROR:
                let (line, column) = mark(parser.problem_mark)
                return failure(line: line, column: column, problem: problem,
                               context: parser.context.map { String(cString: $0) }, contextLine: mark(parser.context_mark).line)
            case YAML_READER_ERROR:
                return BuildFailure([.error(file, line: lineOffset + 1, "invalid text: \(problem)", hint: "save the file as UTF-8")])
            default:
                return BuildFailure([.error(file, line: lineOffset + 1, "cannot read YAML: \(problem)")])
            }
        }

        private func failure(line: Int, column: Int, problem: String, context: String?, contextLine: Int) -> BuildFailure {
            var message = problem
            if let context { message += " (\(context) at line \(contextLine))" }
            return BuildFailure([.error(file, line: line, column: column, "invalid YAML: \(message)", hint: YAMLDocument.hint(for: problem))])
        }
    }

    /// YAML 1.1's type of a plain scalar, as Yams' default resolver gives it: words are
    /// decided here (only true/false/yes/no/on/off and null words are not text), values
    /// that may be numbers, dates or null go through the resolver's rules.
    static func plainTag(_ text: String) -> String {
        guard let first = text.utf8.first else { return "null" }
        switch first {
        case UInt8(ascii: "0")...UInt8(ascii: "9") where isDate(text):
            return "timestamp"
        case UInt8(ascii: "1")...UInt8(ascii: "9") where text.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }):
            return "int"  // `weight: 10`: a decimal integer, without the resolver's regular expressions
        case UInt8(ascii: "0") where text.utf8.count == 1:
            return "int"  // `weight: 0`
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "~"), UInt8(ascii: "<"), UInt8(ascii: "="):
            let name = Resolver.default.resolveTag(of: Node.scalar(.init(text))).rawValue
            return name.split(separator: ":").last.map(String.init) ?? "str"
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "T"),
             UInt8(ascii: "f"), UInt8(ascii: "F"), UInt8(ascii: "o"), UInt8(ascii: "O"):
            guard text.utf8.count <= 5 else { return "str" }
            if boolWords.contains(text) { return "bool" }
            if text == "null" || text == "Null" || text == "NULL" { return "null" }
            return "str"
        default:
            return "str"
        }
    }

    /// A document of the form nearly every front matter has, read without libyaml (whose
    /// tokenizer was a third of the time a page took to load): one `key: value` per line,
    /// each key at the start of its line, each value on its line and one of
    /// - text in double quotes without `\\` or `"`, or in single quotes without `'`;
    /// - a plain value that starts with a letter or a digit and has none of `#&*[]{}|>\\`
    ///   or a tab, nor a `:` before a space or the end;
    /// - a list in brackets of such quoted text or of plain words (letters, digits, spaces,
    ///   `_`, `-`, `.`);
    /// and blank lines or comment lines between them. The nodes are libyaml's for the same
    /// text (types as `plainTag` gives them, lines and columns), which the tests check
    /// against Yams. Anything else, a key written twice included, gives nil: the caller
    /// hands the document to libyaml.
    static func flatMapping(_ bytes: UnsafeBufferPointer<UInt8>, lineOffset: Int) -> YAMLNode? {
        // Room for a page's usual keys at once (an array grown pair by pair is made four times).
        var pairs: [(key: YAMLNode, value: YAMLNode)] = []
        pairs.reserveCapacity(12)
        var keys: [String] = []
        keys.reserveCapacity(12)
        var lineStart = 0
        var line = 1 + lineOffset
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            defer { lineStart = lineEnd + 1; line += 1 }
            // Trailing spaces are not part of a value.
            var end = lineEnd
            while end > lineStart && bytes[end - 1] == 0x20 { end -= 1 }
            if end == lineStart || bytes[lineStart] == UInt8(ascii: "#") { continue }
            guard isASCIILetter(bytes[lineStart]) else { return nil }
            var index = lineStart
            while index < end && isWordByte(bytes[index]) && bytes[index] != UInt8(ascii: ".") { index += 1 }
            guard index + 1 < end, bytes[index] == UInt8(ascii: ":"), bytes[index + 1] == 0x20 else { return nil }
            let key = String(decoding: UnsafeBufferPointer(rebasing: bytes[lineStart..<index]), as: UTF8.self)
            guard !keys.contains(key) else { return nil }
            index += 1
            while bytes[index] == 0x20 { index += 1 }
            guard let value = flatValue(bytes, index..<end, lineStart: lineStart, line: line) else { return nil }
            keys.append(key)
            pairs.append((YAMLNode(kind: .scalar(key, tag: plainTag(key)), line: line, column: 1), value))
        }
        guard let first = pairs.first else { return nil }
        return YAMLNode(kind: .mapping(pairs), line: first.key.line, column: 1)
    }

    /// One value of `flatMapping`, the whole of `range`.
    private static func flatValue(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, lineStart: Int, line: Int) -> YAMLNode? {
        let first = bytes[range.lowerBound]
        let column = range.lowerBound - lineStart + 1  // a key, a colon and spaces before: all ASCII
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            guard let text = quoted(bytes, range) else { return nil }
            return YAMLNode(kind: .scalar(text, tag: "str"), line: line, column: column)
        }
        if first == UInt8(ascii: "[") {
            guard bytes[range.upperBound - 1] == UInt8(ascii: "]") else { return nil }
            var items: [YAMLNode] = []
            var index = range.lowerBound + 1
            let close = range.upperBound - 1
            while index < close && bytes[index] == 0x20 { index += 1 }
            while index < close {
                var itemEnd = index
                if bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "'") {
                    itemEnd += 1
                    while itemEnd < close && bytes[itemEnd] != bytes[index] { itemEnd += 1 }
                    guard itemEnd < close else { return nil }
                    itemEnd += 1
                    guard let text = quoted(bytes, index..<itemEnd) else { return nil }
                    items.append(YAMLNode(kind: .scalar(text, tag: "str"), line: line, column: columnOf(index, bytes, lineStart: lineStart)))
                } else {
                    // Plain: up to the comma or the bracket, without the spaces before it.
                    guard isASCIILetter(bytes[index]) || isDigit(bytes[index]) || bytes[index] >= 0x80 else { return nil }
                    while itemEnd < close && bytes[itemEnd] != UInt8(ascii: ",") {
                        let byte = bytes[itemEnd]
                        guard isWordByte(byte) || byte == 0x20 || (byte >= 0x80 && isPrintable(bytes, at: itemEnd)) else { return nil }
                        itemEnd += 1
                    }
                    var textEnd = itemEnd
                    while bytes[textEnd - 1] == 0x20 { textEnd -= 1 }
                    let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<textEnd]), as: UTF8.self)
                    items.append(YAMLNode(kind: .scalar(text, tag: plainTag(text)), line: line, column: columnOf(index, bytes, lineStart: lineStart)))
                }
                // Then spaces, and a comma before the next item or the bracket.
                index = itemEnd
                while index < close && bytes[index] == 0x20 { index += 1 }
                guard index < close else { break }
                guard bytes[index] == UInt8(ascii: ",") else { return nil }
                index += 1
                while index < close && bytes[index] == 0x20 { index += 1 }
                guard index < close else { return nil }  // `[a, ]`: left to libyaml
            }
            return YAMLNode(kind: .sequence(items), line: line, column: column)
        }
        guard isASCIILetter(first) || isDigit(first) || first >= 0x80 else { return nil }
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"),
                 UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "\\"), UInt8(ascii: "`"):
                return nil
            case UInt8(ascii: ":"):
                guard index + 1 < range.upperBound, bytes[index + 1] != 0x20 else { return nil }
            default:
                guard isPrintable(bytes, at: index) else { return nil }
            }
            index += 1
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        return YAMLNode(kind: .scalar(text, tag: plainTag(text)), line: line, column: column)
    }

    /// The text of a quoted value that is the whole of `range`: nil when it holds an escape,
    /// its quote, or a character libyaml reads otherwise.
    private static func quoted(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String? {
        let quote = bytes[range.lowerBound]
        guard range.count >= 2, bytes[range.upperBound - 1] == quote else { return nil }
        let inner = range.lowerBound + 1..<range.upperBound - 1
        // The bytes that may matter are found sixteen at a time; of those, only the first
        // bytes of printable characters (most of U+0080–U+FFFF) let the text go on.
        var index = inner.lowerBound
        while index < inner.upperBound {
            index = portal_next_yaml_special(bytes.baseAddress!, index, inner.upperBound, quote)
            guard index < inner.upperBound else { break }
            if bytes[index] == quote || bytes[index] == UInt8(ascii: "\\") || !isPrintable(bytes, at: index) { return nil }
            index += 1
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[inner]), as: UTF8.self)
    }

    /// The column of a byte as libyaml counts it (in characters).
    private static func columnOf(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>, lineStart: Int) -> Int {
        var column = 1
        for position in lineStart..<index where bytes[position] & 0xC0 != 0x80 { column += 1 }
        return column
    }

    /// Not a control character, a tab, or a character YAML takes for a line break or
    /// refuses (U+0080–U+009F, U+2028, U+2029, U+FEFF, U+FFFE, U+FFFF); the UTF-8 is valid.
    @inline(__always)
    private static func isPrintable(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Bool {
        let byte = bytes[index]
        if byte < 0x80 { return byte >= 0x20 && byte != 0x7F }
        switch byte {
        case 0xC2: return bytes[index + 1] >= 0xA0
        case 0xE2: return !(bytes[index + 1] == 0x80 && (bytes[index + 2] == 0xA8 || bytes[index + 2] == 0xA9))
        case 0xEF: return !(bytes[index + 1] == 0xBB && bytes[index + 2] == 0xBF) && !(bytes[index + 1] == 0xBF && bytes[index + 2] >= 0xBE)
        default: return true
        }
    }

    @inline(__always) private static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
    @inline(__always) private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    /// Letters, digits, `_`, `-` and `.`: a key (without the dot) or a word in a list.
    @inline(__always) private static func isWordByte(_ byte: UInt8) -> Bool {
        isASCIILetter(byte) || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
    }

    /// `2024-11-09`: the commonest value of front matter that is not text.
    private static func isDate(_ text: String) -> Bool {
        // Its bytes as they are (a copy into an array of its own cost an allocation per page).
        let bytes = text.utf8
        guard bytes.count == 10 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 7 {
                if byte != UInt8(ascii: "-") { return false }
            } else if !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                return false
            }
        }
        return true
    }

    private static let boolWords: Set<String> = ["yes", "Yes", "YES", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On", "ON", "off", "Off", "OFF"]

    /// Where an anchor (`&name`) or alias (`*name`) starts a value, if anywhere. They let a
    /// few lines stand for billions of values ("billion laughs"), and no site needs them,
    /// so they are refused before the document is composed.
    static func firstAnchorOrAlias(_ text: String) -> (Int, Int)? {
        guard text.utf8.contains(where: { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: "*") }) else { return nil }
        var lineNumber = 0
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            let characters = Array(line)
            var quote: Character?
            var previous: Character = " "
            var valueStart = true  // at the start of a line, after ': ', '- ', '[', '{' or ','
            for (index, character) in characters.enumerated() {
                if let open = quote {
                    if character == open { quote = nil }
                } else if character == "#" && (previous == " " || index == 0) {
                    break
                } else if character == "\"" || character == "'" {
                    if valueStart { quote = character }
                    valueStart = false
                } else if character == "&" || character == "*" {
                    if valueStart, index + 1 < characters.count, !characters[index + 1].isWhitespace { return (lineNumber, index + 1) }
                    valueStart = false
                } else if character == " " || character == "\t" {
                    if previous == ":" || previous == "-" || previous == "," || previous == "[" || previous == "{" { valueStart = true }
                } else if character == "[" || character == "{" || character == "," {
                    valueStart = true
                } else {
                    valueStart = false
                }
                previous = character
            }
        }
        return nil
    }

    static func hint(for problem: String) -> String? {
        if problem.contains("mapping values are not allowed") {
            return "a value that contains ': ' must be in quotes"
        }
        if problem.contains("found character that cannot start any token") {
            return "YAML is indented with spaces, not tabs; quote values that start with @ or `"
        }
        if problem.contains("did not find expected key") || problem.contains("did not find expected") {
            return "check the indentation and the quotes of this line and the one above"
        }
        return nil
    }
}
