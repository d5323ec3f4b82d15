import PortalCore

/// A value from YAML given to templates: data files, page parameters, city extras.
public indirect enum DataValue: Sendable, Hashable {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case list([DataValue])
    /// Keys keep the order they were written in.
    case map([String], [String: DataValue])

    public init(_ node: YAMLNode) {
        switch node.kind {
        case .scalar(let text, let tag):
            switch tag {
            case "int": self = Int(text.replacingOccurrences(of: "_", with: "")).map(DataValue.int) ?? .string(text)
            case "float": self = Double(text.replacingOccurrences(of: "_", with: "")).map(DataValue.double) ?? .string(text)
            case "bool": self = .bool(node.bool ?? false)
            case "null": self = .string("")
            default: self = .string(text)
            }
        case .sequence(let items):
            self = .list(items.map(DataValue.init))
        case .mapping(let pairs):
            var keys: [String] = []
            var values: [String: DataValue] = [:]
            for (key, value) in pairs {
                let name = key.string ?? ""
                if values[name] == nil { keys.append(name) }
                values[name] = DataValue(value)
            }
            self = .map(keys, values)
        }
    }
}
