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

/// Runs `transform` over `items` on up to `threads` threads of their own (at most
/// `diskThreads`, shared by every call in the process), keeping the order: for work that
/// waits on the disk, where more threads than cores keep the cores busy while some of
/// them wait. The cooperative pool of Swift's tasks has one thread per core and no more.
public func parallelMap<T: Sendable, R: Sendable>(_ items: [T], threads: Int, _ transform: @escaping @Sendable (T) -> R) async -> [R] {
    let threads = min(max(1, threads), items.count, diskThreads)
    if threads <= 1 { return items.map(transform) }
    let work = ThreadedMap(items, threads: threads, transform)
    return await withCheckedContinuation { continuation in
        work.finished = continuation
        for _ in 0..<threads { DiskThreads.shared.run { work.run() } }
    }
}

/// The threads of `parallelMap(_:threads:_:)`, made once when first asked for: builds at
/// once (the tests, the preview server) share them instead of each making its own, and
/// none is made and ended per call. A piece of work never waits for another (a
/// transform is synchronous and cannot call `parallelMap`), so the queue cannot stall.
private final class DiskThreads: @unchecked Sendable {
    static let shared = DiskThreads(count: diskThreads)
    private let condition = NSCondition()
    private var queue: [@Sendable () -> Void] = []

    private init(count: Int) {
        for _ in 0..<count {
            Thread.detachNewThread { [self] in
                while true {
                    condition.lock()
                    while queue.isEmpty { condition.wait() }
                    let work = queue.removeFirst()
                    condition.unlock()
                    work()
                }
            }
        }
    }

    func run(_ work: @escaping @Sendable () -> Void) {
        condition.lock()
        queue.append(work)
        condition.signal()
        condition.unlock()
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

/// Runs `transform` over `items` on every core, keeping the order, and returns when all
/// are done: for work that is not async (compiling the theme), where each item is
/// independent and `transform` only reads what it shares.
public func mapOnEveryCore<T, R>(_ items: [T], _ transform: (T) -> R) -> [R] {
    nonisolated(unsafe) let items = items
    return withoutActuallyEscaping(transform) { transform in
        [R](unsafeUninitializedCapacity: items.count) { buffer, count in
            guard let start = buffer.baseAddress else { return }
            // Each index is written by one iteration only.
            nonisolated(unsafe) let base = start, work = transform
            DispatchQueue.concurrentPerform(iterations: items.count) { index in
                (base + index).initialize(to: work(items[index]))
            }
            count = items.count
        }
    }
}
