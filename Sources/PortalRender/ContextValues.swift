import PortalCore

/// Values by name at the top of a page: the page's own (a context), or its language's
/// shared ones. The values in the order they came, and a small open-addressed table of
/// their places, whose slot for a name is found from the name's length and its first
/// and last bytes: a page's context gets some ten values and is read some thirty times,
/// where a dictionary hashed each name with SipHash (some 300 instructions a lookup or
/// an insertion). A name is found where its slot's name is the same string (for a short
/// name, the same two words), or else by probing the slots after.
public struct ContextValues: Sequence {
    private var names: ContiguousArray<String> = []
    private var values: ContiguousArray<Any> = []
    /// Per slot, the place of its value in `values`, or -1 where it is free.
    private var slots: ContiguousArray<Int32> = []
    /// Whether a name that is not ASCII was ever set.
    private var nonASCIINames = false

    /// Room for `capacity` values before the table grows (none: no memory until a value comes).
    public init(capacity: Int = 0) {
        guard capacity > 0 else { return }
        names.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        slots = ContiguousArray(repeating: -1, count: Self.slotCount(for: capacity))
    }

    public init(_ dictionary: [String: Any]) {
        self.init(capacity: dictionary.count)
        for (name, value) in dictionary { self[name] = value }
    }

    /// Slots for `count` values: a power of two, at most three quarters full.
    private static func slotCount(for count: Int) -> Int {
        var size = 8
        while size * 3 < count * 4 { size *= 2 }
        return size
    }

    public var count: Int { names.count }
    public var isEmpty: Bool { names.isEmpty }

    /// The same values as a dictionary.
    public var dictionary: [String: Any] {
        var dictionary = [String: Any](minimumCapacity: count)
        for (name, value) in self { dictionary[name] = value }
        return dictionary
    }

    /// The slot a name's probe starts from.
    @inline(__always)
    private static func start(_ name: String, mask: Int) -> Int {
        name.withUTF8Bytes { bytes in
            guard let first = bytes.first else { return 0 }
            let hash = bytes.count &* 0x9E37_79B9 &+ Int(first) &* 0x85EB_CA6B &+ Int(bytes[bytes.count - 1]) &* 0xC2B2_AE35
            return (hash ^ (hash >> 15)) & mask
        }
    }

    private static func isASCII(_ name: String) -> Bool {
        name.withUTF8Bytes { bytes in
            var any: UInt8 = 0
            for byte in bytes { any |= byte }
            return any < 0x80
        }
    }

    /// The place of `name`'s value (-1 for none), the free slot where the probe for it
    /// ended, and whether it is the first name held that is not ASCII (asked only when
    /// no such name is held yet, and only of a name the probe did not find). Names are
    /// equal as strings are: canonically equivalent texts are the same name ("é" written
    /// as one character or as "e" and an accent; "K" and the Kelvin sign), though their
    /// bytes, and so their first slots, differ. Two ASCII names are equal only with the
    /// same bytes; where either is not ASCII, the names are compared one by one (names in
    /// templates and contexts are ASCII, as a rule).
    @inline(__always)
    private func find(_ name: String) -> (place: Int, free: Int, firstNonASCII: Bool) {
        let mask = slots.count - 1
        var index = Self.start(name, mask: mask)
        while case let place = Int(slots[index]), place >= 0 {
            if names[place] == name { return (place, index, false) }
            index = (index + 1) & mask
        }
        let firstNonASCII = !nonASCIINames && !Self.isASCII(name)
        if nonASCIINames || firstNonASCII, let place = names.firstIndex(of: name) { return (place, index, false) }
        return (-1, index, firstNonASCII)
    }

    public subscript(name: String) -> Any? {
        get {
            guard !names.isEmpty else { return nil }
            let place = find(name).place
            return place < 0 ? nil : values[place]
        }
        set {
            switch consume newValue {
            case .some(let value): set(name, value)
            case .none: remove(name)
            }
        }
    }

    /// `value` under `name`, in place of the value it had.
    public mutating func set(_ name: String, _ value: consuming Any) {
        let (place, free, firstNonASCII) = slots.isEmpty ? (-1, -1, !Self.isASCII(name)) : find(name)
        if place >= 0 {
            values[place] = value
            return
        }
        names.append(name)
        values.append(value)
        if firstNonASCII { nonASCIINames = true }
        if free >= 0 && names.count * 4 <= slots.count * 3 {
            slots[free] = Int32(names.count - 1)
        } else {
            placeAll()
        }
    }

    /// No value under `name` (seldom: the others are placed again, in their order).
    public mutating func remove(_ name: String) {
        guard !slots.isEmpty, find(name).place >= 0 else { return }
        var kept = ContextValues(capacity: count - 1)
        for (other, value) in self where other != name { kept.set(other, value) }
        self = kept
    }

    /// Every value's place put in slots enough for them.
    private mutating func placeAll() {
        slots = ContiguousArray(repeating: -1, count: Self.slotCount(for: names.count))
        let mask = slots.count - 1
        for (place, name) in names.enumerated() {
            var index = Self.start(name, mask: mask)
            while slots[index] >= 0 { index = (index + 1) & mask }
            slots[index] = Int32(place)
        }
    }

    public struct Iterator: IteratorProtocol {
        fileprivate let table: ContextValues
        fileprivate var index = 0

        /// Labelled as a dictionary's entries are.
        public mutating func next() -> (key: String, value: Any)? {
            guard index < table.names.count else { return nil }
            defer { index += 1 }
            return (table.names[index], table.values[index])
        }
    }

    /// The values in the order they came.
    public func makeIterator() -> Iterator { Iterator(table: self) }
}
