import PortalCore
#if canImport(Glibc)
import Glibc
#endif

/// What one folder of a copy of the site held when a build saw it: its inode number and
/// status change time, and the names in it.
struct FolderRecord: Equatable, Sendable {
    var inode: UInt64
    var changed: Int64
    var files: [String]
    var folders: [String]
}

/// For each copy of the site, the folders below its top as the last build that wrote
/// into it left them. The folder beside has a folder per page, and reading each of them
/// (open, two reads of its names, close) was a tenth of a full build's CPU time: a build
/// checks a folder's inode number and status change time instead, one call, and reads it
/// only when they differ from the record. Making, removing or renaming a name in a folder
/// changes that time, and no program can set it back short of the system clock (a
/// modification time can be: `cp -a`, `rsync -a`, `touch -d`), so a folder with the
/// inode and time of its record holds the names of its record; a change made by hand to
/// a file's bytes leaves its folder as it was, and needs no record (every file is
/// compared or checked when it is written).
///
/// A folder changed in the few seconds before it was seen is not recorded (its time
/// could be that of a later change too, on a file system with coarse times), nor one with
/// a name the file's lines cannot hold. A folder the build itself changes keeps the record
/// of what it was: its new time does not match it, and the next build into that copy
/// reads it. The top folder of a copy is always read.
///
/// Kept in `.Public.folders` beside the output folder (a `TreeFile`); deleting it is
/// always safe: the next build reads every folder.
enum FolderListing {
    static let header = "portal-folders 1"

    /// A copy's records by the folder's path below its top; none when its lines are not
    /// understood. A line is `inode<TAB>changed<TAB>path`, then `<TAB>name` for each
    /// file and `<TAB>name/` for each folder in it.
    static func records(_ lines: ArraySlice<UInt8>) -> [String: FolderRecord] {
        lines.withUnsafeBufferPointer { bytes -> [String: FolderRecord] in
            var records: [String: FolderRecord] = [:]
            records.reserveCapacity(bytes.count / 48)
            var reader = TreeFile.Reader(bytes)
            while !reader.atEnd {
                guard let inode = reader.number(), let changed = reader.number() else { return [:] }
                let path = reader.field()
                guard !path.isEmpty else { return [:] }
                var record = FolderRecord(inode: UInt64(inode), changed: Int64(changed), files: [], folders: [])
                while reader.pass(0x09) {
                    let name = reader.field()
                    guard !name.isEmpty else { return [:] }
                    if name.last == UInt8(ascii: "/") {
                        record.folders.append(String(decoding: UnsafeBufferPointer(rebasing: name.dropLast()), as: UTF8.self))
                    } else {
                        record.files.append(String(decoding: name, as: UTF8.self))
                    }
                }
                guard reader.pass(0x0A) else { return [:] }
                records[String(decoding: path, as: UTF8.self)] = record
            }
            return records
        }
    }

    /// The lines of a copy's records.
    static func lines(_ records: [String: FolderRecord]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(records.count * 80)
        for (path, record) in records {
            let names = record.files + record.folders
            // A name with a tab, a line feed or a slash cannot be written: its folder is read.
            guard !path.utf8.contains(where: { $0 == 0x09 || $0 == 0x0A }),
                  !names.contains(where: { $0.isEmpty || $0.utf8.contains { $0 == 0x09 || $0 == 0x0A || $0 == 0x2F } }) else { continue }
            TreeFile.appendDecimal(Int64(bitPattern: record.inode), to: &bytes)
            bytes.append(0x09)
            TreeFile.appendDecimal(record.changed, to: &bytes)
            bytes.append(0x09)
            bytes += path.utf8
            for file in record.files {
                bytes.append(0x09)
                bytes += file.utf8
            }
            for folder in record.folders {
                bytes.append(0x09)
                bytes += folder.utf8
                bytes.append(0x2F)
            }
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Every folder above the paths: the folders of a site, given its files.
    static func foldersAbove(_ paths: some Sequence<String>) -> Set<String> {
        var folders = Set<String>()
        for path in paths {
            var folder = Substring(path)
            while let slash = folder.lastUTF8Index(of: UInt8(ascii: "/")) {
                folder = folder[..<slash]
                if !folders.insert(String(folder)).inserted { break }
            }
        }
        return folders
    }
}
