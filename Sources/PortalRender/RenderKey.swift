import CPortalSystem
import PortalCore

/// A 128-bit fingerprint of everything an HTML page is rendered from: the theme, the
/// interface strings, the portal binary, the template name and every value of the
/// context. Equal keys mean equal pages, so a rebuild can keep a page it already wrote.
public struct RenderKey: Hashable, Sendable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hexadecimal digits.
    public var description: String {
        var digits: [UInt8] = []
        digits.reserveCapacity(32)
        Self.appendHex(high, to: &digits)
        Self.appendHex(low, to: &digits)
        return String(decoding: digits, as: UTF8.self)
    }

    /// Appends `value` as 16 lowercase hexadecimal digits.
    public static func appendHex(_ value: UInt64, to bytes: inout [UInt8]) {
        // Written into sixteen bytes of the stack and appended at once: an append per
        // digit made the records' 21,000 lines a few milliseconds on one core at the end
        // of a build.
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            for index in 0..<16 {
                let digit = UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index)) & 0xF
                buffer[index] = digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") - 10 + digit
            }
            bytes.append(contentsOf: buffer)
        }
    }

    /// The key of a page: nil when the context holds a value the fingerprint does not
    /// know (such a page is always rendered).
    public static func of(_ input: SiteRenderer.HTMLInput, base: RenderKey) -> RenderKey? {
        var hasher = FingerprintHasher()
        hasher.add(base.high)
        hasher.add(base.low)
        hasher.add(input.template)
        // The root as one object, its own values and its language's shared values
        // together: as a context holding them all hashes (the entries' sum does not
        // depend on which dictionary holds them), the shared ones summed once a language.
        guard let own = FingerprintHasher.entrySums(input.context) else { return nil }
        var shared: (count: Int, high: UInt64, low: UInt64) = (0, 0, 0)
        if let context = input.shared {
            guard let sums = context.sums else { return nil }
            shared = sums
        }
        hasher.addObject(count: own.count + shared.count, high: own.high &+ shared.high, low: own.low &+ shared.low)
        return hasher.key
    }
}

extension SiteRenderer {
    /// A job's bytes and, for an HTML page, its key; the bytes are nil when `isCurrent`
    /// says the page of that key is already there, and then nothing is rendered.
    public func output(of job: OutputJob, base: RenderKey, isCurrent: (RenderKey) -> Bool) -> (bytes: [UInt8]?, key: RenderKey?) {
        guard let input = htmlInput(for: job) else { return (bytes(of: job), nil) }
        let key = RenderKey.of(input, base: base)
        if let key, isCurrent(key) { return (nil, key) }
        return (renderHTML(input), key)
    }

    /// What every page's key starts from: the templates, the interface strings of every
    /// language, and `binary` (what identifies the portal program itself).
    public func baseKey(binary: String) -> RenderKey {
        var hasher = FingerprintHasher()
        hasher.add(binary)
        for name in theme.sources.keys.sorted() {
            hasher.add(name)
            hasher.add(theme.sources[name]!)
        }
        for code in strings.keys.sorted() {
            let language = strings[code]!
            hasher.add(code)
            hasher.add(language.language.languageCode)
            for key in language.values.keys.sorted() {
                hasher.add(key)
                switch language.values[key]! {
                case .text(let text):
                    hasher.add(text)
                case .plural(let forms):
                    for category in PluralCategory.allCases { hasher.add(forms[category] ?? "\u{0}") }
                }
            }
        }
        return hasher.key
    }
}

/// Two independent 64-bit lanes (an FNV-style multiply, and a multiply–rotate mix) over
/// a canonical encoding of the values, eight bytes at a time: type tags, lengths, and
/// dictionary entries combined independently of their order.
public struct FingerprintHasher {
    private var a: UInt64 = 0xcbf2_9ce4_8422_2325
    private var b: UInt64 = 0x6a09_e667_f3bc_c908

