import Foundation
import CPortalSystem
import PortalCore
import PortalRender
#if canImport(Glibc)
import Glibc
#endif

/// Writes a new site beside the output folder and swaps it in only when it is complete,
/// so that readers and a failed or killed build never see a half-written site.
public struct OutputFolder: Sendable {
    public let path: String
    /// `Public` → `.Public.building-<pid>` beside it.
    public let stagingPath: String

    public init(path: String) {
        var clean = path
        while clean.count > 1 && clean.hasSuffix("/") { clean.removeLast() }
        self.path = clean
        let url = URL(fileURLWithPath: clean)
        let parent = url.deletingLastPathComponent().path
        stagingPath = parent + "/." + url.lastPathComponent + ".building-\(getpid())"
    }

    var parent: String { URL(fileURLWithPath: path).deletingLastPathComponent().path }
    var name: String { URL(fileURLWithPath: path).lastPathComponent }

    /// Removes staging folders left by builds that were killed (their process is gone).
    public func removeStaleStaging() {
        let prefix = "." + name + ".building-"
        for entry in FileSystem.list(parent) where entry.hasPrefix(prefix) {
            let pid = Int32(entry.dropFirst(prefix.count)) ?? 0
            if pid == getpid() || pid <= 0 || kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(atPath: parent + "/" + entry)
            }
        }
    }

    /// A fresh, empty staging folder.
    public func prepareStaging() throws(BuildFailure) {
        removeStaleStaging()
        try? FileManager.default.removeItem(atPath: stagingPath)
        do {
            try FileManager.default.createDirectory(atPath: stagingPath, withIntermediateDirectories: true)
        } catch {
            throw BuildFailure([.error(path, "cannot create the build folder \(stagingPath): \(Self.reason(error))", hint: "check that the folder above the output folder is writable")])
        }
    }

    /// Writes files below the staging folder, creating folders as needed: folders first,
    /// each once, then the files on every core, one write call each.
    public func write(_ files: [RenderedFile]) async throws(BuildFailure) {
        var folders = Set<String>()
        for file in files {
            var folder = file.path
            while let slash = folder.lastIndex(of: "/") {
                folder = String(folder[..<slash])
                if !folders.insert(folder).inserted { break }
            }
        }
        for folder in folders.sorted() {
            let target = stagingPath + "/" + folder
            if mkdir(target, 0o755) != 0 && errno != EEXIST {
                throw BuildFailure([.error(path + "/" + folder, "cannot create folder: \(String(cString: strerror(errno)))", hint: errno == ENOSPC ? "the disk is full; the previous site is left as it was" : nil)])
            }
        }
        let results = await parallelMap(files) { file -> Diagnostic? in
            do throws(BuildFailure) { try self.writeFile(file.path, file.bytes) } catch { return error.diagnostics.first }
            return nil
        }
        let problems = results.compactMap { $0 }
        if !problems.isEmpty { throw BuildFailure(Array(problems.prefix(20))) }
    }

    /// Writes one file below the staging folder, creating its folder when needed.
    public func write(_ relative: String, _ bytes: [UInt8]) throws(BuildFailure) {
        let target = stagingPath + "/" + relative
        let folder = (target as NSString).deletingLastPathComponent
        if !FileSystem.isDirectory(folder) {
            do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
            catch { throw BuildFailure([.error(path + "/" + relative, "cannot create folder: \(Self.reason(error))")]) }
        }
        try writeFile(relative, bytes)
    }

    func writeFile(_ relative: String, _ bytes: [UInt8]) throws(BuildFailure) {
        let target = stagingPath + "/" + relative
        let fd = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw BuildFailure([.error(path + "/" + relative, "cannot write: \(String(cString: strerror(errno)))")])
        }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw BuildFailure([.error(path + "/" + relative, "cannot write: \(String(cString: strerror(errno)))", hint: errno == ENOSPC ? "the disk is full; the previous site is left as it was" : nil)])
            }
            offset += written
        }
    }

    /// Makes the staged site the output folder in one step, then removes the old one.
    public func swapIn() throws(BuildFailure) {
        // Keep a tracked placeholder (Public/.gitkeep) where the project has one.
        let keep = path + "/.gitkeep"
        if FileSystem.exists(keep) { try? write(".gitkeep", FileSystem.read(keep) ?? []) }
        syncStaging()
        if FileSystem.exists(path) {
            // renameat2(RENAME_EXCHANGE) swaps both names atomically: at every moment
            // the output folder is either the whole old site or the whole new one.
            let result = portal_rename_exchange(stagingPath, path)
            if result != 0 {
                let reason = String(cString: strerror(errno))
                throw BuildFailure([.error(path, "cannot replace the output folder: \(reason)", hint: "the previous site is left as it was")])
            }
            // The staging path now holds the previous site; `removePrevious()` deletes it.
        } else if rename(stagingPath, path) != 0 {
            let reason = String(cString: strerror(errno))
            throw BuildFailure([.error(path, "cannot create the output folder: \(reason)")])
        }
    }

    /// Deletes the previous site (left at the staging path by the swap), its top-level
    /// folders on every core: for a large site this is seconds of file system work.
    public func removePrevious() async {
        let staging = stagingPath
        let entries = FileSystem.list(staging).map { staging + "/" + $0 }
        _ = await parallelMap(entries) { entry in (try? FileManager.default.removeItem(atPath: entry)) != nil }
        try? FileManager.default.removeItem(atPath: staging)
    }

    /// Drops the staging folder after a failure.
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
