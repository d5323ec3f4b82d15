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
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable }
        defer { close(fd) }
        return read(open: fd, maximumSize: maximumSize)
    }

    /// Room for the bytes of most sources (see `read(_:in:maximumSize:)`).
    static let smallFile = 16 * 1024

    /// A file found by a walk of its folder (`walk`) as a file: its bytes, as
    /// `read(_:maximumSize:)` gives them, opened relative to the open folder `folder`
    /// (`AT_FDCWD` for the working folder). A file that ends before `smallFile` bytes is
    /// read without asking for its size (a system call, 0.6 to 1 µs here): a read of a
    /// file that gives fewer bytes than asked for has reached its end. Opened without
    /// waiting, so that a pipe put there instead gives what it holds, not a build that
    /// never ends.
    public static func read(_ name: String, in folder: Int32, maximumSize: Int) -> ReadResult {
        let fd = openat(folder, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .unreadable }
        defer { close(fd) }
        // (Memory of the allocator's, used again at once by the thread's next file: the
        // stack's would be asked first whether there is room for it.)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: smallFile)
        defer { buffer.deallocate() }
        var count = 0
        while true {
            count = Glibc.read(fd, buffer.baseAddress!, buffer.count)
            if count < 0 { if errno == EINTR { continue }; return .unreadable }
            break
        }
        if count < buffer.count {
            return count <= maximumSize ? .bytes(Array(UnsafeBufferPointer(rebasing: buffer[..<count]))) : .tooLarge
        }
        // A longer file: read whole from its start, its size asked for.
        guard lseek(fd, 0, SEEK_SET) == 0 else { return .unreadable }
        return read(open: fd, maximumSize: maximumSize)
    }

    /// The bytes of the open file `fd`, from where its reading stands.
    private static func read(open fd: Int32, maximumSize: Int) -> ReadResult {
        let file: OpenFile
        switch OpenFile.open(fd, maximumSize: maximumSize) {
        case .file(let opened): file = opened
        case .failed(let result): return result
        }
        // Read into memory not cleared first, one byte more than the file's size: a read
        // that fills it means the file grew meanwhile, and the rest is read in chunks.
        var failed = false
        var bytes = [UInt8](unsafeUninitializedCapacity: file.size + 1) { buffer, count in
            guard let read = file.read(into: buffer) else { failed = true; return }
            count = read
        }
        if failed { return .unreadable }
        if bytes.count <= file.size { return .bytes(bytes) }
        // The file grew while it was read: the rest in chunks.
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if bytes.count > maximumSize { return .tooLarge }
            let result = chunk.withUnsafeMutableBytes { Glibc.read(file.fd, $0.baseAddress!, $0.count) }
            if result < 0 { if errno == EINTR { continue }; return .unreadable }
            if result == 0 { break }
            bytes.append(contentsOf: chunk[..<result])
        }
        if bytes.count > maximumSize { return .tooLarge }
        return .bytes(bytes)
    }

    /// A file opened to be read whole: its descriptor and size.
    private struct OpenFile {
        var fd: Int32
        var size: Int
        /// A regular file's read that returns less than asked for has reached its end:
        /// no second read to be told so.
        var regular: Bool

        enum Opened { case file(OpenFile), failed(ReadResult) }

        /// The open file `fd` (which its caller closes) with its size.
        static func open(_ fd: Int32, maximumSize: Int) -> Opened {
            var info = stat()
            guard fstat(fd, &info) == 0, info.st_mode & S_IFMT != S_IFDIR else { return .failed(.unreadable) }
            guard Int(info.st_size) <= maximumSize else { return .failed(.tooLarge) }
            return .file(OpenFile(fd: fd, size: max(Int(info.st_size), 0), regular: info.st_mode & S_IFMT == S_IFREG))
        }

        /// Reads until `buffer` is full or the file ends: how many bytes, nil on an error.
        func read(into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int? {
            var count = 0
            while count < buffer.count {
                let asked = buffer.count - count
                let result = Glibc.read(fd, buffer.baseAddress! + count, asked)
                if result < 0 { if errno == EINTR { continue }; return nil }
                if result == 0 { break }
                count += result
                if regular && result < asked { break }
            }
            return count
        }
    }

    /// Writes all of `bytes` into the open file at `start` (with `pwrite`: wherever a
    /// read left the file's position); false on an error, which `errno` tells.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at start: Int = 0) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = pwrite(fd, bytes.baseAddress! + offset, bytes.count - offset, off_t(start + offset))
            if written < 0 { if errno == EINTR { continue }; return false }
            offset += written
        }
        return true
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
