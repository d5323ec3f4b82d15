import Foundation
import PortalCore
#if canImport(Glibc)
import Glibc
#endif

/// A file beside the output folder with a block of lines for each copy of the site (the
/// output folder and the folder beside it, told apart by their inode numbers, which
/// follow them through the swap): `RenderCache` and `FolderListing`. After its header
/// line, each copy's lines follow a line `tree <inode> <bytes>`: found by their length,
/// not read until they are asked for.
enum TreeFile {
    /// Each copy's lines; none when the file is missing or not understood.
    static func load(_ path: String, header: String) -> [UInt64: ArraySlice<UInt8>] {
        guard let bytes = FileSystem.read(path) else { return [:] }
        var trees: [UInt64: ArraySlice<UInt8>] = [:]
        var rest = bytes[...]
        func line() -> ArraySlice<UInt8>? {
            guard let end = rest.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
            defer { rest = rest[(end + 1)...] }
            return rest[..<end]
        }
        guard line()?.elementsEqual(header.utf8) == true else { return [:] }
        while !rest.isEmpty {
            guard let fields = line()?.split(separator: UInt8(ascii: " ")), fields.count == 3, fields[0].elementsEqual("tree".utf8),
                  let inode = Int(decimal: fields[1]), let length = Int(decimal: fields[2]), length <= rest.count else {
                return [:]
            }
            trees[UInt64(inode)] = rest.prefix(length)
            rest = rest.dropFirst(length)
        }
        return trees
    }

    /// Saves `trees` when they differ from `old` (what the file holds). Either way no
    /// unfinished save is left beside the file: a build killed while it saved leaves
    /// its temporary file, which a later build that has nothing new to save removes.
    static func save(_ trees: [UInt64: ArraySlice<UInt8>], ifChangedFrom old: [UInt64: ArraySlice<UInt8>], header: String, to path: String) {
        if trees != old { save(trees, header: header, to: path) } else { unlink(path + ".new") }
    }

    /// Writes the file beside, then renames it into place.
    /// Each block is written from where it is (a block of a copy not written this time
    /// is a part of the file as loaded): no copy of the whole file is made first.
    static func save(_ trees: [UInt64: ArraySlice<UInt8>], header: String, to path: String) {
        let temporary = path + ".new"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }
        var offset = 0
        func put(_ bytes: ArraySlice<UInt8>) -> Bool {
            defer { offset += bytes.count }
            return bytes.withUnsafeBytes { FileSystem.writeAll(fd, $0, at: offset) }
        }
        var written = put(Array((header + "\n").utf8)[...])
        for (tree, lines) in trees.sorted(by: { $0.key < $1.key }) where written {
            written = put(Array("tree \(tree) \(lines.count)\n".utf8)[...]) && put(lines)
        }
        if close(fd) != 0 { written = false }
        if !written || rename(temporary, path) != 0 { unlink(temporary) }
    }

    /// The blocks of a file after a build wrote into the copy `written`: its new `lines`,
    /// and the other copy's (`kept`) as they were loaded, unread; no other copy's.
    static func replacing(_ loaded: [UInt64: ArraySlice<UInt8>], _ written: UInt64?, with lines: ArraySlice<UInt8>?,
                          keeping kept: UInt64?) -> [UInt64: ArraySlice<UInt8>] {
        var trees: [UInt64: ArraySlice<UInt8>] = [:]
        if let written { trees[written] = lines }
        if let kept, let previous = loaded[kept] { trees[kept] = previous }
        return trees
    }

    /// Now less `seconds`, in nanoseconds since 1970: a folder or file changed after it
    /// is not recorded (`BuildOptions.settledAge`).
    static func settledBefore(seconds: Int64) -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return (Int64(now.tv_sec) - seconds) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    /// A folder's inode number: the same before and after it is renamed.
    static func inode(_ path: String) -> UInt64? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// `value` in decimal digits, as `String(value)` writes it.
    static func appendDecimal(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        var count = 0
        var rest = value.magnitude
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                count += 1
                buffer[24 - count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[(24 - count)...]))
        }
    }
}

extension TreeFile {
    /// Reads a copy's lines field by field where they are, without copying a line or a
    /// field: ten thousand lines are read while the site loads.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0

        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self.bytes = bytes
        }

        var atEnd: Bool { at >= bytes.count }

        /// The field up to the next tab or line end (not passed).
        mutating func field() -> UnsafeBufferPointer<UInt8> {
            let start = at
            while at < bytes.count, bytes[at] != 0x09, bytes[at] != 0x0A { at += 1 }
            return UnsafeBufferPointer(rebasing: bytes[start..<at])
        }

        /// The rest of the line (not passed), tabs and all.
        mutating func rest() -> UnsafeBufferPointer<UInt8> {
            let start = at
            while at < bytes.count, bytes[at] != 0x0A { at += 1 }
            return UnsafeBufferPointer(rebasing: bytes[start..<at])
        }

        /// Passes `byte` (a tab or a line feed) when it comes next.
        mutating func pass(_ byte: UInt8) -> Bool {
            guard at < bytes.count, bytes[at] == byte else { return false }
            at += 1
            return true
        }

        /// A number followed by a tab, the tab passed.
        mutating func number() -> Int? {
            let digits = field()
            return pass(0x09) ? Int(decimal: digits) : nil
        }
    }
}

extension Int {
    /// A non-negative decimal number written in ASCII digits.
    init?(decimal digits: some Collection<UInt8>) {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for digit in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else { return nil }
            let (times, overflow) = value.multipliedReportingOverflow(by: 10)
            let (sum, carry) = times.addingReportingOverflow(Int(digit - UInt8(ascii: "0")))
            if overflow || carry { return nil }
            value = sum
        }
        self = value
    }
}
