import Foundation
import PortalCore

/// Notices changes below some folders by comparing modification times and sizes.
/// Polling keeps it simple and portable; a scan of a few thousand files takes milliseconds.
public struct ChangeWatcher: Sendable {
    public struct Stamp: Sendable, Hashable {
        var modified: Double
        var size: UInt64
    }

    public let folders: [String]

    public init(folders: [String]) { self.folders = folders }

    /// Path → stamp of every file below the folders.
    public func scan() -> [String: Stamp] {
        var stamps: [String: Stamp] = [:]
        for folder in folders {
            for relative in FileSystem.walk(folder).files {
                let path = folder + "/" + relative
                var info = stat()
                guard stat(path, &info) == 0 else { continue }
                let modified = Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9
                stamps[path] = Stamp(modified: modified, size: UInt64(info.st_size))
            }
        }
        return stamps
    }

    /// The paths that were added, removed or changed between two scans, sorted.
    public static func changes(from old: [String: Stamp], to new: [String: Stamp]) -> [String] {
        var changed = Set<String>()
        for (path, stamp) in new where old[path] != stamp { changed.insert(path) }
        for path in old.keys where new[path] == nil { changed.insert(path) }
        return changed.sorted()
    }
}
