import Mustache

/// Context values in the forms swift-mustache reads with the fewest dynamic casts.
///
/// For every name in a template, swift-mustache asks each object on its stack, through
/// protocol casts, whether it is a custom representation, a parent or a lambda, and then
/// prints the value with `String(describing:)`. A dictionary answers as a parent only
/// through a conditional conformance, and a string is printed through the standard
/// library's printing machinery; a plain struct answers both directly. Measured: a
/// lookup costs about a quarter less.
///
/// The page's values stay ordinary dictionaries, lists and strings (the render cache
/// and the partial memo fingerprint those); they are wrapped as they are looked up, a
/// dictionary or a string in constant time, a list once per section that walks it.
/// What a template sees is unchanged: the same text for every value, the same
/// sections, and the same transforms (`uppercased(title)`, `count(list)`).
enum TemplateValue {
    static func wrap(_ value: Any) -> Any {
        switch ContextValueType(of: value) {
        case .string: return TemplateText(text: ContextValueType.take(value, as: String.self))
        case .html: return TemplateText(text: (ContextValueType.take(value, as: HTMLText.self)).text)
        case .object: return TemplateObject(values: ContextValueType.take(value, as: [String: Any].self))
        case .strings: return TemplateStrings(values: ContextValueType.take(value, as: [String: String].self))
        case .objects: return (ContextValueType.take(value, as: [[String: Any]].self)).map(TemplateObject.init(values:))
        case .stringObjects: return (ContextValueType.take(value, as: [[String: String]].self)).map(TemplateStrings.init(values:))
        case .switcher: return (ContextValueType.take(value, as: [SwitcherEntry].self)).map { TemplateObject(values: $0.object) }
        case .page: return TemplateObject(values: ContextValueType.take(value, as: PageFields.self).object)
        case .links: return (ContextValueType.take(value, as: [HreflangLink].self)).map { TemplateObject(values: $0.object) }
        case .pages: return (ContextValueType.take(value, as: [PageFields].self)).map { TemplateObject(values: $0.object) }
        case .texts: return (ContextValueType.take(value, as: [String].self)).map(TemplateText.init(text:))
        case .list: return (ContextValueType.take(value, as: [Any].self)).map(wrap)
        case .shared:
            let shared = ContextValueType.take(value, as: SharedValue.self)
            return shared.wrapped ?? wrap(shared.value)
        case .bool, .int, .double, .number, .other: return value
        }
    }
}

/// The types a template context is built of, told apart by their exact type (a cast
/// from one collection type to another would copy it): what the fingerprint hashes
/// and what `TemplateValue` wraps.
enum ContextValueType {
    case string, bool, int, double, object, objects, list, strings, texts, stringObjects, switcher, links, page, pages, number, shared, html, other

    /// Compared one by one, commonest first: cheaper than hashing on every lookup. The
    /// types are written here, not kept in static constants (each read of which goes
    /// through the runtime's once-only initialization check).
    init(of value: borrowing Any) {
        // The type is the last word of the existential's fixed layout (see `take`): read
        // from there instead of asking the runtime, unless it says `Any` (an `Any` boxed
        // inside an `Any` by generic code), which the runtime opens.
        let stored = Self.storedType(value)
        let type = stored == UInt(bitPattern: ObjectIdentifier(Any.self)) ? ObjectIdentifier(Swift.type(of: value)) : ObjectIdentifier(unsafeBitCast(stored, to: Any.Type.self))
        if type == ObjectIdentifier(String.self) { self = .string }
        else if type == ObjectIdentifier(SharedValue.self) { self = .shared }
        else if type == ObjectIdentifier(Bool.self) { self = .bool }
        else if type == ObjectIdentifier(PageFields.self) { self = .page }
        // Generic types: their metadata is looked up (in a cache), so they come after.
        else if type == ObjectIdentifier([String: Any].self) { self = .object }
        else if type == ObjectIdentifier([[String: Any]].self) { self = .objects }
        else if type == ObjectIdentifier([SwitcherEntry].self) { self = .switcher }
        else if type == ObjectIdentifier([PageFields].self) { self = .pages }
        else if type == ObjectIdentifier([HreflangLink].self) { self = .links }
        else if type == ObjectIdentifier([String: String].self) { self = .strings }
        else if type == ObjectIdentifier([Any].self) { self = .list }
        else if type == ObjectIdentifier([String].self) { self = .texts }
        else if type == ObjectIdentifier([[String: String]].self) { self = .stringObjects }
        else if type == ObjectIdentifier(HTMLText.self) { self = .html }
        else if type == ObjectIdentifier(Int.self) { self = .int }
        else if type == ObjectIdentifier(Double.self) { self = .double }
        else if type == ObjectIdentifier(LocalizedNumber.self) { self = .number }
        else { self = .other }
    }

