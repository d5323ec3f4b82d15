import Foundation

/// A node of a compiled template as the build writes it (see `MemoPlan.Node`), its
/// text, names and section bodies kept where every page reads them without reference
/// counting: each page of a build reads the same few hundred nodes, from every core. A
/// node holds no reference at all, so reading one out of its list copies a few words.
enum WriteNode: Hashable {
    case text(UnsafeBufferPointer<UInt8>)
    case value(path: UnsafeBufferPointer<String>, escaped: Bool)
    case section(path: UnsafeBufferPointer<String>, inverted: Bool, body: WriteNodes)
    case planned(Int)
    case run(Int)
    /// A partial's name (one interned text).
    case partial(UnsafeBufferPointer<String>)
    case lines(Int)
    case dot(escaped: Bool)

    init(_ node: MemoPlan.Node) {
        switch node {
        case .text(let text): self = .text(Interned.text(text))
        case .value(let path, let escaped): self = .value(path: Interned.path(path), escaped: escaped)
        case .section(let path, let inverted, let body):
            self = .section(path: Interned.path(path), inverted: inverted, body: Interned.nodes(body))
        case .planned(let number): self = .planned(number)
        case .run(let number): self = .run(number)
        case .partial(let name): self = .partial(Interned.path([name]))
        case .lines(let number): self = .lines(number)
        case .dot(let escaped): self = .dot(escaped: escaped)
        }
    }

    /// Interned texts, names and bodies are equal exactly when they are the same memory.
    static func == (left: WriteNode, right: WriteNode) -> Bool {
        switch (left, right) {
        case (.text(let a), .text(let b)): a.baseAddress == b.baseAddress && a.count == b.count
        case (.value(let a, let x), .value(let b, let y)): a.baseAddress == b.baseAddress && x == y
        case (.section(let a, let x, let c), .section(let b, let y, let d)):
            a.baseAddress == b.baseAddress && x == y && c.baseAddress == d.baseAddress && c.count == d.count
        case (.planned(let a), .planned(let b)), (.run(let a), .run(let b)), (.lines(let a), .lines(let b)): a == b
        case (.partial(let a), .partial(let b)): a.baseAddress == b.baseAddress
        case (.dot(let a), .dot(let b)): a == b
        default: false
        }
    }

    func hash(into hasher: inout Hasher) {
        switch self {
        case .text(let text): hasher.combine(0); hasher.combine(text.baseAddress); hasher.combine(text.count)
        case .value(let path, let escaped): hasher.combine(1); hasher.combine(path.baseAddress); hasher.combine(escaped)
        case .section(let path, let inverted, let body):
            hasher.combine(2); hasher.combine(path.baseAddress); hasher.combine(inverted); hasher.combine(body.baseAddress); hasher.combine(body.count)
        case .planned(let number): hasher.combine(3); hasher.combine(number)
        case .run(let number): hasher.combine(4); hasher.combine(number)
        case .partial(let name): hasher.combine(5); hasher.combine(name.baseAddress)
        case .lines(let number): hasher.combine(6); hasher.combine(number)
        case .dot(let escaped): hasher.combine(7); hasher.combine(escaped)
        }
    }
}

/// A list of nodes, interned.
typealias WriteNodes = UnsafeBufferPointer<WriteNode>

/// Texts, dotted names and node lists of compiled templates, each distinct one kept once for the
/// life of the process at a fixed address. A theme compiled again (`serve` after a
/// template edit) finds what it shares with the last one already here; only what an
/// edit made new is added.
enum Interned {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var texts: [String: UnsafeBufferPointer<UInt8>] = [:]
    nonisolated(unsafe) private static var paths: [[String]: UnsafeBufferPointer<String>] = [:]
    nonisolated(unsafe) private static var nodeLists: [[WriteNode]: WriteNodes] = [:]

    /// A compiled template's nodes (its own texts and names interned first).
    static func nodes(_ nodes: [MemoPlan.Node]) -> WriteNodes {
        let converted = nodes.map(WriteNode.init)
        return lock.withLock { keep(converted, in: &nodeLists) { converted } }
    }

    static func text(_ text: String) -> UnsafeBufferPointer<UInt8> {
        lock.withLock { keep(text, in: &texts) { Array(text.utf8) } }
    }

    static func path(_ path: [String]) -> UnsafeBufferPointer<String> {
        lock.withLock { keep(path, in: &paths) { path } }
    }

    /// What `table` keeps under `key`, else `elements` copied to memory of their own,
    /// kept there for good (called with the lock held).
    private static func keep<Key: Hashable, Element>(_ key: Key, in table: inout [Key: UnsafeBufferPointer<Element>],
                                                     _ elements: () -> [Element]) -> UnsafeBufferPointer<Element> {
        if let kept = table[key] { return kept }
        let values = elements()
        let storage = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(values.count, 1))
        _ = storage.initialize(from: values)
        let kept = UnsafeBufferPointer(start: storage.baseAddress, count: values.count)
        table[key] = kept
        return kept
    }
}
