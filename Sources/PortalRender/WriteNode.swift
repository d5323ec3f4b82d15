import Foundation

/// A node of a compiled template as the build writes it (see `MemoPlan.Node`), its
/// text and names kept where every page reads them without reference counting: each
/// page of a build reads the same few hundred texts and names, from every core.
enum WriteNode {
    case text(UnsafeBufferPointer<UInt8>)
    case value(path: UnsafeBufferPointer<String>, escaped: Bool)
    case section(path: UnsafeBufferPointer<String>, inverted: Bool, body: [WriteNode])
    case planned(Int)
    case run(Int)
    case partial(String)
    case lines(Int)
    case dot(escaped: Bool)

    init(_ node: MemoPlan.Node) {
        switch node {
        case .text(let text): self = .text(Interned.text(text))
        case .value(let path, let escaped): self = .value(path: Interned.path(path), escaped: escaped)
        case .section(let path, let inverted, let body):
            self = .section(path: Interned.path(path), inverted: inverted, body: body.map(WriteNode.init))
        case .planned(let number): self = .planned(number)
        case .run(let number): self = .run(number)
        case .partial(let name): self = .partial(name)
        case .lines(let number): self = .lines(number)
        case .dot(let escaped): self = .dot(escaped: escaped)
        }
    }
}

/// Texts and dotted names of compiled templates, each distinct one kept once for the
/// life of the process at a fixed address. A theme compiled again (`serve` after a
/// template edit) finds what it shares with the last one already here; only what an
/// edit made new is added.
enum Interned {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var texts: [String: UnsafeBufferPointer<UInt8>] = [:]
    nonisolated(unsafe) private static var paths: [[String]: UnsafeBufferPointer<String>] = [:]

    static func text(_ text: String) -> UnsafeBufferPointer<UInt8> {
        lock.withLock {
            if let kept = texts[text] { return kept }
            let bytes = Array(text.utf8)
            let storage = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count, 1))
            _ = storage.initialize(from: bytes)
            let kept = UnsafeBufferPointer(start: storage.baseAddress, count: bytes.count)
            texts[text] = kept
            return kept
        }
    }

    static func path(_ path: [String]) -> UnsafeBufferPointer<String> {
        lock.withLock {
            if let kept = paths[path] { return kept }
            let storage = UnsafeMutableBufferPointer<String>.allocate(capacity: max(path.count, 1))
            _ = storage.initialize(from: path)
            let kept = UnsafeBufferPointer(start: storage.baseAddress, count: path.count)
            paths[path] = kept
            return kept
        }
    }
}