    /// `value` as `T`, the exact type `init(of:)` found it to be, without the runtime's
    /// dynamic cast (a search through the type's conformances and casting rules, about a
    /// tenth of what a lookup in the page writer cost). Swift keeps a value of at most
    /// three words in the `Any` itself, followed by its type (the existential's fixed
    /// layout): when that type is `T`, the value is read from there. Anything else, a
    /// larger value or an `Any` inside an `Any` (a generic item of an `[Any]`), is cast.
    @inline(__always)
    static func take<T>(_ value: borrowing Any, as type: T.Type) -> T {
        if MemoryLayout<T>.size <= 3 * MemoryLayout<Int>.size, MemoryLayout<T>.alignment <= MemoryLayout<Int>.alignment {
            if storedType(value) == UInt(bitPattern: ObjectIdentifier(T.self)) {
                return withUnsafePointer(to: value) { UnsafeRawPointer($0).load(as: T.self) }
            }
        }
        return copy value as! T
    }

    /// The type word of an `Any`: the fourth word of its fixed layout, after three words
    /// of inline value.
    @inline(__always)
    private static func storedType(_ value: borrowing Any) -> UInt {
        withUnsafePointer(to: value) { UnsafeRawPointer($0).load(fromByteOffset: 3 * MemoryLayout<Int>.size, as: UInt.self) }
    }

}

/// HTML the build made (a page's Markdown as HTML), kept as the UTF-8 bytes cmark-gfm
/// wrote: the build writes them into pages as they are. To templates it is text like
/// any other (`{{{page.content}}}`), and it is fingerprinted as that text is.
struct HTMLText: CustomDebugStringConvertible {
    let bytes: [UInt8]
    var text: String { String(decoding: bytes, as: UTF8.self) }
    /// Printed in a dictionary as the text would be.
    var debugDescription: String { text.debugDescription }
}

/// A string: printed as itself, with a string's transforms; it has no children (as a
/// string has none for Mustache).
struct TemplateText: MustacheCustomRenderable, MustacheParent, MustacheTransformable, Comparable {
    let text: String
    var renderText: String { text }
    var isNull: Bool { false }
    func child(named name: String) -> Any? { nil }
    func transform(_ name: String) -> Any? { text.transform(name) }
    static func < (left: TemplateText, right: TemplateText) -> Bool { left.text < right.text }
}

/// A dictionary of values: its entries as children, printed as the dictionary would be.
struct TemplateObject: MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let values: [String: Any]
    func child(named name: String) -> Any? { values[name].map(TemplateValue.wrap) }
    var renderText: String { String(describing: values) }
    var isNull: Bool { false }
    func transform(_ name: String) -> Any? { values.transform(name) }
}

/// A dictionary of strings (interface strings, asset URLs).
struct TemplateStrings: MustacheParent, MustacheCustomRenderable, MustacheTransformable {
    let values: [String: String]
    func child(named name: String) -> Any? { values[name].map(TemplateText.init(text:)) }
    var renderText: String { String(describing: values) }
    var isNull: Bool { false }
    func transform(_ name: String) -> Any? { values.transform(name) }
}

/// A context value that every page of a language shares (`site`, `t`, `data` …): built
/// once per language, and fingerprinted once, not on every page that shows it.
final class SharedValue: @unchecked Sendable {
    /// The value as built; never changed.
    let value: Any
    /// The value as templates read it (see `TemplateValue`), made once; nil for a value
    /// of one page, wrapped when Mustache asks for it (the build writes it without).
    let wrapped: Any?
    /// Its fingerprint; nil when it holds a type the fingerprint does not know.
    let key: RenderKey?
    /// Built once for many pages (not a value of one page).
    let isShared: Bool

    init(_ value: Any) {
        self.value = value
        self.wrapped = TemplateValue.wrap(value)
        var hasher = FingerprintHasher()
        key = hasher.add(value: value) ? hasher.key : nil
        isShared = true
    }

    /// A value of one page whose fingerprint is `key`: a fingerprint of what the value is
    /// made from, which its maker computes for less than the value's own would cost.
    init(_ value: Any, key: RenderKey) {
        self.value = value
        self.wrapped = nil
        self.key = key
        isShared = false
    }
}
