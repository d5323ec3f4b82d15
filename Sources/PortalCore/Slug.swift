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

    /// Folds one character to lower-case ASCII letters or digits, or nil when it is
    /// none of those (punctuation, spaces, letters of other scripts).
    @inline(__always)
    static func fold(_ character: Character) -> String? {
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

    /// `Łódź Transport Plan` → `lodz-transport-plan`.
    public static func make(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingDash = false
        for character in text {
            if let folded = fold(character) {
                if pendingDash && !out.isEmpty { out.append("-") }
                pendingDash = false
                out.append(folded)
            } else {
                pendingDash = true
            }
        }
        return out
    }

    /// Lower-case ASCII with diacritics removed but other characters kept, for search.
    public static func searchFold(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            if let folded = fold(character) { out.append(folded) }
            else if character.isWhitespace || character.isPunctuation || character.isSymbol { out.append(" ") }
            else { out.append(contentsOf: character.lowercased()) }
        }
        return out
    }
}

