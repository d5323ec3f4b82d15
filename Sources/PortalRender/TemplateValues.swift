import Foundation
import Mustache
import PortalContent
import PortalCore

/// Interface strings of one language, merged from the theme and `_language.yaml`.
public struct LanguageStrings: Sendable {
    public var language: Language
    public var values: [String: InterfaceString]
    public var format: LocaleFormat

    /// `{count}` replaced by the localized number.
    public func plural(_ key: String, _ count: Int) -> String? {
        guard case .plural(let forms)? = values[key] else {
            if case .text(let text)? = values[key] { return text.replacingOccurrences(of: "{count}", with: format.number(count)) }
            return nil
        }
        let category = PluralRules.category(for: language.code, count)
        let form = forms[category] ?? forms[.other] ?? ""
        return form.replacingOccurrences(of: "{count}", with: format.number(count))
    }

    public func text(_ key: String) -> String {
        switch values[key] {
        case .text(let text)?: return text
        case .plural(let forms)?: return forms[.other] ?? ""
        case nil: return ""
        }
    }

    /// The `t` object of templates: every string as text.
    var templateObject: [String: String] {
        var object: [String: String] = [:]
        for (key, value) in values {
            switch value {
            case .text(let text): object[key] = text
            case .plural(let forms): object[key] = forms[.other] ?? ""
            }
        }
        return object
    }
}

/// A number in a template: `{{n}}` prints it the language's way ("804 237"),
/// `{{n.plural.cityCount}}` prints the plural string `cityCount` for it ("112 miast").
struct LocalizedNumber: MustacheParent, MustacheCustomRenderable {
    let value: Int
    let strings: LanguageStrings

    var renderText: String { strings.format.number(value) }
    var isNull: Bool { false }

    func child(named name: String) -> Any? {
        switch name {
        case "plural": return PluralLookup(value: value, strings: strings)
        case "value": return value
        case "isZero": return value == 0
        case "isOne": return value == 1
        default: return nil
        }
    }
}

struct PluralLookup: MustacheParent {
    let value: Int
    let strings: LanguageStrings
    func child(named name: String) -> Any? { strings.plural(name, value) }
}

extension DataValue {
    /// The value for templates in `language`: a map whose keys are all language codes
    /// is replaced by its text in that language (or the default language's).
    func templateValue(language: String, defaultLanguage: String, languageCodes: Set<String>) -> Any {
        switch self {
        case .string(let text): return text
        case .int(let number): return number
        case .double(let number): return number
        case .bool(let flag): return flag
        case .list(let items):
            return items.map { $0.templateValue(language: language, defaultLanguage: defaultLanguage, languageCodes: languageCodes) }
        case .map(let keys, let values):
            if !keys.isEmpty, keys.allSatisfy({ languageCodes.contains($0.lowercased()) }) {
                let chosen = values[language] ?? values[defaultLanguage] ?? values[keys[0]]!
                return chosen.templateValue(language: language, defaultLanguage: defaultLanguage, languageCodes: languageCodes)
            }
            var object: [String: Any] = [:]
            for key in keys {
                object[key] = values[key]!.templateValue(language: language, defaultLanguage: defaultLanguage, languageCodes: languageCodes)
            }
            return object
        }
    }
}

enum HTML {
    static func escape(_ text: String) -> String { XML.escape(text, apostrophe: true) }
}
