import PortalContent
import PortalCore

/// Any text through the YAML loader, then as the loaders read it: data values and
/// interface strings.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let node = try? YAMLDocument.parse(text, file: "fuzz.yaml") else { return 0 }
    _ = DataValue(node)
    var diagnostics = DiagnosticList()
    if node.mapping != nil { _ = SiteLoader.parseStrings(node, file: "fuzz.yaml", diagnostics: &diagnostics) }
    return 0
}

