import CPortalSystem
import Foundation

extension StringProtocol {
    /// Where `byte` (ASCII) first occurs in the text's UTF-8: found in its bytes by the
    /// C library, not by stepping the UTF-8 view's indices one at a time (a generic walk
    /// of some fifteen instructions a byte, for paths and links of every page).
    @inlinable
    public func firstUTF8Index(of byte: UInt8) -> Index? {
        let found: Int?? = utf8.withContiguousStorageIfAvailable { bytes in
            guard let base = bytes.baseAddress, let found = memchr(base, Int32(byte), bytes.count) else { return nil }
            return UnsafeRawPointer(found) - UnsafeRawPointer(base)
        }
        guard let found else { return utf8.firstIndex(of: byte) }
        return found.map { utf8.index(utf8.startIndex, offsetBy: $0) }
    }

    /// The same for the last occurrence.
    @inlinable
    public func lastUTF8Index(of byte: UInt8) -> Index? {
        let found: Int?? = utf8.withContiguousStorageIfAvailable { bytes in
            var index = bytes.count
            while index > 0 {
                index -= 1
                if bytes[index] == byte { return index }
            }
            return nil
        }
        guard let found else { return utf8.indices.reduce(nil) { utf8[$1] == byte ? $1 : $0 } }
        return found.map { utf8.index(utf8.startIndex, offsetBy: $0) }
    }
}

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

    /// Whether the string's UTF-8 ends with `suffix`'s, compared as bytes: a file name or
    /// path is not text to compare as characters (and a comparison of characters costs
    /// thousands of instructions where it runs for every page).
    public func hasUTF8Suffix(_ suffix: StaticString) -> Bool {
        let count = suffix.utf8CodeUnitCount
        return withUTF8Bytes { bytes in
            bytes.count >= count && bytes[(bytes.count - count)...].elementsEqual(UnsafeBufferPointer(start: suffix.utf8Start, count: count))
        }
    }
}

extension String {
    /// The parts between the string's dots, as `split(separator: ".")` gives them, with
    /// empty parts kept or not. An ASCII string (every name a template writes, nearly)
    /// is split on its bytes, where each character is one byte; any other is split as
    /// characters (a dot followed by a combining mark is not a dot).
    public func dotParts(keepingEmpty: Bool = false) -> [String] {
        // One pass over the bytes (nil at the first that is not ASCII).
        let parts = withUTF8Bytes { bytes -> [String]? in
            var parts: [String] = []
            var start = 0
            func part(upTo end: Int) {
                if keepingEmpty || end > start { parts.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)) }
            }
            for index in bytes.indices {
                let byte = bytes[index]
                if byte >= 0x80 { return nil }
                if byte == UInt8(ascii: ".") {
                    part(upTo: index)
                    start = index + 1
                }
            }
            part(upTo: bytes.count)
            return parts
        }
        return parts ?? split(separator: ".", omittingEmptySubsequences: !keepingEmpty).map(String.init)
    }
}

/// Whether bytes are UTF-8, checked by the C library (32 bytes at a time where the
/// processor can): Swift's own check, when it makes a string, goes byte by byte once a
/// text has a letter that is not ASCII.
public enum UTF8Check {
    public static func isValid(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.withContiguousStorageIfAvailable { portal_utf8_valid($0.baseAddress, UInt($0.count)) == 1 } ?? isValid(Array(bytes))
    }
}

extension UnsafeRawBufferPointer {
    /// Whether `text`'s bytes stand in these, found from the C library's search for its
    /// first byte (a static text: nothing made for each search).
    public func contains(bytesOf text: StaticString) -> Bool {
        guard let start = baseAddress else { return false }
        let length = text.utf8CodeUnitCount, first = text.utf8Start
        var index = 0
        while index + length <= count, let next = memchr(start + index, Int32(first.pointee), count - length + 1 - index) {
            index = start.distance(to: UnsafeRawPointer(next))
            if memcmp(start + index, first, length) == 0 { return true }
            index += 1
        }
        return false
    }
}
