import Foundation

/// Prints how long each phase of a build took to standard error when the environment
/// variable `PORTAL_TIMINGS` is set (used by `bench/` and when looking into a slow build).
public struct PhaseClock: Sendable {
    public static let enabled = ProcessInfo.processInfo.environment["PORTAL_TIMINGS"] != nil
    private var last = DispatchTime.now().uptimeNanoseconds

    public init() {}

    public mutating func lap(_ phase: String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        FileHandle.standardError.write(Data("\(phase): \(String(format: "%.1f", Double(now - last) / 1e6)) ms\n".utf8))
        last = now
    }
}
