import CPortalSystem
import Foundation

/// URL segments and heading ids: ASCII, lower case, runs of anything else as one `-`.
public enum Slug {
    /// Letters that Unicode decomposition does not reduce to ASCII.
    private static let special: [Character: String] = [
        "ł": "l", "Ł": "l", "đ": "d", "Đ": "d", "ß": "ss", "ẞ": "ss",
        "æ": "ae", "Æ": "ae", "ø": "o", "Ø": "o", "œ": "oe", "Œ": "oe",
        "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "ı": "i", "ħ": "h", "Ħ": "h",
        "ŀ": "l", "Ŀ": "l", "ŧ": "t", "Ŧ": "t",
    ]

    /// Folds of the Latin letters with diacritics (U+00C0–U+024F, U+1E00–U+1EFF), computed
    /// once: slugs and the search index fold every character of every page.
    private static let latinFolds: [UInt32: String] = {
        var table: [UInt32: String] = [:]
        for range in [0xC0...0x24F, 0x1E00...0x1EFF] {
            for value in range {
                guard let scalar = Unicode.Scalar(UInt32(value)) else { continue }
                if let folded = slowFold(Character(scalar)) { table[UInt32(value)] = folded }
            }
        }
        return table
    }()

    /// Folds one character to lower-case ASCII letters or digits, or nil when it is
    /// none of those (punctuation, spaces, letters of other scripts).
    @inline(__always)
    static func fold(_ character: Character) -> String? {
        if !character.isASCII, character.unicodeScalars.count == 1, let scalar = character.unicodeScalars.first,
           (0xC0...0x24F).contains(scalar.value) || (0x1E00...0x1EFF).contains(scalar.value) {
            return latinFolds[scalar.value]
        }
        return slowFold(character)
    }

    private static func slowFold(_ character: Character) -> String? {
        if character.isASCII {
            guard let ascii = character.asciiValue else { return nil }
            switch ascii {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return String(character)
            case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                return String(UnicodeScalar(ascii + 32))
            default:
                return nil
            }
        }
        if let mapped = special[character] { return mapped }
        var result = ""
        for scalar in String(character).decomposedStringWithCanonicalMapping.unicodeScalars {
            let value = scalar.value
            if value >= 0x41 && value <= 0x5A { result.unicodeScalars.append(Unicode.Scalar(value + 32)!) }
            else if (value >= 0x61 && value <= 0x7A) || (value >= 0x30 && value <= 0x39) { result.unicodeScalars.append(scalar) }
        }
        return result.isEmpty ? nil : result
    }

    /// `Łódź Transport Plan` → `lodz-transport-plan`. Works on Unicode scalars: ASCII
    /// letters and digits are kept (lower case), Latin letters with diacritics folded,
    /// combining marks dropped, anything else separates words.
    public static func make(_ text: String) -> String {
        text.withUTF8Bytes { make(utf8: $0) }
    }

    /// The same from a String's UTF-8, read a byte at a time: heading ids are made for
    /// every heading of every page.
    private static func make(utf8 input: UnsafeBufferPointer<UInt8>) -> String {
        var out = SlugBytes(capacity: input.count + 8)
        let table = foldTable
        var index = 0
        while index < input.count {
            let lead = input[index]
            if lead < 0x80 {
                // ASCII letters and digits through the table (lower case), anything else a space.
                let folded = UInt8(truncatingIfNeeded: table[Int(lead)] >> 8)
                if folded == UInt8(ascii: " ") { out.pendingDash = true } else { out.put(folded) }
                index += 1
                continue
            }
            let value = scalar(input, at: &index)
            if (0x300...0x36F).contains(value) {
                continue  // a combining diacritic belongs to the letter before it
            }
            guard let packed = latinFold(value, table) else {
                if let folded = slowFold(Character(Unicode.Scalar(value)!)) {
                    for byte in folded.utf8 { out.put(byte) }
                } else {
                    out.pendingDash = true
                }
                continue
            }
            // A Latin letter: its ASCII letters, or a space where it folds to none.
            var bytes = packed >> 8
            for _ in 0..<Int(packed & 0xFF) {
                let byte = UInt8(truncatingIfNeeded: bytes)
                if byte == UInt8(ascii: " ") { out.pendingDash = true } else { out.put(byte) }
                bytes >>= 8
            }
        }
        return String(decoding: out.bytes, as: UTF8.self)
    }

