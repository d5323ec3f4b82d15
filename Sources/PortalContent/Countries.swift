import Foundation

/// ISO 3166-1 country codes and their names in a language, from the ICU data Foundation carries.
public enum Countries {
    static let codes: Set<String> = Set(
        Locale.Region.isoRegions.map(\.identifier).filter { $0.count == 2 && $0.allSatisfy { $0.isASCII && $0.isLetter } }
    )

    public static func isKnown(_ code: String) -> Bool { codes.contains(code) }

    /// The country's name in `languageCode` (`pl-PL`), or the code when ICU has none.
    public static func name(_ code: String, languageCode: String) -> String {
        Locale(identifier: languageCode).localizedString(forRegionCode: code) ?? code
    }
}
