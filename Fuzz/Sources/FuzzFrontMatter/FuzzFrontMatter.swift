import PortalContent

/// Any bytes: decoded (BOM, CRLF, invalid UTF-8) and split into front matter and body.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let checked = try? SourceText.checked(bytes, display: "fuzz.md") else { return 0 }
    // The bytes the C library found to be UTF-8 are what Swift finds them to be.
    precondition(String(validating: checked, as: UTF8.self) != nil)
    if let split = try? FrontMatter.split(checked, file: "fuzz.md") {
        precondition(split.bodyLine >= 1)
        // The same split from the text as a string.
        let fromText = try? FrontMatter.split(String(decoding: checked, as: UTF8.self), file: "fuzz.md")
        precondition(fromText?.yaml == split.yaml && fromText?.body == split.body && fromText?.bodyLine == split.bodyLine)
        if let yaml = split.yaml { _ = try? YAMLDocument.parse(yaml, file: "fuzz.md", lineOffset: split.yamlLine - 1) }
    }
    return 0
}

