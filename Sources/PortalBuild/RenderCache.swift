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

    /// The cache file; an empty cache when it is missing or not understood. Read as
    /// bytes: it has a line per page.
    static func load(_ path: String) -> RenderCache {
        guard let bytes = FileSystem.read(path) else { return RenderCache() }
        var cache = RenderCache()
        var tree: UInt64?
        var first = true
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            if first {
                guard line.elementsEqual(header.utf8) else { return RenderCache() }
                first = false
                continue
            }
            if line.starts(with: "tree ".utf8) {
                tree = UInt64(String(decoding: line.dropFirst(5), as: UTF8.self))
                if let tree { cache.trees[tree] = [:] }
                continue
            }
            let fields = line.split(separator: UInt8(ascii: "\t"), maxSplits: 3, omittingEmptySubsequences: false)
            guard let tree, fields.count == 4, let key = RenderKey(hex: fields[0]),
                  let size = Int(decimal: fields[1]), let modified = Int(decimal: fields[2]) else {
                return RenderCache()
            }
            cache.trees[tree]![String(decoding: fields[3], as: UTF8.self)] = Entry(key: key, size: size, modified: Int64(modified))
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

extension Int {
    /// A non-negative decimal number written in ASCII digits.
    init?(decimal digits: ArraySlice<UInt8>) {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow || carry { return nil }
            value = sum
        }
        self = value
    }
}

extension RenderKey {
    /// 32 hexadecimal digits, as `description` writes them.
    init?(hex digits: ArraySlice<UInt8>) {
        guard digits.count == 32 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for (index, digit) in digits.enumerated() {
            let value: UInt64
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = UInt64(digit - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = UInt64(digit - UInt8(ascii: "a") + 10)
            default: return nil
            }
            if index < 16 { high = high << 4 | value } else { low = low << 4 | value }
        }
        self.init(high: high, low: low)
    }
}
