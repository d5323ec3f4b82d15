import Foundation
import PortalCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Changes below some folders as the kernel reports them (Linux inotify), in batches:
/// a save is seen within milliseconds, without scanning the tree.
public final class FileEvents: Sendable {
    private let descriptor: Int32
    private let stopped = Mutex(false)
    private let watches = Mutex<[Int32: String]>([:])

    /// Nil where inotify is not available (then the server scans for changes instead).
    public init?(folders: [String]) {
        #if os(Linux)
        descriptor = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard descriptor >= 0 else { return nil }
        for folder in folders { watchTree(folder) }
        #else
        return nil
        #endif
    }

    deinit { close(descriptor) }

    public func stop() { stopped.withLock { $0 = true } }

    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MODIFY)

    private func watchTree(_ folder: String) {
        watch(folder)
        for name in FileSystem.list(folder) where !name.hasPrefix(".") {
            let path = folder + "/" + name
            if FileSystem.isDirectory(path) { watchTree(path) }
        }
    }

    private func watch(_ folder: String) {
        let wd = inotify_add_watch(descriptor, folder, Self.mask)
        if wd >= 0 { watches.withLock { $0[wd] = folder } }
    }

    /// Batches of changed paths, so that an editor's save (often several events) is one
    /// batch. A batch closes 1 ms after the last event when every file written was also
    /// closed, else when no event came for `quiet` seconds.
    public func batches(quiet: Double = 0.008) -> AsyncStream<[String]> {
        AsyncStream { continuation in
            let thread = Thread { [self] in
                var pending = Set<String>()
                var writing = Set<String>()  // modified or created, not yet closed
                var buffer = [UInt8](repeating: 0, count: 64 * 1024)
                while !stopped.withLock({ $0 }) {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    let timeout = pending.isEmpty ? 200 : writing.isEmpty ? 1 : Int32(quiet * 1000)
                    let ready = poll(&poller, 1, timeout)
                    if ready <= 0 {
                        if !pending.isEmpty {
                            continuation.yield(pending.sorted())
                            pending.removeAll()
                            writing.removeAll()
                        }
                        continue
                    }
                    let count = read(descriptor, &buffer, buffer.count)
                    guard count > 0 else { continue }
                    var offset = 0
                    while offset + 16 <= count {
                        let wd = buffer.withUnsafeBytes { $0.load(fromByteOffset: offset, as: Int32.self) }
                        let mask = buffer.withUnsafeBytes { $0.load(fromByteOffset: offset + 4, as: UInt32.self) }
                        let length = Int(buffer.withUnsafeBytes { $0.load(fromByteOffset: offset + 12, as: UInt32.self) })
                        let nameBytes = buffer[(offset + 16)..<min(count, offset + 16 + length)].prefix { $0 != 0 }
                        let name = String(decoding: nameBytes, as: UTF8.self)
                        offset += 16 + length
                        guard let folder = watches.withLock({ $0[wd] }) else { continue }
                        // Editors' hidden swap and backup files are not content.
                        if name.hasPrefix(".") || name.hasSuffix("~") { continue }
                        let path = name.isEmpty ? folder : folder + "/" + name
                        if mask & UInt32(IN_ISDIR) != 0 && mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 { watchTree(path) }
                        pending.insert(path)
                        if mask & UInt32(IN_ISDIR) == 0 && mask & UInt32(IN_MODIFY | IN_CREATE) != 0 {
                            writing.insert(path)
                        } else if mask & UInt32(IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO) != 0 {
                            writing.remove(path)
                        }
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { [self] _ in stop() }
            thread.start()
        }
    }
}
