import CPortalSystem
import Foundation
import Testing
@testable import PortalContent
@testable import PortalCore
@_spi(Checks) @testable import PortalMarkdown

/// Replays the fuzzers' seed corpora and every input a fuzzer found a problem with
/// (Fuzz/regressions/<target>/), through the same code and invariants as the targets.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let fuzzFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz").path

    /// One input file, shown by its name in test reports.
    struct Input: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var testDescription: String { name }
    }

    static func inputs(_ target: String) -> [Input] {
        var result: [Input] = []
        for folder in ["corpus", "regressions"] {
            let path = fuzzFolder + "/" + folder + "/" + target
            for name in FileSystem.list(path) where !name.hasPrefix(".") {
                if let bytes = FileSystem.read(path + "/" + name) { result.append(Input(name: folder + "/" + name, bytes: bytes)) }
            }
        }
        return result
    }

    @Test("front matter", arguments: inputs("FuzzFrontMatter"))
    func frontMatter(_ input: Input) {
        let bytes = input.bytes
        guard let checked = try? SourceText.checked(bytes, display: "fuzz.md") else {
            #expect(String(validating: bytes, as: UTF8.self) == nil)
            return
        }
        #expect(String(validating: checked, as: UTF8.self) != nil)
        if let split = try? FrontMatter.split(checked, file: "fuzz.md") {
            #expect(split.bodyLine >= 1)
            let fromText = try? FrontMatter.split(String(decoding: checked, as: UTF8.self), file: "fuzz.md")
            #expect(fromText?.yaml == split.yaml && fromText?.body == split.body && fromText?.bodyLine == split.bodyLine)
            if let yaml = split.yaml { _ = try? YAMLDocument.parse(yaml, file: "fuzz.md", lineOffset: split.yamlLine - 1) }
        }
    }

    @Test("YAML", arguments: inputs("FuzzYAML"))
    func yaml(_ input: Input) {
        let bytes = input.bytes
        let text = String(decoding: bytes, as: UTF8.self)
        guard let node = try? YAMLDocument.parse(text, file: "fuzz.yaml") else { return }
        _ = DataValue(node)
        var diagnostics = DiagnosticList()
        if node.mapping != nil { _ = SiteLoader.parseStrings(node, file: "fuzz.yaml", diagnostics: &diagnostics) }
    }

    @Test("slugs", arguments: inputs("FuzzSlug"))
    func slug(_ input: Input) {
        let bytes = input.bytes
        let text = String(decoding: bytes, as: UTF8.self)
        let slug = Slug.make(text)
        #expect(slug.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D })
        #expect(!slug.hasPrefix("-") && !slug.hasSuffix("-") && !slug.contains("--"))
        _ = Slug.searchFold(text)
    }

    @Test("Markdown", arguments: inputs("FuzzMarkdown"))
    func markdown(_ input: Input) {
        let bytes = input.bytes
        #expect((bytes.withUnsafeBufferPointer { portal_utf8_valid($0.baseAddress, UInt($0.count)) } == 1) == (String(validating: bytes, as: UTF8.self) != nil))
        let text = String(decoding: bytes, as: UTF8.self)
        let safe = MarkdownRenderer(unsafeHTML: false).render(text)
        #expect(Set(safe.headingIDs).count == safe.headingIDs.count)
        #expect(!safe.html.contains("<script"))
        var every = MarkdownRenderer(unsafeHTML: false)
        every.attachingEveryExtension = true
        #expect(every.render(text) == safe)
        every.unsafeHTML = true
        let unsafe = MarkdownRenderer(unsafeHTML: true).render(text)
        #expect(every.render(text) == unsafe)
        for rendered in [safe, unsafe] {
            #expect(String(validating: rendered.htmlBytes, as: UTF8.self) != nil)
            #expect(String(validating: rendered.plainTextBytes, as: UTF8.self) != nil)
        }
    }
}
