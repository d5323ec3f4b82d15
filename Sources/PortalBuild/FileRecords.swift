import CPortalSystem
import PortalRender
#if canImport(Glibc)
import Glibc
#endif

/// A 128-bit hash of a file's bytes (XXH3).
struct ContentHash: Equatable, Sendable {
    var high: UInt64
    var low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    init(_ bytes: [UInt8]) {
        var high: UInt64 = 0, low: UInt64 = 0
        bytes.withUnsafeBytes { portal_hash128($0.baseAddress, UInt($0.count), &high, &low) }
        self.init(high: high, low: low)
    }
}

/// What one file of a copy of the site held when a build last read it back: the hash
/// of its bytes, its size, inode number and status change time.
struct FileRecord: Equatable, Sendable {
    var hash: ContentHash
    var size: Int
    var inode: UInt64
    var changed: Int64
}

/// For each copy of the site, its files as a build last found them when it compared
/// them with what it was writing. A build writes a file only when its bytes changed, and
/// reading every file of the folder beside back to compare it (open, read, compare,
/// close) was a tenth of the CPU time of a full build's render phase, and more where the
/// system had let go of the files from its cache: a file whose inode number, size and
/// status change time are those of its record, and whose new bytes have the recorded
/// hash, holds those bytes already. Any write to a file changes its status change time,
/// and no program can set that back short of the system clock.
///
/// A record is made only when a build reads a file back and finds it equal, and only if
/// the file had not changed in the few seconds before (`BuildOptions.settledAge`): a
/// change in the same tick of a coarse clock as the one recorded would leave the time as
/// it was. A file the build writes has no record until a later build reads it back. So a
/// record always describes bytes that were read, after the file's last change.
///
/// Kept in `.Public.files` beside the output folder (a `TreeFile`); deleting it is always
/// safe: the next build reads every file back.
enum FileRecords {
    static let header = "portal-files 1"

    /// A copy's records by the file's path below its top; none when its lines are not
    /// understood. A line is `hash<TAB>size<TAB>inode<TAB>changed<TAB>path`.
    static func records(_ lines: ArraySlice<UInt8>) -> [String: FileRecord] {
        lines.withUnsafeBufferPointer { bytes -> [String: FileRecord] in
            var records: [String: FileRecord] = [:]
            records.reserveCapacity(bytes.count / 96)
            var reader = TreeFile.Reader(bytes)
            while !reader.atEnd {
                guard let hash = RenderKey(hex: reader.field()), reader.pass(0x09),
                      let size = reader.number(), let inode = reader.number(), let changed = reader.number() else { return [:] }
                let path = reader.rest()
                guard !path.isEmpty, reader.pass(0x0A) else { return [:] }
                records[String(decoding: path, as: UTF8.self)] = FileRecord(hash: ContentHash(high: hash.high, low: hash.low), size: size, inode: UInt64(inode), changed: Int64(changed))
            }
            return records
        }
    }

    /// A copy's lines, one record at a time.
    struct Lines {
        private(set) var bytes: [UInt8] = []

        init(count: Int = 0) {
            bytes.reserveCapacity(count * 110)
        }

        mutating func add(_ path: String, _ record: FileRecord) {
            // A path with a line feed or a tab cannot be written: its file is read back.
            guard !path.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A }) else { return }
            RenderKey.appendHex(record.hash.high, to: &bytes)
            RenderKey.appendHex(record.hash.low, to: &bytes)
            bytes.append(0x09)
            TreeFile.appendDecimal(Int64(record.size), to: &bytes)
            bytes.append(0x09)
            TreeFile.appendDecimal(Int64(bitPattern: record.inode), to: &bytes)
            bytes.append(0x09)
            TreeFile.appendDecimal(record.changed, to: &bytes)
            bytes.append(0x09)
            bytes += path.utf8
            bytes.append(0x0A)
        }
    }
}
