import Mustache

/// Mustache's HTML escaping (`<`, `>`, `&`, `"`, `'`), done on UTF-8 bytes instead of
/// Characters. Registered as the `HTML` content type, so templates escape exactly as
/// before, only faster; `Theme` makes it the content type of every template.
struct FastHTMLContentType: MustacheContentType {
    /// `<`, `>`, `&`, `"` and `'` escaped, nothing dropped: what Mustache does.
    func escapeText(_ text: String) -> String { HTMLEscaping.escape(text) }
}

enum HTMLEscaping {
    /// `<`, `>`, `&`, `"` and `'` escaped, nothing dropped: what Mustache does.
    static func escape(_ text: String) -> String { XML.escape(text, apostrophe: true, dropControls: false) }

    /// A value as a `{{name}}` (escaped) or `{{{name}}}` tag prints it.
    static func text(_ value: String, escaped: Bool) -> String { escaped ? escape(value) : value }

    /// The same, appended to `html` as UTF-8 (what the build writes pages into).
    static func write(_ value: String, escaped: Bool, into html: inout [UInt8]) {
        guard escaped else {
            html.append(contentsOf: value.utf8)
            return
        }
        value.withUTF8Bytes { XML.escape($0, apostrophe: true, dropControls: false, into: &html) }
    }

    /// UTF-8 text, the same way.
    static func write(_ value: [UInt8], escaped: Bool, into html: inout [UInt8]) {
        guard escaped else {
            html.append(contentsOf: value)
            return
        }
        value.withUnsafeBufferPointer { XML.escape($0, apostrophe: true, dropControls: false, into: &html) }
    }

    /// Registers the content type once per process.
    static let registered: Void = { MustacheContentTypes.register(FastHTMLContentType(), named: "HTML") }()

    /// The first line of every template as parsed: selects the content type above.
    /// It stands alone on its line, so Mustache drops it with its newline.
    static let pragma = "{{% CONTENT_TYPE: HTML}}\n"
}
