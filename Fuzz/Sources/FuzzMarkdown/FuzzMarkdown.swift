import CPortalSystem
@_spi(Checks) import PortalMarkdown

/// Any text through the cmark-gfm wrapper, safe and unsafe: heading ids are unique, in
/// safe mode no raw HTML tag reaches the output, attaching only the extensions a
/// document needs renders it as attaching them all does, and HTML and text are UTF-8; and
/// the UTF-8 check (which tells when cmark-gfm's bytes need repair) agrees with Swift's
/// on the input's bytes.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    precondition((portal_utf8_valid(data, UInt(size)) == 1) == (String(validating: UnsafeBufferPointer(start: data, count: size), as: UTF8.self) != nil))
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let safe = MarkdownRenderer(unsafeHTML: false).render(text)
    precondition(Set(safe.headingIDs).count == safe.headingIDs.count)
    precondition(!safe.html.contains("<script"))
    var every = MarkdownRenderer(unsafeHTML: false)
    every.attachingEveryExtension = true
    precondition(every.render(text) == safe)
    let unsafe = MarkdownRenderer(unsafeHTML: true).render(text)
    every.unsafeHTML = true
    precondition(every.render(text) == unsafe)
    // Pages and the search index take the bytes as they are: they must be UTF-8.
    for rendered in [safe, unsafe] {
        precondition(String(validating: rendered.htmlBytes, as: UTF8.self) != nil)
        precondition(String(validating: rendered.plainTextBytes, as: UTF8.self) != nil)
    }
    return 0
}

