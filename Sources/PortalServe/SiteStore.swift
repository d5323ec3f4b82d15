import Foundation
import PortalCore
import PortalRender

/// The site being served: the last good build, kept whole in memory and replaced in one
/// step, so that a reader never gets a half-built site.
public actor SiteStore {
    public private(set) var files: [String: [UInt8]] = [:]
    /// Increases with every rebuild, good or broken; open pages reload when it changes.
    public private(set) var version = 0
    /// Diagnostics of the last build when it failed; the last good site stays in `files`.
    public private(set) var problems: [Diagnostic] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    public init() {}

    public func replace(with rendered: [RenderedFile]) {
        var table: [String: [UInt8]] = [:]
        table.reserveCapacity(rendered.count)
        for file in rendered { table[file.path] = file.bytes }
        files = table
        problems = []
        bump()
    }

    /// Replaces some files and removes others, for rebuilds that touch a few outputs.
    public func update(_ changed: [RenderedFile], removing removed: [String]) {
        for path in removed { files[path] = nil }
        for file in changed { files[file.path] = file.bytes }
        problems = []
        bump()
    }

    public func fail(_ diagnostics: [Diagnostic]) {
        problems = diagnostics
        bump()
    }

    public func file(_ path: String) -> [UInt8]? { files[path] }

    /// Returns when the version is no longer `known`, or after `seconds`.
    public func waitForChange(after known: Int, seconds: Double) async -> Int {
        if version != known { return version }
        let deadline = Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1_000_000_000))
            self.wakeAll()
        }
        await withCheckedContinuation { waiters.append($0) }
        deadline.cancel()
        return version
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
