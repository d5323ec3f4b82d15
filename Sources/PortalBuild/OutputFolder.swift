import Foundation
import CPortalSystem
import PortalCore
import PortalRender
#if canImport(Glibc)
import Glibc
#endif

/// Writes a new site beside the output folder and swaps it in only when it is complete,
/// so that readers and a failed or killed build never see a half-written site.
///
/// The folder beside (`.Public.previous`) keeps the previous site between builds. The
/// next build brings it up to date — writing only the files whose bytes changed,
/// removing the files that are gone — and swaps it in. An edit to one page therefore
/// writes a handful of files, unchanged files keep their modification times (so `rsync`
/// and CDNs see what changed), and no build deletes a whole tree.
public struct OutputFolder: Sendable {
    public let path: String
    /// `Public` → `.Public.previous` beside it.
    public let stagingPath: String
    /// The folder beside, open once it is there (`prepareStaging`): its files are opened,
    /// made and removed by their paths relative to it, not from the root of the file system.
    private let staging = OpenFolder()

    public init(path: String) {
        var clean = path
        while clean.count > 1 && clean.hasSuffix("/") { clean.removeLast() }
        self.path = clean
        let url = URL(fileURLWithPath: clean)
        let parent = url.deletingLastPathComponent().path
        stagingPath = parent + "/." + url.lastPathComponent + ".previous"
    }

    /// `Public` → `.Public.cache` beside it (see `RenderCache`).
    public var cachePath: String { parent + "/." + name + ".cache" }

    /// `Public` → `.Public.folders` beside it (see `FolderListing`).
    public var listingPath: String { parent + "/." + name + ".folders" }

    /// `Public` → `.Public.files` beside it (see `FileRecords`).
    public var filesPath: String { parent + "/." + name + ".files" }