    public init() {}

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33; x &*= 0xff51_afd7_ed55_8ccd
        x ^= x >> 33; x &*= 0xc4ce_b9fe_1a85_ec53
        x ^= x >> 33
        return x
    }

    public var key: RenderKey { RenderKey(high: Self.mix(a), low: Self.mix(b ^ (a >> 1))) }

    @inline(__always)
    public mutating func add(_ word: UInt64) {
        a = (a ^ word) &* 0x100_0000_01b3
        b = (b ^ word) &* 0x9e37_79b9_7f4a_7c15
        b = (b << 27) | (b >> 37)
    }

    @inline(__always)
    mutating func byte(_ value: UInt8) { add(UInt64(value)) }

    public mutating func add(_ text: String) {
        text.withUTF8Bytes { add(UnsafeRawBufferPointer($0)) }
    }

    /// From how many bytes a text is hashed with XXH3 (as the record of output files
    /// hashes files) and its 128 bits added, not its words one by one: a page's HTML is
    /// hashed several times faster.
    static let longText = 256

    private mutating func add(_ bytes: UnsafeRawBufferPointer) {
        add(UInt64(bytes.count) | 0x8000_0000_0000_0000)
        if bytes.count >= Self.longText {
            var high: UInt64 = 0, low: UInt64 = 0
            portal_hash128(bytes.baseAddress, UInt(bytes.count), &high, &low)
            add(high)
            add(low)
            return
        }
        var offset = 0
        while offset + 8 <= bytes.count {
            add(bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while offset < bytes.count {
            tail |= UInt64(bytes[offset]) << shift
            shift += 8
            offset += 1
        }
        add(tail)
    }

    /// Adds one entry of a dictionary: each entry is hashed on its own and the results
    /// summed, so the order of the entries does not matter and nothing is sorted.
    private static func entry(_ key: String, _ value: Any) -> (UInt64, UInt64)? {
        var hasher = FingerprintHasher()
        hasher.add(key)
        guard hasher.add(value: value) else { return nil }
        let key = hasher.key
        return (key.high, key.low)
    }

    /// An object's entries (a dictionary's, a page's values), each hashed on its own, and
    /// their sums; nil when a value is of a type the fingerprint does not know.
    static func entrySums<Object: Sequence>(_ object: Object) -> (count: Int, high: UInt64, low: UInt64)?
    where Object.Element == (key: String, value: Any) {
        var sum: (UInt64, UInt64) = (0, 0)
        var count = 0
        for (key, item) in object {
            guard let entry = entry(key, item) else { return nil }
            sum = (sum.0 &+ entry.0, sum.1 &+ entry.1)
            count += 1
        }
        return (count, sum.0, sum.1)
    }

    /// Adds a dictionary of `count` entries whose hashes sum to `high` and `low`.
    mutating func addObject(count: Int, high: UInt64, low: UInt64) {
        byte(UInt8(ascii: "m")); add(UInt64(count))
        add(high); add(low)
    }

    /// Adds a template value; false for a type it does not know. Types are compared
    /// exactly: casting one collection type to another would copy it.
    mutating func add(value: Any) -> Bool {
        switch ContextValueType(of: value) {
        case .string:
            byte(UInt8(ascii: "s")); add(ContextValueType.take(value, as: String.self))
        case .html:
            // As the same text would be.
            byte(UInt8(ascii: "s")); (ContextValueType.take(value, as: HTMLText.self)).bytes.withUnsafeBytes { add($0) }
        case .object:
            guard let sums = Self.entrySums(ContextValueType.take(value, as: [String: Any].self)) else { return false }
            addObject(count: sums.count, high: sums.high, low: sums.low)
        case .bool:
            byte(UInt8(ascii: "b")); byte(ContextValueType.take(value, as: Bool.self) ? 1 : 0)
        case .objects:
            return add(list: ContextValueType.take(value, as: [[String: Any]].self), tag: "l")
        case .list:
            return add(list: ContextValueType.take(value, as: [Any].self), tag: "a")
        case .stringObjects:
            return add(list: ContextValueType.take(value, as: [[String: String]].self), tag: "L")
        case .page:
            byte(UInt8(ascii: "P"))
            return ContextValueType.take(value, as: PageFields.self).fingerprint(into: &self)
        case .pages:
            let pages = ContextValueType.take(value, as: [PageFields].self)
            byte(UInt8(ascii: "p")); add(UInt64(pages.count))
            for page in pages { guard page.fingerprint(into: &self) else { return false } }
        case .links:
            let links = ContextValueType.take(value, as: [HreflangLink].self)
            byte(UInt8(ascii: "h")); add(UInt64(links.count))
            for link in links { add(link.hreflang); add(link.href) }
        case .switcher:
            let entries = ContextValueType.take(value, as: [SwitcherEntry].self)
            byte(UInt8(ascii: "w")); add(UInt64(entries.count))
            for entry in entries {
                add(entry.code); add(entry.name); add(entry.languageCode); add(entry.url)
                add((entry.current ? 2 : 0) | (entry.available ? 1 : 0))
            }
        case .strings:
            let strings = ContextValueType.take(value, as: [String: String].self)
            byte(UInt8(ascii: "t")); add(UInt64(strings.count))
            var sum: (UInt64, UInt64) = (0, 0)
            for (key, text) in strings {
                var hasher = FingerprintHasher()
                hasher.add(key); hasher.add(text)
                let entry = hasher.key
                sum = (sum.0 &+ entry.high, sum.1 &+ entry.low)
            }
            add(sum.0); add(sum.1)
        case .texts:
            let texts = ContextValueType.take(value, as: [String].self)
            byte(UInt8(ascii: "x")); add(UInt64(texts.count))
            for text in texts { add(text) }
        case .int:
            byte(UInt8(ascii: "i")); add(UInt64(bitPattern: Int64(ContextValueType.take(value, as: Int.self))))
        case .double:
            byte(UInt8(ascii: "d")); add((ContextValueType.take(value, as: Double.self)).bitPattern)
        case .shared:
            guard let key = (ContextValueType.take(value, as: SharedValue.self)).key else { return false }
            byte(UInt8(ascii: "S")); add(key.high); add(key.low)
        case .number:
            // Its plural strings are part of the base key (all interface strings).
            let number = value as! LocalizedNumber
            byte(UInt8(ascii: "n")); add(UInt64(bitPattern: Int64(number.value))); add(number.strings.language.code)
        case .other:
            return false
        }
        return true
    }

    private mutating func add<Item>(list: [Item], tag: Unicode.Scalar) -> Bool {
        byte(UInt8(ascii: tag)); add(UInt64(list.count))
        for item in list { guard add(value: item) else { return false } }
        return true
    }

}
