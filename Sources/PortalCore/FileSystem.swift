import CPortalSystem
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The few file operations the generator needs, in one place.
public enum FileSystem {
    /// The bytes of a file (one open, one read for files that do not grow meanwhile).
    public static func read(_ path: String) -> [UInt8]? {
        if case .bytes(let bytes) = read(path, maximumSize: .max) { return bytes }
        return nil
    }

    public enum ReadResult { case bytes([UInt8]), tooLarge, unreadable }

    /// The file's bytes, unless it is larger than `maximumSize` (its size is asked for
    /// once, from the open file).
    public static func read(_ path: String, maximumSize: Int) -> ReadResult {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT != S_IFDIR else { return .unreadable }
        guard Int(info.st_size) <= maximumSize else { return .tooLarge }
        // Read into memory not cleared first, one byte more than the file's size: a read
        // that fills it means the file grew meanwhile, and the rest is read in chunks.
        var failed = false
        // A regular file's read that returns less than asked for has reached its end:
        // no second read to be told so.
        let regular = info.st_mode & S_IFMT == S_IFREG
        var bytes = [UInt8](unsafeUninitializedCapacity: max(Int(info.st_size), 0) + 1) { buffer, count in
            while count < buffer.count {
                let asked = buffer.count - count
                let result = Glibc.read(fd, buffer.baseAddress! + count, asked)
                if result < 0 { if errno == EINTR { continue }; failed = true; return }
                if result == 0 { return }
                count += result
                if regular && result < asked { return }
            }
        }
        if failed { return .unreadable }
        if bytes.count <= Int(info.st_size) { return .bytes(bytes) }
        // The file grew while it was read: the rest in chunks.
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if bytes.count > maximumSize { return .tooLarge }
            let result = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if result < 0 { if errno == EINTR { continue }; return .unreadable }
            if result == 0 { break }
            bytes.append(contentsOf: chunk[..<result])
        }
        if bytes.count > maximumSize { return .tooLarge }
        return .bytes(bytes)
    }

    /// A file read straight into a string's storage, when it is UTF-8 with no byte that
    /// needs a second look: nil for a file that is not, or that has a carriage return or
    /// a byte 0xEF (a byte order mark, or what Swift puts where it repairs a character),
    /// for a file larger than `maximumSize` or unreadable, and for one that grew while it
    /// was read. `read(_:maximumSize:)` then reads it as bytes.
    public static func readPlainUTF8(_ path: String, maximumSize: Int) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) <= maximumSize else { return nil }
        let size = Int(info.st_size)
        var count = 0, failed = false
        // One byte more than the file's size: a read that fills it means the file grew.
        var text = String(unsafeUninitializedCapacity: size + 1) { buffer in
            while count < buffer.count {
                let asked = buffer.count - count
                let result = Glibc.read(fd, buffer.baseAddress! + count, asked)
                if result < 0 { if errno == EINTR { continue }; failed = true; return 0 }
                if result == 0 { break }
                count += result
                if result < asked { break }  // a regular file's end
            }
            return count
        }
        guard !failed, count <= size else { return nil }
        // Swift repairs what is not UTF-8 with U+FFFD (EF BF BD): a text of the bytes'
        // length without the byte 0xEF was taken as it was.
        let plain = text.withUTF8 { bytes in
            bytes.count == count && (bytes.baseAddress.map { memchr($0, 0xEF, bytes.count) == nil && memchr($0, 0x0D, bytes.count) == nil } ?? true)
        }
        return plain ? text : nil
    }

    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Names in a folder, sorted; empty when it does not exist.
    public static func list(_ path: String) -> [String] {
        entries(path).map(\.name).sorted()
    }

    /// The names in a folder (without `.` and `..`) with their types (`S_IFDIR`,
    /// `S_IFREG`, `S_IFLNK` …) as the folder lists them, nil where the file system does
    /// not say: one call per batch of names, no `stat` per file (nor of the folder, which
    /// `opendir` makes: the output folder has a folder per page).
    public static func entries(_ path: String) -> [(name: String, type: mode_t?)] {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        return entries(folder: fd)
    }

    /// The same for an open folder (read from where its reading stands).
    public static func entries(folder fd: Int32) -> [(name: String, type: mode_t?)] {
        var entries: [(name: String, type: mode_t?)] = []
        let size = 32768
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = portal_read_folder(fd, buffer, UInt(size))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            // Linux dirent64 records: inode (8 bytes), offset (8), record length (2),
            // type (1), then the name and its NUL.
            var offset = 0
            while offset < count {
                let record = buffer + offset
                let length = Int(record.loadUnaligned(fromByteOffset: 16, as: UInt16.self))
                let kind = record.load(fromByteOffset: 18, as: UInt8.self)
                let name = String(cString: record.advanced(by: 19).assumingMemoryBound(to: CChar.self))
                offset += length
                if name == "." || name == ".." { continue }
                let type: mode_t?
                switch Int32(kind) {
                case Int32(DT_DIR): type = S_IFDIR
                case Int32(DT_REG): type = S_IFREG
                case Int32(DT_LNK): type = S_IFLNK
                case Int32(DT_UNKNOWN): type = nil
                default: type = 0  // a device, pipe or socket: neither a folder nor a link
                }
                entries.append((name, type))
            }
        }
        return entries
    }

    /// Every regular file below `root` as a path relative to it, sorted. Hidden files
    /// (`.DS_Store`, editors' swap files) are skipped. Symbolic links are followed only
    /// when they stay inside `root`; the others are returned in `escaping`.
    public static func walk(_ root: String) -> (files: [String], escaping: [String]) {
        var files: [String] = []
        var escaping: [String] = []
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        func visit(_ relative: String) {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            for (name, type) in entries(absolute) where !name.hasPrefix(".") {
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                let childPath = root + "/" + childRelative
                var mode = type
                // The type comes with the name on most file systems; else it is looked up.
                if mode == nil {
                    var info = stat()
                    mode = lstat(childPath, &info) == 0 ? info.st_mode & S_IFMT : 0
                }
                if mode == S_IFLNK {
                    let target = URL(fileURLWithPath: childPath).resolvingSymlinksInPath().path
                    if !(target == realRoot || target.hasPrefix(realRoot + "/")) {
                        escaping.append(childRelative)
                        continue
                    }
                }
                let folder = mode == S_IFLNK ? isDirectory(childPath) : mode == S_IFDIR
                if folder { visit(childRelative) } else { files.append(childRelative) }
            }
        }
        visit("")
        return (files.sorted(), escaping.sorted())
    }
}
