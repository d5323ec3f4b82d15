/// CLDR plural categories.
public enum PluralCategory: String, Sendable, CaseIterable, Hashable {
    case zero, one, two, few, many, other
}

/// CLDR plural operands of a decimal number written as text (`"1.50"` keeps v = 2).
public struct PluralOperands: Sendable, Hashable {
    /// absolute value
    public var n: Double
    /// integer digits
    public var i: Int
    /// number of visible fraction digits (with trailing zeros)
    public var v: Int
    /// visible fraction digits as an integer (with trailing zeros)
    public var f: Int
    /// visible fraction digits without trailing zeros
    public var t: Int

    public init(_ integer: Int) {
        let magnitude = integer.magnitude
        n = Double(magnitude)
        i = Int(magnitude)
        v = 0; f = 0; t = 0
    }

    /// Parses `"12"`, `"-1.50"`; nil for anything else.
    public init?(_ text: String) {
        var body = Substring(text)
        if body.hasPrefix("-") { body = body.dropFirst() }
        let parts = body.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let integerPart = Int(parts[0]) else { return nil }
        i = integerPart
        if parts.count == 2 {
            let fraction = parts[1]
            guard !fraction.isEmpty, fraction.allSatisfy(\.isASCII), let fractionValue = Int(fraction) else { return nil }
            v = fraction.count
            f = fractionValue
            var trimmed = fraction
            while trimmed.hasSuffix("0") { trimmed = trimmed.dropLast() }
            t = Int(trimmed) ?? 0
        } else {
            v = 0; f = 0; t = 0
        }
        n = Double(String(body)) ?? Double(i)
    }

    var isInteger: Bool { v == 0 || f == 0 }
}

/// CLDR cardinal plural rules (CLDR 44) for the languages of the European Union and
/// its neighbours; any other language gets `one` for 1 and `other` for the rest.
public enum PluralRules {
    /// The categories a language distinguishes, in CLDR order.
    public static func categories(for language: String) -> [PluralCategory] {
        switch baseLanguage(language) {
        case "pl", "ru", "uk", "be": return [.one, .few, .many, .other]
        case "cs", "sk", "lt": return [.one, .few, .many, .other]
        case "sl": return [.one, .two, .few, .other]
        case "ro", "hr", "sr", "bs", "mo": return [.one, .few, .other]
        case "lv": return [.zero, .one, .other]
        case "ga": return [.one, .two, .few, .many, .other]
        case "mt": return [.one, .two, .few, .many, .other]
        case "ja", "zh", "ko", "vi", "th", "id", "ms": return [.other]
        default: return [.one, .other]
        }
    }

    public static func category(for language: String, _ number: Int) -> PluralCategory {
        category(for: language, PluralOperands(number))
    }

    public static func category(for language: String, _ o: PluralOperands) -> PluralCategory {
        let n = o.n, i = o.i, v = o.v, f = o.f
        let integral = n == n.rounded()
        func nIn(_ range: ClosedRange<Int>) -> Bool { integral && range.contains(Int(n)) }
        func nMod(_ m: Int, in range: ClosedRange<Int>) -> Bool { integral && range.contains(Int(n) % m) }

        switch baseLanguage(language) {
        case "pl":
            if i == 1 && v == 0 { return .one }
            if v == 0 && (2...4).contains(i % 10) && !(12...14).contains(i % 100) { return .few }
            if v == 0 && (i != 1 && (0...1).contains(i % 10) || (5...9).contains(i % 10) || (12...14).contains(i % 100)) { return .many }
            return .other
        case "ru", "uk", "be":
            if v == 0 && i % 10 == 1 && i % 100 != 11 { return .one }
            if v == 0 && (2...4).contains(i % 10) && !(12...14).contains(i % 100) { return .few }
            if v == 0 && (i % 10 == 0 || (5...9).contains(i % 10) || (11...14).contains(i % 100)) { return .many }
            return .other
        case "cs", "sk":
            if i == 1 && v == 0 { return .one }
            if (2...4).contains(i) && v == 0 { return .few }
            if v != 0 { return .many }
            return .other
        case "sl":
            if v == 0 && i % 100 == 1 { return .one }
            if v == 0 && i % 100 == 2 { return .two }
            if v == 0 && (3...4).contains(i % 100) || v != 0 { return .few }
            return .other
        case "ro", "mo":
            if i == 1 && v == 0 { return .one }
            if v != 0 || n == 0 || (n != 1 && nMod(100, in: 1...19)) { return .few }
            return .other
        case "hr", "sr", "bs":
            if v == 0 && i % 10 == 1 && i % 100 != 11 || f % 10 == 1 && f % 100 != 11 { return .one }
            if v == 0 && (2...4).contains(i % 10) && !(12...14).contains(i % 100)
                || (2...4).contains(f % 10) && !(12...14).contains(f % 100) { return .few }
            return .other
        case "lt":
            if nMod(10, in: 1...1) && !nMod(100, in: 11...19) { return .one }
            if nMod(10, in: 2...9) && !nMod(100, in: 11...19) { return .few }
            if f != 0 { return .many }
            return .other
        case "lv":
            if nMod(10, in: 0...0) || nMod(100, in: 11...19) || v == 2 && (11...19).contains(f % 100) { return .zero }
            if nMod(10, in: 1...1) && !nMod(100, in: 11...11) || v == 2 && f % 10 == 1 && f % 100 != 11 || v != 2 && f % 10 == 1 { return .one }
            return .other
        case "ga":
            if n == 1 { return .one }
            if n == 2 { return .two }
            if nIn(3...6) { return .few }
            if nIn(7...10) { return .many }
            return .other
        case "mt":
            if n == 1 { return .one }
            if n == 2 { return .two }
            if n == 0 || nMod(100, in: 3...10) { return .few }
            if nMod(100, in: 11...19) { return .many }
            return .other
        case "fr":
            return (i == 0 || i == 1) ? .one : .other
        case "pt":
            return (0...1).contains(i) ? .one : .other
        case "da":
            return (n == 1 || (o.t != 0 && (i == 0 || i == 1))) ? .one : .other
        case "is":
            return (o.t == 0 && i % 10 == 1 && i % 100 != 11 || o.t != 0) ? .one : .other
        case "ja", "zh", "ko", "vi", "th", "id", "ms":
            return .other
        case "es", "it", "el", "bg", "hu", "tr", "sq", "ka", "hy", "az", "eu", "gl", "ca":
            return n == 1 || (i == 1 && v == 0) ? .one : .other
        default:
            // en, de, nl, sv, fi, et and the sane default for any other language.
            return i == 1 && v == 0 ? .one : .other
        }
    }

    /// `pt-BR` → `pt`.
    public static func baseLanguage(_ code: String) -> String {
        let lower = code.lowercased()
        if let dash = lower.firstIndex(where: { $0 == "-" || $0 == "_" }) { return String(lower[..<dash]) }
        return lower
    }
}
