// The parse-and-render floor of the benchmark: cmark-gfm called from Swift on every
// Markdown file of a content folder, on every core, with the GFM extensions the portal
// attaches to each document (those its characters can start:
// MarkdownRenderer.extensionsNeeded) and footnotes where it turns them on
// (MarkdownRenderer.footnotesNeeded), and nothing else: no front matter, no templates,
// no writes. The files are read before the clock starts. Prints the wall time of the
// fastest of the runs asked for, in seconds, and what was rendered. With
// --every-extension, all five extensions and footnotes on for every document (the same
// HTML on the benchmark's corpus, which has no caret, more work); with --without-extensions, CommonMark with footnotes on and no
// extension: less work, and other HTML (the corpus' tables and strikethrough are not
// rendered as the portal renders them), for comparison only.
//
// usage: cmark-floor CONTENT_FOLDER [RUNS] [--every-extension | --without-extensions]
import CCmarkGFM
import CPortalSystem
import Dispatch
import Foundation
import PortalContent
import PortalCore
import PortalMarkdown

let withoutExtensions = CommandLine.arguments.contains("--without-extensions")
let everyExtension = CommandLine.arguments.contains("--every-extension")
let arguments = CommandLine.arguments.filter { $0 != "--without-extensions" && $0 != "--every-extension" }
guard arguments.count >= 2, !(withoutExtensions && everyExtension) else {
    FileHandle.standardError.write("usage: cmark-floor CONTENT_FOLDER [RUNS] [--every-extension | --without-extensions]\n".data(using: .utf8)!)
    exit(2)
}
let runs = arguments.count > 2 ? max(1, Int(arguments[2]) ?? 1) : 1

// The Markdown bodies of the folder's pages, read and split from their front matter as
// the portal reads them.
let documents: [[CChar]] = FileSystem.walk(arguments[1]).files.filter { $0.hasSuffix(".md") }.compactMap { relative in
    let path = arguments[1] + "/" + relative
    guard let bytes = try? SourceText.readBytes(path, display: path), let split = try? FrontMatter.split(bytes, file: path) else { return nil }
    return split.body.map { CChar(bitPattern: $0) }
}
cmark_gfm_core_extensions_ensure_registered()
// All of them, in `extensionNames`' order (the flags below are by position).
nonisolated(unsafe) let extensions: [OpaquePointer] = withoutExtensions ? [] : MarkdownRenderer.extensionNames.map { name in
    guard let found = cmark_find_syntax_extension(name) else {
        FileHandle.standardError.write("cmark-floor: cmark-gfm has no extension '\(name)'\n".data(using: .utf8)!)
        exit(1)
    }
    return found
}
// Which of them each document gets, found before the clock starts as the portal finds
// them (the search for their characters is a small part of a page's time).
let attached: [[Bool]] = documents.map { document in
    if withoutExtensions { return [] }
    if everyExtension { return Array(repeating: true, count: extensions.count) }
    return document.withUnsafeBytes { MarkdownRenderer.extensionsNeeded(by: $0, unsafeHTML: false) }
}

// Whether each document gets footnotes, found as the portal finds it.
let footnotes: [Bool] = documents.map { document in
    withoutExtensions || everyExtension || document.withUnsafeBytes { MarkdownRenderer.footnotesNeeded(by: $0) }
}

/// Parses and renders one document to HTML; the number of bytes of HTML.
@Sendable func render(_ document: [CChar], _ attach: [Bool], footnotes: Bool) -> Int {
    let options = footnotes ? CMARK_OPT_FOOTNOTES : CMARK_OPT_DEFAULT
    guard let parser = cmark_parser_new(options) else { return 0 }
    defer { cmark_parser_free(parser) }
    for (syntaxExtension, used) in zip(extensions, attach) where used { cmark_parser_attach_syntax_extension(parser, syntaxExtension) }
    document.withUnsafeBufferPointer { cmark_parser_feed(parser, $0.baseAddress, $0.count) }
    guard let tree = cmark_parser_finish(parser) else { return 0 }
    defer { cmark_node_free(tree) }
    guard let html = cmark_render_html(tree, options, cmark_parser_get_syntax_extensions(parser)) else { return 0 }
    defer { free(html) }
    return strlen(html)
}

// cmark-gfm's table of inline characters is global, and every parser with extensions
// changes it while it parses inlines: the extensions' characters are put in for good
// first, as the portal does (CPortalSystem), so that parsers on both cores agree.
if !extensions.isEmpty, let parser = cmark_parser_new(CMARK_OPT_DEFAULT) {
    for syntaxExtension in extensions { cmark_parser_attach_syntax_extension(parser, syntaxExtension) }
    if portal_cmark_fix_inline_characters(UnsafeMutableRawPointer(parser)) != 1 {
        FileHandle.standardError.write("cmark-floor: the inline characters could not be fixed; HTML may differ between runs\n".data(using: .utf8)!)
    }
    cmark_parser_free(parser)
}

let cores = ProcessInfo.processInfo.activeProcessorCount
var best = Double.infinity
var htmlBytes = 0
for _ in 0..<runs {
    nonisolated(unsafe) let totals = UnsafeMutableBufferPointer<Int>.allocate(capacity: cores)
    totals.initialize(repeating: 0)
    let start = DispatchTime.now().uptimeNanoseconds
    // Each core takes every core-th document.
    DispatchQueue.concurrentPerform(iterations: cores) { core in
        var total = 0
        for index in stride(from: core, to: documents.count, by: cores) { total += render(documents[index], attached[index], footnotes: footnotes[index]) }
        totals[core] = total
    }
    best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    htmlBytes = totals.reduce(0, +)
    totals.deallocate()
}
print(String(format: "%.3f", best), documents.count, "documents,", htmlBytes, "bytes of HTML,", cores, "cores")
