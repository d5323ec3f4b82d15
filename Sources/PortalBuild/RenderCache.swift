import Foundation
import PortalCore
import PortalRender
#if canImport(Glibc)
import Glibc
#endif

/// For each copy of the site (the output folder and the folder beside it, told apart by
/// their inode numbers, which follow them through the swap): which HTML page holds the
/// rendering of which key, with the file's size and status change time when it was
/// written. A rebuild skips a page whose key is unchanged and whose file is still as it
/// was written; anything else (a file changed since, a killed build, another theme,
/// another portal binary) renders it again.
///
/// Kept in `.Public.cache` beside the output folder (a `TreeFile`); deleting it is always safe. A build
/// reads the lines of the copy it writes; the other copy's lines are kept as they are,
/// unread, for the build after it.
struct RenderCache {
    struct Entry: Equatable {
        var key: RenderKey
        var size: Int
        var changed: Int64
    }

    /// Each copy's lines (`key<TAB>size<TAB>changed<TAB>path`), as in the file.
    var trees: [UInt64: ArraySlice<UInt8>] = [:]

    static let header = "portal-render-cache 4"

    /// The cache file; an empty cache when it is missing or not understood.
    static func load(_ path: String) -> RenderCache {
        RenderCache(trees: TreeFile.load(path, header: header))
    }

    /// The entries of one copy by output path; none when its lines are not understood.
    func entries(of tree: UInt64) -> [String: Entry] {
        guard let lines = trees[tree] else { return [:] }
        return lines.withUnsafeBufferPointer { bytes -> [String: Entry] in
            var entries: [String: Entry] = [:]
            entries.reserveCapacity(bytes.count / 96)
            var reader = TreeFile.Reader(bytes)
            while !reader.atEnd {
                guard let key = RenderKey(hex: reader.field()), reader.pass(0x09),
                      let size = reader.number(), let changed = reader.number() else { return [:] }
                let path = reader.rest()
                guard reader.pass(0x0A) else { return [:] }
                entries[String(decoding: path, as: UTF8.self)] = Entry(key: key, size: size, changed: Int64(changed))
            }
            return entries
        }
    }

    /// A copy's lines, written one entry at a time (after the pages, on one core: digits
    /// written straight in, no number made into a string first).
    struct Lines {
        private(set) var bytes: [UInt8] = []

        /// Room for `count` lines of paths about `pathBytes` long.
        init(count: Int = 0, pathBytes: Int = 48) {
            bytes.reserveCapacity(count * (32 + 3 + 20 + 20 + pathBytes + 1))
        }

        mutating func add(_ path: String, _ entry: Entry) {
            RenderKey.appendHex(entry.key.high, to: &bytes)
            RenderKey.appendHex(entry.key.low, to: &bytes)
            bytes.append(UInt8(ascii: "\t"))
            TreeFile.appendDecimal(Int64(entry.size), to: &bytes)
            bytes.append(UInt8(ascii: "\t"))
            TreeFile.appendDecimal(entry.changed, to: &bytes)
            bytes.append(UInt8(ascii: "\t"))
            bytes.append(contentsOf: path.utf8)
            bytes.append(UInt8(ascii: "\n"))
        }
    }

    /// What identifies the running portal program: its size, time and inode.
    static let binary: String = {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return "unknown \(UUID())" }
        return "\(info.st_size) \(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec) \(info.st_ino)"
    }()
}

extension RenderKey {
    /// 32 hexadecimal digits, as `description` writes them.
    init?(hex digits: some Collection<UInt8>) {
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
