import Foundation

/// Runs `transform` over `items` on every core, keeping the order.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) async -> [R] {
    let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
    // Many small chunks: the last ones, where one core may wait for the other, are short.
    let chunk = max(1, (items.count + workers * 64 - 1) / (workers * 64))
    return await withTaskGroup(of: (Int, [R]).self) { group in
        var start = 0
        while start < items.count {
            let range = start..<min(items.count, start + chunk)
            group.addTask { (range.lowerBound, items[range].map(transform)) }
            start += chunk
        }
        var parts: [(Int, [R])] = []
        for await part in group { parts.append(part) }
        return parts.sorted { $0.0 < $1.0 }.flatMap(\.1)
    }
}

