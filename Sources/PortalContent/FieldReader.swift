import PortalCore

/// Reads typed fields out of a YAML mapping, reporting wrong types with their position.
struct FieldReader {
    let file: String
    let node: YAMLNode
    var diagnostics: DiagnosticList

    /// The mapping's text keys and their values, in order, read once: a lookup in the node
    /// itself copies out every pair it passes, and a page's fields are looked up a dozen times.
    private let names: [String]
    private let values: [YAMLNode]

    init(file: String, node: YAMLNode, diagnostics: DiagnosticList = DiagnosticList()) {
        self.file = file
        self.node = node
        self.diagnostics = diagnostics
        var names: [String] = []
        var values: [YAMLNode] = []
        if let pairs = node.mapping {
            names.reserveCapacity(pairs.count)
            values.reserveCapacity(pairs.count)
            for (key, value) in pairs {
                guard let name = key.string else { continue }
                names.append(name)
                values.append(value)
            }
        }
        self.names = names
        self.values = values
    }

    /// The value of `key`, as `node[key]` finds it (the first pair of that key).
    func value(_ key: String) -> YAMLNode? {
        names.firstIndex(of: key).map { values[$0] }
    }

    var keys: [(name: String, node: YAMLNode)] {
        (node.mapping ?? []).compactMap { pair in pair.key.string.map { ($0, pair.key) } }
    }

    mutating func wrongType(_ key: String, _ value: YAMLNode, expected: String, hint: String? = nil) {
        diagnostics.error(file, line: value.line, column: value.column, "'\(key)' must be \(expected), not \(value.typeName)", hint: hint)
    }

    /// Any scalar as text (YAML reads `2030` as a number; a title may be one).
    mutating func string(_ key: String) -> String? {
        guard let value = value(key), !value.isNull else { return nil }
        if case .scalar(let text, _) = value.kind { return text }
        wrongType(key, value, expected: "text")
        return nil
    }

    mutating func int(_ key: String) -> Int? {
        guard let value = value(key), !value.isNull else { return nil }
        if let number = value.int { return number }
        wrongType(key, value, expected: "a whole number")
        return nil
    }

    mutating func double(_ key: String) -> Double? {
        guard let value = value(key), !value.isNull else { return nil }
        if let number = value.double { return number }
        wrongType(key, value, expected: "a number")
        return nil
    }

    mutating func bool(_ key: String) -> Bool? {
        guard let value = value(key), !value.isNull else { return nil }
        if let flag = value.bool { return flag }
        wrongType(key, value, expected: "true or false")
        return nil
    }

    /// A list of text; a single text is taken as a list of one.
    mutating func strings(_ key: String) -> [(String, YAMLNode)] {
        guard let value = value(key), !value.isNull else { return [] }
        if case .scalar(let text, _) = value.kind { return [(text, value)] }
        guard let items = value.sequence else {
            wrongType(key, value, expected: "a list")
            return []
        }
        var result: [(String, YAMLNode)] = []
        for item in items {
            if case .scalar(let text, _) = item.kind, !item.isNull { result.append((text, item)) }
            else { wrongType(key, item, expected: "text") }
        }
        return result
    }

    /// A text or a map by language code.
    mutating func localized(_ key: String) -> LocalizedText? {
        guard let value = value(key), !value.isNull else { return nil }
        return localized(key, value)
    }

    mutating func localized(_ key: String, _ value: YAMLNode) -> LocalizedText? {
        if case .scalar(let text, _) = value.kind { return LocalizedText(text) }
        guard let pairs = value.mapping else {
            wrongType(key, value, expected: "text or a map by language (en: …, pl: …)")
            return nil
        }
        var map: [String: String] = [:]
        for (languageKey, text) in pairs {
            guard let code = languageKey.string, case .scalar(let string, _) = text.kind else {
                wrongType(key, text, expected: "text")
                continue
            }
            map[code.lowercased()] = string
        }
        return LocalizedText(byLanguage: map)
    }
}
