import Foundation
import PortalCore
import PortalRender

/// The site being served: the last good build, kept whole in memory and replaced in one
/// step, so that a reader never gets a half-built site.
public actor SiteStore {
    public private(set) var files: [String: [UInt8]] = [:]
    /// Increases with every rebuild, good or broken.
    public private(set) var version = 0
    /// Diagnostics of the last build when it failed; the last good site stays in `files`.
    public private(set) var problems: [Diagnostic] = []
    /// Output path → the version in which its bytes last changed (or it was removed).
    private var changedAt: [String: Int] = [:]
    /// The version in which every page must reload: a failed build, or the first good
    /// build after one (the diagnostics overlay comes or goes).
    private var everythingAt = 0
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func replace(with rendered: [RenderedFile]) {
        var table: [String: [UInt8]] = [:]
        table.reserveCapacity(rendered.count)
        for file in rendered { table[file.path] = file.bytes }
        let next = version + 1
        for (path, bytes) in table where files[path] != bytes { changedAt[path] = next }
        for path in files.keys where table[path] == nil { changedAt[path] = next }
        files = table
        succeed()
    }

    /// Replaces some files and removes others, for rebuilds that touch a few outputs.
    public func update(_ changed: [RenderedFile], removing removed: [String]) {
        let next = version + 1
        for path in removed where files[path] != nil {
            files[path] = nil
            changedAt[path] = next
        }
        for file in changed where files[file.path] != file.bytes {
            files[file.path] = file.bytes
            changedAt[file.path] = next
        }
        succeed()
    }

    public func fail(_ diagnostics: [Diagnostic]) {
        problems = diagnostics
        everythingAt = version + 1
        bump()
    }

    private func succeed() {
        if !problems.isEmpty { everythingAt = version + 1 }
        problems = []
        bump()
    }

    /// Files, diagnostics and version as of one moment.
    public func snapshot() -> (files: [String: [UInt8]], problems: [Diagnostic], version: Int) { (files, problems, version) }

    /// The last version that changed what `path` shows: its own bytes, or the overlay of
    /// a broken build. For a path that is not a file of the site (a 404), any version.
    public func lastChange(of path: String?) -> Int {
        guard let path, files[path] != nil || changedAt[path] != nil else { return version }
        return max(everythingAt, changedAt[path] ?? 0)
    }

    /// Returns when what `path` shows changed after version `known` (any change when
    /// `path` is nil), or after `seconds`. True when it changed.
    public func waitForChange(after known: Int, path: String? = nil, seconds: Double) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while lastChange(of: path) <= known {
            let remaining = deadline.timeIntervalSinceNow
            // A stopping server does not wait for open pages.
            if remaining <= 0 || Task.isCancelled { return false }
            let timer = Task {
                try? await Task.sleep(nanoseconds: UInt64(remaining * 1_000_000_000))
                self.wakeAll()
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { waiters.append($0) }
            } onCancel: {
                Task { await self.wakeAll() }
            }
            timer.cancel()
        }
        return true
    }

    private func bump() {
        version += 1
        wakeAll()
    }

    private func wakeAll() {
        let current = waiters
        waiters = []
        for waiter in current { waiter.resume() }
    }
}
