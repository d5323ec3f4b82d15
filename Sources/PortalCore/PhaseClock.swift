import Foundation

/// Prints how long each phase of a build took to standard error when the environment
/// variable `PORTAL_TIMINGS` is set (used by `bench/` and when looking into a slow build).
public struct PhaseClock: Sendable {
    public static let enabled = ProcessInfo.processInfo.environment["PORTAL_TIMINGS"] != nil
    // Read only when timings are on: a clock costs nothing otherwise.
    private var last = PhaseClock.enabled ? DispatchTime.now().uptimeNanoseconds : 0
    private var lastCPU = PhaseClock.enabled ? PhaseClock.cpuTime() : 0

    public init() {}

    /// User and system time of the process so far, in seconds.
    static func cpuTime() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Prints the wall time since the last lap, and the CPU time of all threads.
    public mutating func lap(_ phase: String) {
        guard Self.enabled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        let cpu = Self.cpuTime()
        FileHandle.standardError.write(Data("\(phase): \(String(format: "%.1f", Double(now - last) / 1e6)) ms (cpu \(String(format: "%.0f", (cpu - lastCPU) * 1000)) ms)\n".utf8))
        last = now
        lastCPU = cpu
    }
}
