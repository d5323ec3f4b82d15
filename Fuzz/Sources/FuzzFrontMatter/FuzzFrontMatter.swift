import PortalContent

/// Any bytes: decoded (BOM, CRLF, invalid UTF-8) and split into front matter and body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let text = try? SourceText.decode(bytes, display: "fuzz.md") else { return 0 }
    if let split = try? FrontMatter.split(text, file: "fuzz.md") {
        precondition(split.bodyLine >= 1)
        if let yaml = split.yaml { _ = try? YAMLDocument.parse(yaml, file: "fuzz.md", lineOffset: split.yamlLine - 1) }
    }
    return 0
}

