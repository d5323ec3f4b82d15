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
        let type = ObjectIdentifier(Swift.type(of: value))
        if type == string { return TemplateText(text: value as! String) }
        if type == object { return TemplateObject(values: value as! [String: Any]) }
        if type == strings { return TemplateStrings(values: value as! [String: String]) }
        if type == objects { return (value as! [[String: Any]]).map(TemplateObject.init(values:)) }
        if type == stringObjects { return (value as! [[String: String]]).map(TemplateStrings.init(values:)) }
        if type == texts { return (value as! [String]).map(TemplateText.init(text:)) }
        if type == list { return (value as! [Any]).map(wrap) }
        if type == shared { return (value as! SharedValue).wrapped }
        return value
    }

    private static let string = ObjectIdentifier(String.self)
    private static let object = ObjectIdentifier([String: Any].self)
    private static let strings = ObjectIdentifier([String: String].self)
    private static let objects = ObjectIdentifier([[String: Any]].self)
    private static let stringObjects = ObjectIdentifier([[String: String]].self)
    private static let texts = ObjectIdentifier([String].self)
    private static let list = ObjectIdentifier([Any].self)
    private static let shared = ObjectIdentifier(SharedValue.self)
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