    var parent: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }
    var name: String { URL(fileURLWithPath: path).lastPathComponent }

    /// Takes the build lock of the output folder (a `flock` on the folder above it), so
    /// that two builds into the same folder run one after the other. Released when the
    /// process ends.
    public func lock(waiting: () -> Void = {}) throws(BuildFailure) -> Int32 {
        if !FileSystem.isDirectory(parent) {
            do { try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true) } catch {
                throw BuildFailure([.error(path, "cannot create the build folder \(parent): \(Self.reason(error))", hint: "check that the folder above the output folder is writable")])
            }
        }
        let fd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else {
            throw BuildFailure([.error(path, "cannot open the folder above the output folder: \(String(cString: strerror(errno)))")])
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            waiting()
            while flock(fd, LOCK_EX) != 0 && errno == EINTR {}
        }
        return fd
    }

    /// Makes sure the folder beside exists (empty for a first build).
    public func prepareStaging() throws(BuildFailure) {
        var info = stat()
        if lstat(stagingPath, &info) == 0, info.st_mode & S_IFMT != S_IFDIR { unlink(stagingPath) }
        if lstat(stagingPath, &info) != 0 && mkdir(stagingPath, 0o755) != 0 {
            throw BuildFailure([.error(path, "cannot create the build folder \(stagingPath): \(String(cString: strerror(errno)))", hint: "check that the folder above the output folder is writable")])
        }
        staging.open(stagingPath)
    }

    /// Where a path below the folder beside is found: relative to the open folder, else
    /// (it could not be opened) from the folder's own path.
    private func located(_ relative: String) -> (folder: Int32, path: String) {
        staging.fd >= 0 ? (staging.fd, relative) : (AT_FDCWD, stagingPath + "/" + relative)
    }

    /// Removes from the folder beside what is not part of the site any more (files, then
    /// folders, deepest first), given what it held before the build wrote into it.
    /// `folders` are those of the site (`FolderListing.foldersAbove(paths)`). Returns how
    /// many files were removed. Runs while the files are written: it touches nothing the
    /// site has (and `writeFile` clears its own way).
    public func removeStale(keeping paths: Set<String>, folders: Set<String>, holding existing: Scan) -> Int {
        /// Whether a path lies below one the site writes a file at: `writeFile` removes
        /// that folder whole to make way for the file, and two removals of the same folder
        /// at once can each leave what the other took away (seen: the file then met a folder).
        func belowSiteFile(_ path: String) -> Bool {
            var above = Substring(path)
            while let slash = above.lastUTF8Index(of: UInt8(ascii: "/")) {
                above = above[..<slash]
                if paths.contains(String(above)) { return true }
            }
            return false
        }
        var removed = 0
        for file in existing.files where !paths.contains(file) && !belowSiteFile(file) {
            let (folder, path) = located(file)
            unlinkat(folder, path, 0)
            removed += 1
        }
        // A folder where the site now has a file was replaced by that file already.
        for folder in existing.folders.filter({ !folders.contains($0) && !paths.contains($0) && !belowSiteFile($0) }).sorted(by: { $0.utf8.count > $1.utf8.count }) {
            if rmdir(stagingPath + "/" + folder) != 0 {
                try? FileManager.default.removeItem(atPath: stagingPath + "/" + folder)
            }
        }
        return removed
    }

    /// Makes room for a file below the folder beside where an earlier site had a folder
    /// at its path, or a file where one of the folders above it goes.
    private func clearWay(to relative: String) {
        var info = stat()
        var slash = relative.firstUTF8Index(of: UInt8(ascii: "/"))
        while let end = slash {
            let folder = stagingPath + "/" + relative[..<end]
            if lstat(folder, &info) == 0 && info.st_mode & S_IFMT != S_IFDIR { unlink(folder) }
            slash = relative[relative.utf8.index(after: end)...].firstUTF8Index(of: UInt8(ascii: "/"))
        }
        let target = stagingPath + "/" + relative
        if lstat(target, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR {
            try? FileManager.default.removeItem(atPath: target)
        }
    }

    /// Creates the missing folders above `relative` below the folder beside, parents
    /// first; a folder another thread created meanwhile is fine.
    private func makeFolders(above relative: String) throws(BuildFailure) {
        guard let slash = relative.lastUTF8Index(of: UInt8(ascii: "/")) else { return }
        let folder = String(relative[..<slash])
        let (base, path) = located(folder)
        if mkdirat(base, path, 0o755) == 0 || errno == EEXIST { return }
        if errno == ENOENT {
            try makeFolders(above: folder)
            if mkdirat(base, path, 0o755) == 0 || errno == EEXIST { return }
        }
        throw BuildFailure([.error(path + "/" + folder, "cannot create folder: \(String(cString: strerror(errno)))", hint: errno == ENOSPC ? "the disk is full; the previous site is left as it was" : nil)])
    }

    /// What a scan of the folder beside found.
    public struct Scan: Sendable {
        /// Every file and folder below it, as relative paths.
        public var files = Set<String>()
        public var folders = Set<String>()
        /// The folders below its top as they were seen (see `FolderListing`).
        var seen: [String: FolderRecord] = [:]
        /// How many folders were read (the others were as their records say).
        public var foldersRead = 0
        /// Whether every folder below the top was as recorded, and every record was used:
        /// `seen` is the records given.
        var asRecorded = false
    }

    /// Every file and folder below `root`, as relative paths. A folder whose inode number
    /// and status change time are those of its record in `known` holds the names of its
    /// record; the others are read, each opened relative to the one above it, still
    /// open: a name to look up, not a whole path. Folders changed after `settledBefore`
    /// (nanoseconds since 1970) are not kept in `seen`.
    static func scanFolders(_ root: String, known: [String: FolderRecord] = [:], settledBefore: Int64) -> Scan {
        var scan = Scan()
        let top = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard top >= 0 else { return scan }
        defer { close(top) }
        /// Reads the open folder `fd` (`relative` below the top).
        func read(_ fd: Int32, _ relative: String) {
            scan.foldersRead += 1
            var info = stat()
            let stated = fstat(fd, &info) == 0
            var record = FolderRecord(inode: UInt64(info.st_ino), changed: Self.changed(info), files: [], folders: [])
            for (name, type) in FileSystem.entries(folder: fd) {
                let path = relative.isEmpty ? name : relative + "/" + name
                var isFolder = type == S_IFDIR
                if type == nil {
                    var info = stat()
                    isFolder = fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFDIR
                }
                if isFolder {
                    record.folders.append(name)
                    visit(fd, name, path)
                } else {
                    record.files.append(name)
                    scan.files.insert(path)
                }
            }
            if !relative.isEmpty && stated && record.changed < settledBefore { scan.seen[relative] = record }
        }
        /// The folder `name` in the open folder `fd`, `relative` below the top.
        func visit(_ fd: Int32, _ name: String, _ relative: String) {
            scan.folders.insert(relative)
            if let record = known[relative] {
                var info = stat()
                if fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFDIR,
                   UInt64(info.st_ino) == record.inode, Self.changed(info) == record.changed {
                    scan.seen[relative] = record
                    for file in record.files { scan.files.insert(relative + "/" + file) }
                    // Its folders are looked up from the top, by their paths.
                    for folder in record.folders { visit(top, relative + "/" + folder, relative + "/" + folder) }
                    return
                }
            }
            let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            guard child >= 0 else { return }
            read(child, relative)
            close(child)
        }
        read(top, "")
        scan.asRecorded = scan.foldersRead == 1 && scan.seen.count == known.count
        return scan
    }

    /// A file's size and status change time (nanoseconds since 1970): any write to the
    /// file changes that time, and no program can set it back short of the system clock
    /// (a modification time can be: `cp -a`, `rsync -a`, `touch -d`).
    public struct FileState: Equatable, Sendable {
        public var size: Int
        public var changed: Int64

        public init(size: Int, changed: Int64) {
            self.size = size
            self.changed = changed
        }

        init(_ info: stat) {
            size = Int(info.st_size)
            changed = OutputFolder.changed(info)
        }
    }

    /// The state of a file below the folder beside; nil when it is not a regular file.
    public func state(of relative: String) -> FileState? {
        var info = stat()
        let (folder, path) = located(relative)
        guard fstatat(folder, path, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return FileState(info)
    }

    /// What `writeFile` did with a file.
    public struct Written: Sendable {
        /// Whether its bytes were written (they changed).
        public var written: Bool
        /// Whether it was read back to be compared.
        public var readBack: Bool
        /// Its state afterwards.
        public var state: FileState
        /// What the record of files is to keep of it (see `FileRecords`).
        var record: FileRecord?
    }

    /// Where the scan of the folder beside found nothing at a file's path (see `writeFile`).
    public enum Absence: Sendable {
        /// The file is there, or may be.
        case none
        /// No file at its path, but its folder is there.
        case file
        /// Neither the file nor the folder holding it.
        case fileAndFolder
    }

    /// Writes one file unless it already holds exactly `bytes`: known to from `recorded`,
    /// or read back and compared. A file found equal that had not changed since
    /// `settledBefore` (nanoseconds since 1970) gets a record for the next build.
    /// A file the scan did not find (`absent`) is made at once, with its folder first
    /// where that was not found either: a first build asked for each file whether it
    /// was there, then made it, failed for want of its folder, made the folder and made
    /// it again, two lookups of its path in three failing (a twentieth of its time). Were
    /// it there after all (made since the scan), it is written as any file that is.
    @discardableResult
    func writeFile(_ relative: String, _ bytes: [UInt8], recorded: FileRecord? = nil, absent: Absence = .none, settledBefore: Int64 = .min) throws(BuildFailure) -> Written {
        let (folder, target) = located(relative)
        if absent != .none {
            // What stands in the way (a file where a folder goes) is cleared, and what
            // cannot be done reported, below.
            if absent == .fileAndFolder { try? makeFolders(above: relative) }
            var fd = openat(folder, target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd < 0 && errno == ENOENT && absent == .file {
                try? makeFolders(above: relative)
                fd = openat(folder, target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            }
            if fd >= 0 {
                defer { close(fd) }
                guard bytes.withUnsafeBytes({ FileSystem.writeAll(fd, $0) }) else {
                    throw cannotWrite(relative)
                }
                var info = stat()
                fstat(fd, &info)
                return Written(written: true, readBack: false, state: FileState(info), record: nil)
            }
            // Made since the scan, or something in the way: as for any file.
        }
        var hash: ContentHash?
        if let recorded, recorded.size == bytes.count {
            let new = ContentHash(bytes)
            hash = new
            var info = stat()
            if new == recorded.hash, fstatat(folder, target, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_mode & S_IFMT == S_IFREG,
               Int(info.st_size) == recorded.size, UInt64(info.st_ino) == recorded.inode, Self.changed(info) == recorded.changed {
                return Written(written: false, readBack: false, state: FileState(info), record: recorded)
            }
        }
        // Most files are there from the build before: opened as they are, and compared.
        var fd = portal_open_existing(folder, target)
        let existed = fd >= 0
        if !existed {
            if errno == EISDIR || errno == ENOTDIR { clearWay(to: relative) }
            fd = openat(folder, target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            if fd < 0 && errno == ENOENT {
                try makeFolders(above: relative)
                fd = openat(folder, target, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
            }
        }
        guard fd >= 0 else {
            throw cannotWrite(relative)
        }
        defer { close(fd) }
        var info = stat()
        var oldSize = 0
        if existed, fstat(fd, &info) == 0 {
            oldSize = Int(info.st_size)
            if oldSize == bytes.count && Self.holds(fd, bytes) {
                let changed = Self.changed(info)
                let record = changed < settledBefore ? FileRecord(hash: hash ?? ContentHash(bytes), size: bytes.count, inode: UInt64(info.st_ino), changed: changed) : nil
                return Written(written: false, readBack: true, state: FileState(info), record: record)
            }
        }
        guard bytes.withUnsafeBytes({ FileSystem.writeAll(fd, $0) }) else {
            throw cannotWrite(relative)
        }
        // Overwritten in place and cut to size afterwards: ext4 flushes a file on close
        // when it was truncated to zero and written again, which made rewriting a site
        // several times slower.
        if oldSize > bytes.count, ftruncate(fd, off_t(bytes.count)) != 0 {
            throw cannotWrite(relative)
        }
        fstat(fd, &info)
        return Written(written: true, readBack: existed && oldSize == bytes.count, state: FileState(info), record: nil)
    }

    /// The failure to write a file below the folder beside, from `errno`.
    private func cannotWrite(_ relative: String) -> BuildFailure {
        BuildFailure([.error(path + "/" + relative, "cannot write: \(String(cString: strerror(errno)))", hint: errno == ENOSPC ? "the disk is full; the previous site is left as it was" : nil)])
    }

    /// A file's status change time, in nanoseconds since 1970.
    static func changed(_ info: stat) -> Int64 {
        Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    /// Whether the open file (of the same size) holds exactly `bytes`.
    static func holds(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { portal_file_holds(fd, $0.baseAddress, UInt($0.count)) == 1 }
    }

    /// Makes the staged site the output folder in one step. With `flushing`, the file
    /// system is flushed first, so that a power loss after the swap cannot leave a site of
    /// empty files. A build that wrote no file, read none back and removed none flushes
    /// nothing: each file it keeps is as its record says, and a record is written only
    /// after the build that wrote the file flushed it and swapped it in (a file a killed
    /// build wrote has a newer time than its record, and is read back).
    public func swapIn(flushing: Bool = true) throws(BuildFailure) {
        if flushing { syncStaging() }
        if FileSystem.exists(path) {
            // renameat2(RENAME_EXCHANGE) swaps both names atomically: at every moment
            // the output folder is either the whole old site or the whole new one.
            let result = portal_rename_exchange(stagingPath, path)
            if result != 0 {
                let reason = String(cString: strerror(errno))
                throw BuildFailure([.error(path, "cannot replace the output folder: \(reason)", hint: "the previous site is left as it was")])
            }
            // The folder beside now holds the previous site, for the next build to update.
        } else if rename(stagingPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            throw BuildFailure([.error(path, "cannot create the output folder: \(reason)")])
        }
    }

    /// Removes the folder beside when it is empty: a first build that failed before
    /// writing leaves nothing behind.
    public func discardStagingIfEmpty() {
        rmdir(stagingPath)
    }

    /// Drops the folder beside after a failed write (a full disk gets its space back;
    /// the next build writes everything again).
    public func discardStaging() {
        try? FileManager.default.removeItem(atPath: stagingPath)
    }

    /// Flushes the staged files (the file system holding them) so that a power loss
    /// after the swap cannot leave a site of empty files.
    private func syncStaging() {
        let fd = open(stagingPath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = portal_syncfs(fd)
        close(fd)
    }

    static func reason(_ error: Error) -> String {
        (error as NSError).localizedDescription
    }
}

/// A folder kept open while a build writes into it; closed when the last copy of its
/// `OutputFolder` is gone. Opened before the files are written, on one thread, and only
/// read afterwards.
final class OpenFolder: @unchecked Sendable {
    private(set) var fd: Int32 = -1

    func open(_ path: String) {
        if fd >= 0 { close(fd) }
        fd = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    }

    deinit { if fd >= 0 { close(fd) } }
}
