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


/// Threads for work that reads or compares files: three per core. A file the system no
/// longer holds in its cache (let go under memory pressure, or within seconds by the
/// proactive reclaim of some virtual machines) is read from the disk while its thread
/// waits; the other threads keep the cores busy meanwhile.
public let diskThreads = 3 * max(1, ProcessInfo.processInfo.activeProcessorCount)

/// Runs `transform` over `items` on `threads` threads of their own, keeping the order:
/// for work that waits on the disk (reading files a system may have let go of from its
/// cache), where more threads than cores keep the cores busy while some of them wait.
/// The cooperative pool of Swift's tasks has one thread per core and no more.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], threads: Int, _ transform: @escaping @Sendable (T) -> R) async -> [R] {
    let threads = min(max(1, threads), items.count)
    if threads <= 1 { return items.map(transform) }
    let work = ThreadedMap(items, threads: threads, transform)
    return await withCheckedContinuation { continuation in
        work.finished = continuation
        for _ in 0..<threads {
            Thread.detachNewThread { work.run() }
        }
    }
}

/// The state `parallelMap(_:threads:_:)` shares between its threads: the next item to
/// take, the results (each written once, by the thread that took its item), and how many
/// threads are still working.
private final class ThreadedMap<T: Sendable, R: Sendable>: @unchecked Sendable {
    let items: [T]
    let transform: @Sendable (T) -> R
    let results: UnsafeMutablePointer<R>
    let lock = NSLock()
    var next = 0
    var running = 0
    var finished: CheckedContinuation<[R], Never>?
    /// Items taken at a time: few enough that the last ones end together.
    let chunk: Int

    init(_ items: [T], threads: Int, _ transform: @escaping @Sendable (T) -> R) {
        self.items = items
        running = threads
        self.transform = transform
        results = .allocate(capacity: items.count)
        chunk = max(1, items.count / 512)
    }

    func run() {
        while true {
            lock.lock()
            let start = next
            next = min(items.count, next + chunk)
            let end = next
            lock.unlock()
            if start >= end { break }
            for index in start..<end { (results + index).initialize(to: transform(items[index])) }
        }
        lock.lock()
        running -= 1
        let last = running == 0
        lock.unlock()
        guard last else { return }
        let array = Array(UnsafeBufferPointer(start: results, count: items.count))
        results.deinitialize(count: items.count)
        results.deallocate()
        finished?.resume(returning: array)
    }
}
