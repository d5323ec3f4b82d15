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
    /// The rest of the file's text (not a copy of it).
    public var body: Substring
    /// Line of the file on which the body starts.
    public var bodyLine: Int

    /// `text` must already be free of a BOM and of CR line ends.
    public static func split(_ text: String, file: String) throws(BuildFailure) -> FrontMatter {
        guard text.hasPrefix("---\n") || text == "---" else {
            return FrontMatter(yaml: nil, yamlLine: 1, body: text[...], bodyLine: 1)
        }
        // Lines are found on the UTF-8 bytes (a line feed always ends a character), by
        // the C library; the closing line is `---` or `...`.
        let found = text.withUTF8Bytes { bytes -> (yamlEnd: Int, bodyStart: Int, line: Int)? in
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
        let utf8 = text.utf8
        let yamlStart = utf8.index(utf8.startIndex, offsetBy: min(4, utf8.count))
        return FrontMatter(
            yaml: String(text[yamlStart..<utf8.index(utf8.startIndex, offsetBy: found.yamlEnd)]),
            yamlLine: 2,
            body: text[utf8.index(utf8.startIndex, offsetBy: found.bodyStart)...],
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
        // Read into the string at once (no copy of the bytes first); read again as bytes
        // only where Swift repaired a byte, to point at it.
        if let (text, repaired) = FileSystem.readText(path, maximumSize: maximumSize), !repaired { return normalized(text) }
        switch FileSystem.read(path, maximumSize: maximumSize) {
        case .bytes(let data): return try decode(data, display: display)
        case .tooLarge: throw BuildFailure([.error(display, "the file is larger than 16 MB", hint: "split it into several pages")])
        case .unreadable: throw BuildFailure([.error(display, "cannot read the file")])
        }
    }

    public static func decode(_ bytes: [UInt8], display: String) throws(BuildFailure) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return normalized(text) }
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
            if length == 0 || end > slice.endIndex || String(validating: slice[index..<end], as: UTF8.self) == nil { break }
            if byte == 0x0A { line += 1; column = 1 } else { column += 1 }
            index = end
        }
        throw BuildFailure([.error(display, line: line, column: column, "the file is not valid UTF-8", hint: "save it as UTF-8")])
    }

    /// A text as the loaders take it: without a byte order mark, CR LF and lone CR as LF.
    /// Most texts have neither, and are returned as they are.
    static func normalized(_ text: String) -> String {
        text.withUTF8Bytes { utf8 -> String? in
            let marked = utf8.starts(with: [0xEF, 0xBB, 0xBF])
            let slice = UnsafeBufferPointer(rebasing: utf8.dropFirst(marked ? 3 : 0))
            // A carriage return found by the C library: most files have none.
            let hasCR = slice.baseAddress.map { memchr($0, 0x0D, slice.count) != nil } ?? false
            guard hasCR else { return marked ? String(decoding: slice, as: UTF8.self) : nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(slice.count)
            var previousCR = false
            for byte in slice {
                if byte == 0x0D { bytes.append(0x0A); previousCR = true; continue }
                if !(byte == 0x0A && previousCR) { bytes.append(byte) }
                previousCR = false
            }
            return String(decoding: bytes, as: UTF8.self)
        } ?? text
    }
}
