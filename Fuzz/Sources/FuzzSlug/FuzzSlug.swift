import PortalCore

/// Transliteration and search folding: output is ASCII (slugs) and never grows a dash
/// at either end; plural rules accept any number text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let slug = Slug.make(text)
    precondition(slug.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
    precondition(!slug.hasPrefix("-") && !slug.hasSuffix("-") && !slug.contains("--"))
    _ = Slug.searchFold(text)
    if let operands = PluralOperands(text) {
        for language in ["en", "pl", "sl", "ro", "hr", "lv", "ga", "mt"] { _ = PluralRules.category(for: language, operands) }
    }
    return 0
}