    /// A slug as it is written: a `-` goes in before the next letter or digit after a
    /// separator, never first. (A struct, not a closure over local variables: those
    /// are checked for overlapping access at run time, on every byte of every heading.)
    private struct SlugBytes {
        var bytes: [UInt8] = []
        var pendingDash = false

        init(capacity: Int) { bytes.reserveCapacity(capacity) }

        @inline(__always) mutating func put(_ byte: UInt8) {
            if pendingDash && !bytes.isEmpty { bytes.append(UInt8(ascii: "-")) }
            pendingDash = false
            bytes.append(byte)
        }
    }

    /// ASCII as search folds it: letters lower-cased, digits kept, everything else a space.
    private static let asciiFolds: [UInt8] = (0..<128).map { byte -> UInt8 in
        switch UInt8(byte) {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(byte)
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return UInt8(byte) + 32
        default: return UInt8(ascii: " ")
        }
    }

    /// Lower-case ASCII with diacritics removed but other characters kept, for search.
    /// Works on Unicode scalars (not grapheme clusters), read straight from the UTF-8
    /// bytes: it runs over the text of every page.
    public static func searchFold(_ text: String) -> String {
        text.withUTF8Bytes(searchFold(utf8:))
    }

    /// `asciiFolds` (128 entries), then the folds of U+00C0–U+024F and of U+1E00–U+1EFF,
    /// each packed as its length in the low byte and up to three bytes above (the layout
    /// portal_system.h gives, which `portal_search_fold` reads too): read without hashing
    /// or bounds checks for every byte of every page.
    nonisolated(unsafe) private static let foldTable: UnsafePointer<UInt32> = {
        let table = UnsafeMutablePointer<UInt32>.allocate(capacity: Int(PORTAL_FOLD_TABLE_SIZE))
        for byte in 0..<128 { table[byte] = 1 | UInt32(asciiFolds[byte]) << 8 }
        for value in Array(0xC0...0x24F) + Array(0x1E00...0x1EFF) {
            // A letter that folds to nothing ASCII is a space.
            let folded = Array((latinFolds[UInt32(value)] ?? " ").utf8)
            precondition(folded.count <= 3, "a Latin fold longer than three letters")
            var packed = UInt32(folded.count)
            for (position, byte) in folded.enumerated() { packed |= UInt32(byte) << (8 * (position + 1)) }
            table[Int(portal_fold_latin_index(UInt32(value)))] = packed
        }
        return UnsafePointer(table)
    }()

    /// The scalar of the sequence starting at `index` with a byte of 0x80 or more, moving
    /// `index` past it. Valid UTF-8 (a String's): the lead byte gives the sequence's length.
    @inline(__always)
    private static func scalar(_ input: UnsafeBufferPointer<UInt8>, at index: inout Int) -> UInt32 {
        let lead = input[index]
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        var value = UInt32(lead) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
        for offset in 1..<length { value = value << 6 | UInt32(input[index + offset] & 0x3F) }
        index += length
        return value
    }

    /// The packed fold of a Latin letter with diacritics (see `foldTable`); nil outside
    /// U+00C0–U+024F and U+1E00–U+1EFF.
    @inline(__always)
    private static func latinFold(_ value: UInt32, _ table: UnsafePointer<UInt32>) -> UInt32? {
        let entry = portal_fold_latin_index(value)
        return entry < 0 ? nil : table[Int(entry)]
    }

    /// Letters of other scripts, lower-cased as a run (Greek's final sigma depends on it).
    private static func flush(_ other: inout String.UnicodeScalarView, _ out: inout UnsafeMutablePointer<UInt8>) {
        guard !other.isEmpty else { return }
        for byte in String(other).lowercased().utf8 {
            out.pointee = byte
            out += 1
        }
        other = String.UnicodeScalarView()
    }

