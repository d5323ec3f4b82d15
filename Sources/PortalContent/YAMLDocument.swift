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

/// Parses YAML text into `YAMLNode`s, turning Yams' errors into diagnostics.
public enum YAMLDocument {
    /// Yams' `Constructor.default` is a new object with three tables on every call; this
    /// one is made once and only read (nodes are composed, never constructed into values).
    nonisolated(unsafe) private static let constructor = Constructor.default

    /// Deeper nesting is refused: nothing in a site needs it and it guards the loaders' recursion.
    public static let maximumDepth = 64

    /// - Parameters:
    ///   - lineOffset: added to every line (front matter starts below its `---`).
    /// - Returns: nil for an empty document.
    public static func parse(_ text: String, file: String, lineOffset: Int = 0) throws(BuildFailure) -> YAMLNode? {
        if let (line, column) = firstAnchorOrAlias(text) {
            throw BuildFailure([.error(file, line: line + lineOffset, column: column, "YAML anchors and aliases (&name, *name) are not supported", hint: "write the value out")])
        }
        let root: Node?
        do {
            // UTF-8 named here: Yams' default looks the encoding up in the environment on every call.
            // Plain scalars are typed below (`plainTag`) without Yams' regular expressions.
            root = try Yams.compose(yaml: text, .basic, constructor, .utf8)
        } catch let error as YamlError {
            throw BuildFailure([diagnostic(for: error, file: file, lineOffset: lineOffset)])
        } catch {
            throw BuildFailure([.error(file, line: lineOffset + 1, "cannot read YAML: \(error)")])
        }
        guard let root else { return nil }
        var diagnostics = DiagnosticList()
        let node = convert(root, file: file, lineOffset: lineOffset, depth: 0, diagnostics: &diagnostics)
        if diagnostics.hasErrors { throw BuildFailure(diagnostics.items) }
        return node
    }

    private static func convert(_ node: Node, file: String, lineOffset: Int, depth: Int, diagnostics: inout DiagnosticList) -> YAMLNode {
        let line = (node.mark?.line ?? 1) + lineOffset
        let column = node.mark?.column ?? 1
        if depth > maximumDepth {
            if !diagnostics.hasErrors {
                diagnostics.error(file, line: line, column: column, "YAML is nested more than \(maximumDepth) levels deep", hint: "flatten the structure")
            }
            return YAMLNode(kind: .scalar("", tag: "null"), line: line, column: column)
        }
        // Anchors and aliases can make a few lines stand for billions of values; no
        // setting of a site needs them.
        let anchored: Bool
        switch node {
        case .scalar(let scalar): anchored = scalar.anchor != nil
        case .mapping(let mapping): anchored = mapping.anchor != nil
        case .sequence(let sequence): anchored = sequence.anchor != nil
        case .alias: anchored = true
        }
        if anchored {
            if !diagnostics.items.contains(where: { $0.message.hasPrefix("YAML anchors") }) {
                diagnostics.error(file, line: line, column: column, "YAML anchors and aliases (&name, *name) are not supported", hint: "write the value out")
            }
            return YAMLNode(kind: .scalar("", tag: "null"), line: line, column: column)
        }
        switch node {
        case .scalar(let scalar):
            var tag = scalar.tag.rawValue
            if tag.isEmpty {
                tag = scalar.style == .plain ? plainTag(scalar.string) : "str"
            } else if let colon = tag.utf8.lastIndex(of: UInt8(ascii: ":")) {
                // `tag:yaml.org,2002:str` → `str`
                tag = String(tag[tag.utf8.index(after: colon)...])
            }
            return YAMLNode(kind: .scalar(scalar.string, tag: tag), line: line, column: column)
        case .mapping(let mapping):
            var pairs: [(key: YAMLNode, value: YAMLNode)] = []
            var seen: [String: Int] = [:]
            for (key, value) in mapping {
                let keyNode = convert(key, file: file, lineOffset: lineOffset, depth: depth + 1, diagnostics: &diagnostics)
                if let name = keyNode.string {
                    if let first = seen[name] {
                        diagnostics.error(file, line: keyNode.line, column: keyNode.column, "duplicate key '\(name)' (first at line \(first))")
                    }
                    seen[name] = keyNode.line
                }
                pairs.append((keyNode, convert(value, file: file, lineOffset: lineOffset, depth: depth + 1, diagnostics: &diagnostics)))
            }
            return YAMLNode(kind: .mapping(pairs), line: line, column: column)
        case .sequence(let sequence):
            return YAMLNode(kind: .sequence(sequence.map { convert($0, file: file, lineOffset: lineOffset, depth: depth + 1, diagnostics: &diagnostics) }), line: line, column: column)
        case .alias:
            return YAMLNode(kind: .scalar("", tag: "null"), line: line, column: column)
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

    static func diagnostic(for error: YamlError, file: String, lineOffset: Int) -> Diagnostic {
        switch error {
        case .scanner(let context, let problem, let mark, _),
             .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            var message = problem
            if let context { message += " (\(context.text) at line \(context.mark.line + lineOffset))" }
            return .error(file, line: mark.line + lineOffset, column: mark.column, "invalid YAML: \(message)", hint: hint(for: problem))
        case .reader(let problem, _, _, _):
            return .error(file, line: lineOffset + 1, "invalid text: \(problem)", hint: "save the file as UTF-8")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return .error(file, line: context.mark.line + lineOffset, column: context.mark.column, "duplicate key '\(duplicates.joined(separator: "', '"))'")
        default:
            return .error(file, line: lineOffset + 1, "invalid YAML: \(error)")
        }
    }

    private static func hint(for problem: String) -> String? {
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
