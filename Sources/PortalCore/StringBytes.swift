extension String {
    /// Calls `body` with the string's UTF-8 bytes, read in place: a native string's are
    /// contiguous, and no copy of the string is made to call `withUTF8` on (a copy costs
    /// a retain and a release, on every value of every page).
    @inlinable
    public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}