    private static func searchFold(utf8 input: UnsafeBufferPointer<UInt8>) -> String {
        // Written straight into the string's storage: ASCII and spaces byte for byte,
        // Latin letters into one to three, other letters lower-cased (at most three
        // times their bytes).
        String(unsafeUninitializedCapacity: input.count * 3 + 16) { buffer in
            let start = buffer.baseAddress!
            var out = start
            fold(input, into: &out)
            return out - start
        }
    }

    /// The folded text of `parts`, joined by spaces, as a JSON string literal: for the
    /// search index. Folded text never needs an escape (quotes, backslashes, `<`,
    /// controls and line separators all fold to spaces), so none is looked for.
    /// Appended to `out` (a search index entry, written as it is made).
    public static func appendSearchFoldJSON(_ parts: [String], to out: inout [UInt8]) {
        appendSearchFoldJSON(parts, then: nil, to: &out)
    }

    /// The same with a last part given as UTF-8 (valid: a Markdown text's plain text, which
    /// `MarkdownRenderer` checks).
    public static func appendSearchFoldJSON(_ parts: [String], then last: [UInt8]?, to out: inout [UInt8]) {
        let capacity = (parts.reduce(0) { $0 + $1.utf8.count + 1 } + (last?.count ?? 0) + 1) * 3 + 16
        // Folded into scratch memory (a fold may be three times its text), then copied
        // once into `out`, which keeps only what was written.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            let start = buffer.baseAddress!
            var end = start
            end.pointee = UInt8(ascii: "\""); end += 1
            for (index, part) in parts.enumerated() {
                if index > 0 { end.pointee = UInt8(ascii: " "); end += 1 }
                part.withUTF8Bytes { fold($0, into: &end) }
            }
            if let last {
                if !parts.isEmpty { end.pointee = UInt8(ascii: " "); end += 1 }
                last.withUnsafeBufferPointer { fold($0, into: &end) }
            }
            end.pointee = UInt8(ascii: "\""); end += 1
            out.append(contentsOf: UnsafeBufferPointer(start: start, count: end - start))
        }
    }

    /// Folds `input` into the bytes at `out` (room for three times its bytes and sixteen
    /// more), moving it on. ASCII and Latin letters (all the text of most pages) are
    /// folded by `portal_search_fold`, sixteen ASCII bytes at a time; it stops at a
    /// character of another script, a space or a sign, which is folded here.
    private static func fold(_ input: UnsafeBufferPointer<UInt8>, into out: inout UnsafeMutablePointer<UInt8>) {
        guard let base = input.baseAddress else { return }
        var other = String.UnicodeScalarView()
        let table = foldTable
        var index = 0
        while index < input.count {
            // Letters of other scripts are lower-cased as a run: while one is open, what
            // follows is read here, until something ends it.
            if other.isEmpty {
                out += portal_search_fold(base, input.count, &index, out, table)
                if index >= input.count { break }
            }
            // What C folds (ASCII, a Latin letter) ends an open run, and C then folds it.
            if input[index] < 0x80 {
                flush(&other, &out)
                continue
            }
            let start = index
            let value = scalar(input, at: &index)
            if (0x300...0x36F).contains(value) {
                continue  // a combining diacritic: dropped, the run left open
            } else if portal_fold_latin_index(value) >= 0 {
                flush(&other, &out)
                index = start
                continue
            }
            let scalar = Unicode.Scalar(value)!
            if scalar.properties.isWhitespace || scalar.properties.generalCategory.isPunctuationOrSymbol {
                flush(&other, &out)
                out.pointee = UInt8(ascii: " ")
                out += 1
            } else {
                other.append(scalar)
            }
        }
        flush(&other, &out)
    }
}


extension Unicode.GeneralCategory {
    var isPunctuationOrSymbol: Bool {
        switch self {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
             .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol,
             .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format:
            return true
        default:
            return false
        }
    }
}
