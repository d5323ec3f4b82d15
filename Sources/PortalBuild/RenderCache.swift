import Foundation
import PortalCore
import PortalRender
#if canImport(Glibc)
import Glibc
#endif

/// For each copy of the site (the output folder and the folder beside it, told apart by
/// their inode numbers, which follow them through the swap): which HTML page holds the
/// rendering of which key, with the file's size and modification time when it was
/// written. A rebuild skips a page whose key is unchanged and whose file is still as it
/// was written; anything else (a file changed since, a killed build, another theme,
/// another portal binary) renders it again.
///
/// Kept in `.Public.cache` beside the output folder; deleting it is always safe.
struct RenderCache {
    struct Entry: Equatable {
        var key: RenderKey
        var size: Int
        var modified: Int64
    }

    var trees: [UInt64: [String: Entry]] = [:]

    static let header = "portal-render-cache 1"

    /// The cache file; an empty cache when it is missing or not understood.
    static func load(_ path: String) -> RenderCache {
        var cache = RenderCache()
        guard let bytes = FileSystem.read(path) else { return cache }
        let text = String(decoding: bytes, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true)[...]
        guard lines.first == Substring(header) else { return cache }
        lines = lines.dropFirst()
        var tree: UInt64?
        for line in lines {
            if line.hasPrefix("tree ") {
                tree = UInt64(line.dropFirst(5))
                if let tree { cache.trees[tree] = [:] }
                continue
            }
            let fields = line.split(separator: "\t", maxSplits: 3, omittingEmptySubsequences: false)
            guard let tree, fields.count == 4, let key = RenderKey(hex: fields[0]), let size = Int(fields[1]), let modified = Int64(fields[2]) else {
                return RenderCache()
            }
            cache.trees[tree]![String(fields[3])] = Entry(key: key, size: size, modified: modified)
        }
        return cache
    }

    /// Writes the cache beside, then renames it into place.
    func save(_ path: String) {
        var text = Self.header + "\n"
        for (tree, entries) in trees.sorted(by: { $0.key < $1.key }) {
            text += "tree \(tree)\n"
            for (file, entry) in entries.sorted(by: { $0.key < $1.key }) {
                text += "\(entry.key)\t\(entry.size)\t\(entry.modified)\t\(file)\n"
            }
        }
        let temporary = path + ".new"
        guard FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8)) else { return }
        if rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// A folder's inode number: the same before and after it is renamed.
    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// What identifies the running portal program: its size, time and inode.
    static let binary: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return "unknown \(UUID())" }
        return "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)"
    }()
}
