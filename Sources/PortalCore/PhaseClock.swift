import Foundation

/// Prints how long each phase of a build took to standard error when the environment
/// variable `PORTAL_TIMINGS` is set (used by `bench/` and when looking into a slow build):
/// its wall time, the CPU time of all threads and how much of it the system spent for
/// the program (files, page faults), the page faults, and the peak memory so far.
public struct PhaseClock: Sendable {
    public static let enabled = ProcessInfo.processInfo.environment["PORTAL_TIMINGS"] != nil
    // Read only when timings are on: a clock costs nothing otherwise.
    private var last = PhaseClock.enabled ? DispatchTime.now().uptimeNanoseconds : 0
    private var lastUsage = PhaseClock.enabled ? Usage.now() : Usage()

    public init() {}

    /// What the process has taken so far.
    struct Usage: Sendable {
        var user = 0.0, system = 0.0, pageFaults = 0, peakMiB = 0

        static func now() -> Usage {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return Usage(user: Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6,
                         system: Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
                         pageFaults: usage.ru_minflt + usage.ru_majflt, peakMiB: usage.ru_maxrss / 1024)
        }
    }

    /// Prints the wall time since the last lap, the CPU time of all threads (the
    /// system's part of it), the page faults, and the peak memory so far.
    public mutating func lap(_ phase: String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let usage = Usage.now()
        let milliseconds = { (seconds: Double) in String(format: "%.0f", seconds * 1000) }
        let cpu = usage.user + usage.system - lastUsage.user - lastUsage.system
        FileHandle.standardError.write(Data("""
            \(phase): \(String(format: "%.1f", Double(now - last) / 1e6)) ms (cpu \(milliseconds(cpu)) ms, \
            system \(milliseconds(usage.system - lastUsage.system)) ms, \(usage.pageFaults - lastUsage.pageFaults) page faults; \
            peak so far \(usage.peakMiB) MiB)\n
            """.utf8))
        last = now
        lastUsage = usage
    }
}
