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
        mapping?.first { $0.key.string == key }?.value
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
        if let (line, column) = firstAnchorOrAlias(text) {
            throw BuildFailure([.error(file, line: line + lineOffset, column: column, "YAML anchors and aliases (&name, *name) are not supported", hint: "write the value out")])
        }
        var text = text
        let result: Result<YAMLNode?, BuildFailure> = text.withUTF8 { bytes in
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
                    tag = full.utf8.lastIndex(of: UInt8(ascii: ":")).map { String(full[full.utf8.index(after: $0)...]) } ?? full
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

    /// `2024-11-09`: the commonest value of front matter that is not text.
    private static func isDate(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
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
