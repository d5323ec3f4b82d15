import PortalCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a Markdown file into its YAML front matter and its body.
public struct FrontMatter: Sendable {
    /// The YAML text between the `---` lines, nil when the file has none.
    public var yaml: String?
    /// Line of the file on which the YAML starts (the line after the opening `---`).
    public var yamlLine: Int
    /// The rest of the file, as UTF-8 (not a copy of it).
    public var body: ArraySlice<UInt8>
    /// Line of the file on which the body starts.
    public var bodyLine: Int

    /// `text` must already be free of a BOM and of CR line ends.
    public static func split(_ text: String, file: String) throws(BuildFailure) -> FrontMatter {
        try split(ArraySlice(text.utf8), file: file)
    }

    /// The same from a file's bytes, checked UTF-8 (`SourceText.readBytes`): the body is
    /// a part of them, not a copy.
    public static func split(_ bytes: ArraySlice<UInt8>, file: String) throws(BuildFailure) -> FrontMatter {
        guard bytes.starts(with: "---\n".utf8) || bytes.elementsEqual("---".utf8) else {
            return FrontMatter(yaml: nil, yamlLine: 1, body: bytes, bodyLine: 1)
        }
        // Lines are found on the UTF-8 bytes (a line feed always ends a character), by
        // the C library; the closing line is `---` or `...`.
        let found = bytes.withUnsafeBufferPointer { bytes -> (yamlEnd: Int, bodyStart: Int, line: Int)? in
            guard let base = bytes.baseAddress else { return nil }
            var lineNumber = 1
            var index = min(4, bytes.count)
            while index < bytes.count {
                lineNumber += 1
                var lineEnd = bytes.count
                if let newline = memchr(base + index, 0x0A, bytes.count - index) {
                    lineEnd = UnsafeRawPointer(newline) - UnsafeRawPointer(base)
                }
                if lineEnd - index == 3, (bytes[index] == UInt8(ascii: "-") || bytes[index] == UInt8(ascii: ".")),
                   bytes[index + 1] == bytes[index], bytes[index + 2] == bytes[index] {
                    return (index, min(lineEnd + 1, bytes.count), lineNumber)
                }
                index = lineEnd + 1
            }
            return nil
        }
        guard let found else {
            throw BuildFailure([.error(file, line: 1, column: 1, "front matter starts with '---' but has no closing '---' line",
                                       hint: "add a line with only '---' after the last front matter key")])
        }
        let start = bytes.startIndex
        return FrontMatter(
            yaml: String(decoding: bytes[(start + min(4, bytes.count))..<(start + found.yamlEnd)], as: UTF8.self),
            yamlLine: 2,
            body: bytes[(start + found.bodyStart)...],
            bodyLine: found.line + 1
        )
    }
}

/// Reads a file as UTF-8 text, without BOM and with LF line ends.
public enum SourceText {
    /// Larger files are refused: no page or data file of a portal comes near it, and it
    /// keeps a mistaken or hostile file from exhausting the build machine.
    public static let maximumSize = 16 * 1024 * 1024

    public static func read(_ path: String, display: String) throws(BuildFailure) -> String {
        String(decoding: try readBytes(path, display: display), as: UTF8.self)
    }

    /// The same as UTF-8 bytes, checked: a page's Markdown goes to cmark-gfm as bytes, and
    /// only its front matter is made a string (Swift checks the bytes of every string it
    /// makes, one by one wherever a letter is not ASCII: the C library's check is several
    /// times faster).
    public static func readBytes(_ path: String, display: String) throws(BuildFailure) -> ArraySlice<UInt8> {
        try checked(FileSystem.read(path, maximumSize: maximumSize), display: display)
    }

    /// The same for a file a walk found (`FileSystem.read(_:in:maximumSize:)`): `name`
    /// relative to the open folder `folder`.
    public static func readBytes(_ name: String, in folder: Int32, display: String) throws(BuildFailure) -> ArraySlice<UInt8> {
        try checked(FileSystem.read(name, in: folder, maximumSize: maximumSize), display: display)
    }

    /// A read's bytes, checked, or the error it gives.
    private static func checked(_ result: FileSystem.ReadResult, display: String) throws(BuildFailure) -> ArraySlice<UInt8> {
        switch result {
        case .bytes(let data): return try checked(data, display: display)
        case .tooLarge: throw BuildFailure([.error(display, "the file is larger than 16 MB", hint: "split it into several pages")])
        case .unreadable: throw BuildFailure([.error(display, "cannot read the file")])
        }
    }

    public static func decode(_ bytes: [UInt8], display: String) throws(BuildFailure) -> String {
        String(decoding: try checked(bytes, display: display), as: UTF8.self)
    }

    /// `bytes` as the loaders take them (see `normalized`), or an error at the first byte
    /// that is not UTF-8.
    public static func checked(_ bytes: [UInt8], display: String) throws(BuildFailure) -> ArraySlice<UInt8> {
        if UTF8Check.isValid(bytes) { return normalized(bytes) }
        var slice = bytes[...]
        if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
        // Point at the first byte that is not UTF-8.
        var line = 1, column = 1
        var index = slice.startIndex
        while index < slice.endIndex {
            let byte = slice[index]
            let length: Int
            switch byte {
            case 0x00...0x7F: length = 1
            case 0xC2...0xDF: length = 2
            case 0xE0...0xEF: length = 3
            case 0xF0...0xF4: length = 4
            default: length = 0
            }
            let end = index + length
            if length == 0 || end > slice.endIndex || !UTF8Check.isValid(slice[index..<end]) { break }
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            index = end
        }
        throw BuildFailure([.error(display, line: line, column: column, "the file is not valid UTF-8", hint: "save it as UTF-8")])
    }

    /// A text as the loaders take it: without a byte order mark, CR LF and lone CR as LF.
    /// Most texts have neither, and are returned as they are.
    static func normalized(_ utf8: [UInt8]) -> ArraySlice<UInt8> {
        let slice = utf8.starts(with: [0xEF, 0xBB, 0xBF]) ? utf8.dropFirst(3) : utf8[...]
        // A carriage return found by the C library: most files have none.
        let hasCR = slice.withUnsafeBytes { $0.baseAddress.map { memchr($0, 0x0D, slice.count) != nil } ?? false }
        guard hasCR else { return slice }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(slice.count)
        var previousCR = false
        for byte in slice {
            if byte == 0x0D { bytes.append(0x0A); previousCR = true; continue }
            if !(byte == 0x0A && previousCR) { bytes.append(byte) }
            previousCR = false
        }
        return bytes[...]
    }
}
