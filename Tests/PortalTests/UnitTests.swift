import Testing
import CPortalSystem
@testable import PortalContent
@testable import PortalCore
@_spi(Checks) @testable import PortalMarkdown
@testable import PortalRender
@testable import PortalBuild
import Foundation
import Yams

@Suite("Slugs and transliteration")
struct SlugTests {
    @Test("a page's address gives the file it is written to", arguments: [
        ("/pl/about/", "pl/about/index.html"), ("/", "index.html"), ("/old.html", "old.html"), ("/feed.xml", "feed.xml"),
        ("/pl/search/index.json", "pl/search/index.json"), ("pl/x/", "pl/x/index.html"), ("/stare/Łódź.html", "stare/Łódź.html"),
        ("/pl/html/", "pl/html/index.html"), ("/pl/x.html/", "pl/x.html/index.html"),
    ])
    func outputPath(_ urlPath: String, _ file: String) { #expect(SitePlan.outputPath(urlPath) == file) }

    @Test("Polish", arguments: [("Łódź Transport Plan", "lodz-transport-plan"), ("Zażółć gęślą jaźń", "zazolc-gesla-jazn"), ("Kraków", "krakow"), ("Wrocław", "wroclaw")])
    func polish(_ input: String, _ expected: String) { #expect(Slug.make(input) == expected) }

    @Test("Slovenian", arguments: [("Čestitke, Škofja Loka & Žalec", "cestitke-skofja-loka-zalec"), ("Podnebna pogodba", "podnebna-pogodba")])
    func slovenian(_ input: String, _ expected: String) { #expect(Slug.make(input) == expected) }

    @Test("Romanian, comma below and cedilla alike", arguments: [("București – Sector 2", "bucuresti-sector-2"), ("Bucureşti", "bucuresti"), ("Țară și ţară", "tara-si-tara"), ("Învățământ", "invatamant")])
    func romanian(_ input: String, _ expected: String) { #expect(Slug.make(input) == expected) }

    @Test("Croatian", arguments: [("Đakovo i Čakovec", "dakovo-i-cakovec"), ("Rijeka – Ćićarija", "rijeka-cicarija")])
    func croatian(_ input: String, _ expected: String) { #expect(Slug.make(input) == expected) }

    @Test("German", arguments: [("Straße der Städte", "strasse-der-stadte"), ("Klagenfurt am Wörthersee", "klagenfurt-am-worthersee")])
    func german(_ input: String, _ expected: String) { #expect(Slug.make(input) == expected) }

    @Test("runs of other characters become one dash, none at the ends", arguments: [("  --Hello,   World!--  ", "hello-world"), ("a/b", "a-b"), ("...", "")])
    func separators(_ input: String, _ expected: String) { #expect(Slug.make(input) == expected) }

    @Test("slugs read scalar by scalar give what folding whole characters gives")
    func scalarSlugsMatchCharacterFolding() {
        // Character by character, the way slugs were first defined.
        func reference(_ text: String) -> String {
            var out = "", pendingDash = false
            for character in text {
                if let folded = Slug.fold(character) {
                    if pendingDash && !out.isEmpty { out += "-" }
                    pendingDash = false
                    out += folded
                } else {
                    pendingDash = true
                }
            }
            return out
        }
        var samples = ["Łódź Transport Plan", "Zażółć gęślą jaźń", "Țară și ţară", "e\u{301}te\u{323}", "a \u{301}b", "Ǆemal ǅ ǆ", "Ελληνικά και Русский",
                       "東京 2030", "emoji 🌍🏙️ city", "👩‍👩‍👧 family", "ﬁnance Ａ", "ẞtraße", "İstanbul ı", "Ŀ·l ŀl", "tab\tnew\nline", "", "---", "x\u{0}y"]
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aąbcćČčdđeęéèëfghiíîjklłmnńoóöpqrsśșşštțţuüvwxyzźżžAĄÉŁŚŻ0123456789 -_.,;:!?/\\()[]'\"–—…\u{301}\u{323}ßæøœþðØ€😀")
        for _ in 0..<500 {
            samples.append(String((0..<Int.random(in: 1...24, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        for sample in samples {
            #expect(Slug.make(sample) == reference(sample), "\(sample.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test("search folding keeps words apart and drops diacritics")
    func searchFold() {
        #expect(Slug.searchFold("Łódź, Kraków!") == "lodz  krakow ")
        #expect(Slug.searchFold("BUCUREȘTI") == "bucuresti")
        // Other scripts lower-cased and kept, combining marks dropped, punctuation a space.
        #expect(Slug.searchFold("Część — ЖИЗНЬ 北京 e\u{301}!") == "czesc   жизнь 北京 e ")
    }

    @Test("search folding keeps ASCII letters and digits (capitals lower-cased) and makes anything else a space")
    func searchFoldASCII() {
        // Every ASCII byte, and runs of ASCII of many lengths alone and between letters
        // that are not ASCII.
        func reference(_ text: String) -> String {
            String(text.unicodeScalars.map { scalar -> Character in
                switch scalar {
                case "a"..."z", "0"..."9": Character(scalar)
                case "A"..."Z": Character(Unicode.Scalar(scalar.value + 32)!)
                default: " "
                }
            })
        }
        let every = String((0..<128).map { Character(Unicode.Scalar(UInt8($0))) })
        #expect(Slug.searchFold(every) == reference(every))
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            let sample = String((0..<length).map { _ in Character(Unicode.Scalar(UInt8.random(in: 0..<128, using: &generator))) })
            #expect(Slug.searchFold(sample) == reference(sample), "\(Array(sample.utf8))")
            #expect(Slug.searchFold("ł" + sample + "ś" + sample) == "l" + reference(sample) + "s" + reference(sample))
        }
    }

    @Test("search folding of mixed text, at every place in sixteen bytes: as the rules read one character at a time")
    func searchFoldMixed() {
        // The rules, one scalar at a time: ASCII letters and digits kept (lower case), Latin
        // letters folded as slugs fold them, combining diacritics dropped, spaces and signs a
        // space, letters of other scripts lower-cased as a run.
        func reference(_ text: String) -> String {
            var out = "", run = ""
            func flush() { out += run.lowercased(); run = "" }
            for scalar in text.unicodeScalars {
                switch scalar.value {
                case 0x300...0x36F:
                    continue
                case 0..<0x80, 0xC0...0x24F, 0x1E00...0x1EFF:
                    flush()
                    out += Slug.fold(Character(scalar)) ?? " "
                default:
                    if scalar.properties.isWhitespace || scalar.properties.generalCategory.isPunctuationOrSymbol {
                        flush()
                        out += " "
                    } else {
                        run.unicodeScalars.append(scalar)
                    }
                }
            }
            flush()
            return out
        }
        let pieces = ["Łódź", "Kraków", " ", "mieszkańcy", "ŞTIINŢĂ", "ș", "ț", "č", "Ž", "e\u{301}", "\u{301}", "ΟΔΟΣ",
                      "Ἀθῆναι", "ЖИЗНЬ", "北京", "🌍", "Ǆ", "ẞ", "Ỹ", "—", "\u{A0}", "a", "Z", "9", "!", "\u{0}", "\u{7F}",
                      "transformacja energetyczna 2030", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "ÀÉÎÕÜ", "ǅ", "\u{2028}",
                      // what the sixteen-byte loop folds itself: À and ɏ at its range's ends, ÿ and × (a sign) inside, ɐ and ʒ past it
                      "\u{C0}", "ÿ", "ɏ", "ɐ", "ʒ", "×"]
        var generator = SystemRandomNumberGenerator()
        var mismatches: [String] = []
        for length in 0..<400 {
            var text = ""
            for _ in 0..<(length % 24) { text += pieces.randomElement(using: &generator)! }
            // Every offset of a sixteen-byte block: ASCII before it.
            text = String(repeating: "x", count: length % 17) + text
            if Slug.searchFold(text) != reference(text) { mismatches.append(text) }
        }
        #expect(mismatches.isEmpty)
    }

    @Test("folded search text goes into the index as a JSON string that needs no escape")
    func searchFoldJSON() throws {
        let parts = ["Say \"hi\" \\ <script>", "tab\tline\u{2028}para\u{2029}end\u{1}", "ΟΔΟΣ Łódź"]
        var bytes: [UInt8] = []
        Slug.appendSearchFoldJSON(parts, to: &bytes)
        let literal = String(decoding: bytes, as: UTF8.self)
        #expect(literal == JSON.string(Slug.searchFold(parts.joined(separator: " "))))
        let decoded = try JSONSerialization.jsonObject(with: Data(literal.utf8), options: .fragmentsAllowed) as? String
        #expect(decoded == Slug.searchFold(parts.joined(separator: " ")))
        #expect(!literal.dropFirst().dropLast().contains(where: { "\"\\<\u{2028}\u{2029}".contains($0) || $0.asciiValue.map { $0 < 0x20 } == true }))
        // The last part given as UTF-8 (a page's plain text) folds as the same string would, an empty one too.
        for last in [parts[2], ""] {
            var folded: [UInt8] = [], expected: [UInt8] = []
            Slug.appendSearchFoldJSON([parts[0], parts[1]], then: Array(last.utf8), to: &folded)
            Slug.appendSearchFoldJSON([parts[0], parts[1], last], to: &expected)
            #expect(folded == expected)
        }
    }
}

/// Against CLDR 44's examples for each category.
@Suite("CLDR plural rules")
struct PluralTests {
    func check(_ language: String, _ category: PluralCategory, _ numbers: [Int]) {
        for number in numbers {
            #expect(PluralRules.category(for: language, number) == category, "\(language) \(number)")
        }
    }

    @Test func english() {
        check("en", .one, [1])
        check("en", .other, [0, 2, 3, 11, 21, 100, 1000])
        #expect(PluralRules.category(for: "en", PluralOperands("1.0")!) == .other)
    }

    @Test func polish() {
        check("pl", .one, [1])
        check("pl", .few, [2, 3, 4, 22, 23, 24, 32, 33, 34, 42, 102, 1002])
        check("pl", .many, [0, 5, 6, 11, 12, 13, 14, 15, 19, 20, 21, 25, 100, 111, 112, 1000])
        #expect(PluralRules.category(for: "pl", PluralOperands("1.5")!) == .other)
    }

    @Test func slovenian() {
        check("sl", .one, [1, 101, 201, 301, 1001])
        check("sl", .two, [2, 102, 202, 1002])
        check("sl", .few, [3, 4, 103, 104, 203, 204, 1003])
        check("sl", .other, [0, 5, 6, 11, 12, 19, 100, 105, 112, 1000])
        #expect(PluralRules.category(for: "sl", PluralOperands("0.5")!) == .few)
    }

    @Test func romanian() {
        check("ro", .one, [1])
        check("ro", .few, [0, 2, 3, 19, 101, 102, 112, 119, 1001, 1019])
        check("ro", .other, [20, 21, 35, 100, 120, 1000])
        #expect(PluralRules.category(for: "ro", PluralOperands("1.5")!) == .few)
    }

    @Test("other languages: one and other at least")
    func defaults() {
        check("pt-br", .one, [0, 1])
        check("fr", .one, [0, 1])
        check("de", .one, [1])
        check("de", .other, [0, 2])
        check("xx", .one, [1])
        check("xx", .other, [0, 2, 5])
        check("hr", .one, [1, 21, 31])
        check("hr", .few, [2, 3, 4, 22])
        check("hr", .other, [0, 5, 11, 12])
        check("cs", .few, [2, 3, 4])
        check("cs", .other, [0, 5, 21])
    }
}

@Suite("Front matter and dates")
struct FrontMatterTests {
    @Test("the body's first line is known, for line numbers")
    func split() throws {
        let split = try FrontMatter.split("---\ntitle: A\nweight: 2\n---\nBody\n", file: "x.md")
        #expect(split.yaml == "title: A\nweight: 2\n")
        #expect(String(decoding: split.body, as: UTF8.self) == "Body\n")
        #expect(split.bodyLine == 5)
        // Letters of several bytes, a combining accent after a line end, `...` as the end.
        let accented = try FrontMatter.split("---\ntitle: Łódź\n\u{301}x: y\n...\nŻółw\n---\n", file: "x.md")
        #expect(accented.yaml == "title: Łódź\n\u{301}x: y\n")
        #expect(String(decoding: accented.body, as: UTF8.self) == "Żółw\n---\n")
        #expect(accented.bodyLine == 5)
    }

    @Test("dates with spaces around them, and what is not a date")
    func dates() {
        #expect(PageDate("2024-11-09")?.isoDate == "2024-11-09")
        #expect(PageDate(" 2024-11-09\t")?.isoDate == "2024-11-09")
        #expect(PageDate("\u{A0}2024-11-09\u{A0}")?.isoDate == "2024-11-09")
        #expect(PageDate("2021-01-05")?.isoDate == "2021-01-05")
        #expect(PageDate("0999-10-01")?.isoDate == "0999-10-01")
        #expect(PageDate("2024-11-09T10:30:00Z")?.hour == 10)
        #expect(PageDate("2024-11-09T10:30:00z")?.offsetMinutes == 0)
        #expect(PageDate("2024-02-30") == nil)
        #expect(PageDate("9 November 2024") == nil)
    }

    @Test("BOM and CRLF line ends are accepted")
    func bomAndCRLF() throws {
        let text = try SourceText.decode([0xEF, 0xBB, 0xBF] + Array("---\r\ntitle: A\r\n---\r\nBody\r\n".utf8), display: "x.md")
        #expect(text == "---\ntitle: A\n---\nBody\n")
        // A page's bytes, as the loader splits them: after a BOM alone (the bytes kept, a
        // part of them from the fourth on) and with CR LF too (made again without the CRs).
        for bytes in [[0xEF, 0xBB, 0xBF] + Array("---\ntitle: Łódź\n---\nCiało\n".utf8),
                      [0xEF, 0xBB, 0xBF] + Array("---\r\ntitle: Łódź\r\n---\r\nCiało\r\n".utf8)] {
            let split = try FrontMatter.split(SourceText.checked(bytes, display: "x.md"), file: "x.md")
            #expect(split.yaml == "title: Łódź\n")
            #expect(String(decoding: split.body, as: UTF8.self) == "Ciało\n")
            #expect(split.bodyLine == 4)
        }
    }

    @Test("invalid UTF-8 is reported at its line and column")
    func invalidUTF8() {
        #expect(throws: BuildFailure.self) { try SourceText.decode(Array("---\ntitle: A".utf8) + [0xC3, 0x28], display: "x.md") }
        do {
            _ = try SourceText.decode(Array("ab\ncd".utf8) + [0xFF], display: "x.md")
        } catch {
            #expect(error.diagnostics.first?.description.hasPrefix("x.md:2:3: error: the file is not valid UTF-8") == true)
        }
    }

    @Test("a file read from disk: as it was, or the same error as from its bytes", arguments: [
        (Array("---\ntitle: Łódź\n---\nBody\n".utf8), "---\ntitle: Łódź\n---\nBody\n"),
        ([], ""),
        ([0xEF, 0xBB, 0xBF] + Array("---\r\ntitle: A\r\n---\r\n".utf8), "---\ntitle: A\n---\n"),
        (Array("Body \u{FFFD}\n".utf8), "Body \u{FFFD}\n"),  // a replacement character of its own
        (Array("ab\n".utf8) + [0xF0, 0x9F, 0x98], nil),  // cut inside a character: repaired to as many bytes
        (Array("ab\ncd".utf8) + [0xFF], nil),
    ] as [([UInt8], String?)])
    func readFromDisk(_ bytes: [UInt8], _ expected: String?) throws {
        let path = NSTemporaryDirectory() + "portal-source-\(UUID().uuidString).md"
        #expect(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        if let expected {
            #expect(try SourceText.read(path, display: "x.md") == expected)
        } else {
            var fromBytes: [String] = [], fromFile: [String] = []
            do { _ = try SourceText.decode(bytes, display: "x.md") } catch { fromBytes = error.diagnostics.map(\.description) }
            do { _ = try SourceText.read(path, display: "x.md") } catch { fromFile = error.diagnostics.map(\.description) }
            #expect(!fromFile.isEmpty && fromFile == fromBytes)
        }
    }

    @Test("dates", arguments: [("2024-11-09", "2024-11-09T00:00:00Z"), ("2024-11-09T10:30:00+01:00", "2024-11-09T10:30:00+01:00"), ("2024-02-29 08:00", "2024-02-29T08:00:00Z")])
    func dates(_ text: String, _ rfc3339: String) {
        #expect(PageDate(text)?.rfc3339 == rfc3339)
    }

    @Test("not dates", arguments: ["9 November", "2023-02-29", "2024-13-01", "2024-11-09T25:00"])
    func notDates(_ text: String) { #expect(PageDate(text) == nil) }
}

@Suite("YAML scalar types")
struct YAMLTypeTests {
    @Test("plain scalars get the type Yams' default resolver gives them")
    func plainScalars() throws {
        let samples = ["", "~", "null", "Null", "NULL", "nil", "yes", "Yes", "YES", "no", "NO", "on", "Off", "y", "n", "true", "True", "TRUE",
                       "false", "trueish", "Tallinn", "Ordinary", "Łódź", "12", "-12", "+12", "0", "012", "019", "0x1F", "0b101", "1_000",
                       "3.14", "-.5", ".5", "1e5", "1.5e-3", ".inf", "-.INF", ".nan", ".NaN", "190:20:30", "2024-11-09",
                       "2024-11-09 10:30:00", "2024-11-09T10:30:00+01:00", "2024-1-9", "9 November", "<<", "=", "-", "- x", "+", ".", "1.2.3", "12 cities",
                       "7", "100", "2030", "09", "00", "1x", "12:30", "1_0"]
        for sample in samples {
            let expected = Yams.Resolver.default.resolveTag(of: Yams.Node.scalar(.init(sample))).rawValue.split(separator: ":").last.map(String.init)
            #expect(YAMLDocument.plainTag(sample) == expected, "\(sample)")
        }
        let node = try #require(try YAMLDocument.parse("a: yes\nb: 2024-11-09\nc: Tallinn\nd: '12'\ne: !!str 12\nf: 12\ng:\n", file: "x.yaml"))
        #expect(["a", "b", "c", "d", "e", "f", "g"].map { node[$0]?.typeName } == ["true/false", "text", "text", "text", "text", "a number", "empty"])
    }

    /// A value as text: kind, type, place and content, to compare two readers.
    static func described(_ node: YAMLNode) -> String {
        switch node.kind {
        case .scalar(let text, let tag): return "\(node.line):\(node.column) \(tag) \(text.debugDescription)"
        case .sequence(let items): return "\(node.line):\(node.column) [" + items.map(described).joined(separator: ", ") + "]"
        case .mapping(let pairs): return "\(node.line):\(node.column) {" + pairs.map { described($0.key) + ": " + described($0.value) }.joined(separator: ", ") + "}"
        }
    }

    /// What Yams' own composer (with its default resolver's regular expressions) makes of a document.
    static func described(_ node: Yams.Node) -> String {
        let place = "\(node.mark!.line):\(node.mark!.column)"
        switch node {
        case .scalar(let scalar):
            // Composed, a value's type is still to be found (implicit): the resolver finds it.
            let tag = scalar.tag.description.isEmpty ? Yams.Resolver.default.resolveTag(of: node).rawValue : scalar.tag.description
            return "\(place) \(tag.split(separator: ":").last.map(String.init) ?? "") \(scalar.string.debugDescription)"
        case .sequence(let sequence): return "\(place) [" + sequence.map(described).joined(separator: ", ") + "]"
        case .mapping(let mapping): return "\(place) {" + mapping.map { described($0.key) + ": " + described($0.value) }.joined(separator: ", ") + "}"
        case .alias: return "alias"
        }
    }

    @Test("documents are read as Yams' composer reads them: values, types, lines and columns")
    func sameAsYams() throws {
        var documents = [
            "title: Kraków\ndate: 2024-11-09\nweight: 10\ndraft: no\ntags: [klimat, \"energia\", 'transport']\n",
            "list:\n  - a\n  -   b: 1\n      c: [1, 2.5, -3, +4, 0x1F, .inf, ~, null, \"\"]\n  - - nested\n    - again\n",
            "folded: >\n  one\n  two\n\nliteral: |-\n  line 1\n    line 2\nkept: |+\n  end\n\n",
            "quoted: \"tab\\tnew\\nline \\u0141\\u00f3d\\u017a\"\nsingle: 'it''s'\nempty:\nnone: ~\n",
            "explicit: !!str 12\nnumber: !!int \"7\"\nplain: ! 12\nfloat: !!float 1\nflow: {a: 1, b: [x, y], c: {d: e}}\n",
            "# comment only\n",
            "---\nafter: marker\n...\n",
            "key with spaces: 'value with: colon'\n",
            "ș: ț\nŁódź: Łódź\n\"quoted key\": 1\n? complex\n: value\n",
            "crlf: yes\r\nnext: line\r\n",
            "- top\n- level\n- [list]\n",
            "scalar at the root",
            "unicode: \"\\U0001F600 😀\"\nlong: \"\(String(repeating: "ab ", count: 400))\"\n",
            // The forms read without libyaml (`flatMapping`), and their neighbours.
            Self.flatSample,
            "a: [1.5, 2, x-y, z_w, 2024-11-09]\nb: \"\"\nc: ''\nd:  two  spaces  inside  \n",
            "hash: a#b\ncomment: a # b\n",
            "colon: a:b\nurl: http://x.org/a:b\n",
            "list: [a, ]\n",
            "list: [a b, c]\nmore: [a: b]\n",
            "nested:\n  a: 1\n",
            "dup: 1\nother: 2\n",
        ]
        // Every YAML file and every front matter of the repository's content and theme.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for folder in ["Content", "Templates"] {
            let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent(folder).path)!
            while let path = enumerator.nextObject() as? String {
                guard path.hasSuffix(".yaml") || path.hasSuffix(".md") else { continue }
                let text = try String(contentsOf: root.appendingPathComponent(folder).appendingPathComponent(path), encoding: .utf8)
                if path.hasSuffix(".yaml") { documents.append(text) }
                if path.hasSuffix(".md"), let yaml = try FrontMatter.split(text, file: path).yaml { documents.append(yaml) }
            }
        }
        #expect(documents.count > 100)
        for text in documents {
            let expected = try Yams.compose(yaml: text).map(Self.described)
            let actual = try YAMLDocument.parse(text, file: "x.yaml").map(Self.described)
            #expect(actual == expected)
        }
    }

    static let flatSample = "# comment\ntitle: \"R&D *now* — Łódź\"\nkey_2: 'single # not a comment'\nurl: https://example.org/a?b=c\n"
        + "Yes: no\nn: 012\nlist: []\nlist2: [ a , \"b c\" ,'d', krajowe huby , Łódź ]\nspaced:    value with  spaces   \n\ntime: 2024-11-09T10:30:00+01:00\nlast: Łódź, Kraków\n"
        + "long: \"Climate-neutral cities by 2030: plans, money (EUR) and people; 112 of them!\"\nlong2: 'It is \"quoted\" twice, then -- all of it'\n"

    @Test("the commonest front matter is read without libyaml, as libyaml reads it; anything else is left to libyaml")
    func flatFrontMatter() throws {
        func flat(_ text: String) -> YAMLNode? {
            var text = text
            return text.withUTF8 { YAMLDocument.flatMapping($0, lineOffset: 3) }
        }
        let read = try #require(flat(Self.flatSample))
        let full = try #require(try YAMLDocument.parseWithLibYAML(Self.flatSample, file: "x.md", lineOffset: 3))
        #expect(Self.described(read) == Self.described(full))
        #expect(read["title"]?.string == "R&D *now* — Łódź" && read["Yes"]?.bool == false && read["n"]?.int == 12)
        #expect(read["list2"]?.sequence?.map(\.column) == [10, 14, 21, 26, 41])
        let declined = ["nested:\n  a: 1\n", "a: b # c\n", "a: \"x\\ty\"\n", "a: 'it''s'\n", "a: [x, ]\n", "a: 1\na: 2\n", "a:\n", "- x\n",
                        "a: x\u{85}y\n", "a: \"x\ty\"\n", "a: \"abc\\tdefghijklmnopq\"\n", "a: \"abcd\tefghijklmnopq\"\n", "a: \"ab\u{7F}cdefghijklmnop\"\n",
                        "a: 'abcde'fghijklmnopq'\n", "a: \"abcdef\"ghijklmnopq\"\n", "a: \"abcdefghijk\\tz\"\n",
                        "a: \"abcdefghijklmnopq\u{2028}r\"\n", "a: 'abcdefghijklmnopq\u{85}r'\n", "a: \"abcdefghijklmnopqrstuvwxyz\u{FEFF}\"\n",
                        "a: \"abcdefghij\u{2028}klmnopqrstuvwxyz\"\n", "a: 'abcdefghij\u{85}klmnopqrstuvwxyz'\n", "a: \"abcdefghij\u{FEFF}klmnopqrstuvwxyz\"\n", "a: &anchor x\n", "a: |\n  x\n", "a: b\n  c\n", "a: {b: c}\n", "a: b: c\n", "# only a comment\n"]
        for text in declined { #expect(flat(text) == nil, "\(text.debugDescription)") }
        // Characters that only look like those, in and after the first sixteen bytes: read.
        for text in ["abcdefghijklmnopq\u{A0}—ż\u{2030}x\u{FEFE}", "ab\u{A0}—ż\u{2030}x\u{FEFE}cdefghijklmnopqrstuvwxyz"] {
            #expect(flat("a: \"\(text)\"\n")?["a"]?.string == text)
        }
        // Every front matter of the portal's content is of the commonest form.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var pages = 0
        let enumerator = FileManager.default.enumerator(atPath: root.appendingPathComponent("Content").path)!
        while let path = enumerator.nextObject() as? String {
            guard path.hasSuffix(".md") else { continue }
            let text = try String(contentsOf: root.appendingPathComponent("Content").appendingPathComponent(path), encoding: .utf8)
            guard let yaml = try FrontMatter.split(text, file: path).yaml, let node = flat(yaml) else { continue }
            #expect(try Self.described(node) == YAMLDocument.parseWithLibYAML(yaml, file: path, lineOffset: 3).map(Self.described))
            pages += 1
        }
        #expect(pages > 100)
    }

    @Test("a broken document is reported where Yams reports it, in its words",
          arguments: ["a: [1, 2\nb: 3\n", "a: b: c\n", "a: \"open\n", "list:\n  - a\n  b\n", "a:\n\t- tab\n", "one: 1\n---\ntwo: 2\n", "a: @b\n", "a: 1\nb: 2\na: 3\n"])
    func brokenAsYams(_ text: String) throws {
        var expected: (line: Int, column: Int, problem: String)?
        do {
            _ = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            switch error {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
                expected = (mark.line, mark.column, problem)
            case .duplicatedKeysInMapping(let keys, let context):
                expected = (context.mark.line, context.mark.column, "duplicate key '\(keys.joined(separator: "', '"))'")
            default: break
            }
        }
        let (line, column, problem) = try #require(expected)
        do {
            _ = try YAMLDocument.parse(text, file: "x.yaml")
            Issue.record("no error for \(text.debugDescription)")
        } catch {
            let diagnostic = try #require(error.diagnostics.first)
            #expect(diagnostic.line == line && diagnostic.column == column)
            #expect(diagnostic.message.contains(problem), "\(diagnostic.message)")
        }
    }
}

@Suite("Markdown wrapper")
struct MarkdownTests {
    @Test("heading ids are unique even when a heading looks like a numbered repeat (found by fuzzing)")
    func uniqueHeadingIDs() {
        let rendered = MarkdownRenderer().render("# A\n\n# A\n\n# A 1\n\n# A\n")
        #expect(rendered.headingIDs == ["a", "a-1", "a-1-1", "a-2"])
        #expect(rendered.html.contains("<h1 id=\"a-1-1\">A 1</h1>"))
    }

    @Test("HTML, text and ids are UTF-8 where cmark-gfm cuts a character in two (found by fuzzing)")
    func charactersCutInTwo() {
        // A footnote reference that is none, with NULs (each read as U+FFFD), in a setext
        // heading: cmark-gfm keeps a cut copy of its text.
        for text in ["[^a\nb\u{0}\u{0}\u{0}]\n---\n", "Intro\n\n[^note\nŁódź\u{0}\u{0}]\n===\n\nText."] {
            for unsafe in [false, true] {
                let rendered = MarkdownRenderer(unsafeHTML: unsafe).render(text)
                #expect(String(validating: rendered.htmlBytes, as: UTF8.self) != nil, "\(rendered.htmlBytes)")
                #expect(String(validating: rendered.plainTextBytes, as: UTF8.self) != nil, "\(rendered.plainTextBytes)")
                #expect(rendered.headingIDs.count == 1)
                #expect(rendered.html.contains("\u{FFFD}"))
            }
        }
    }

    @Test("the UTF-8 check agrees with Swift's own, wherever a wrong byte sits in the text")
    func utf8CheckAgreesWithSwift() {
        // Texts of 0 to 99 bytes (longer ones are checked 32 bytes at a time, where the
        // CPU can), each wrong form put at every place: among ASCII, after a Polish
        // letter, across the blocks' edges and at the very end.
        let wrong: [[UInt8]] = [
            [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xC5], [0xC5, 0xC5, 0x82], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xE2, 0x82], [0xE2, 0x82, 0x82, 0x82], [0xF0, 0x8F, 0xBF, 0xBF],
            [0xF0, 0x9F, 0x98], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xF8], [0xFF], [0xC5, 0x41],
        ]
        let right: [[UInt8]] = [Array("ł".utf8), Array("ș".utf8), Array("—".utf8), Array("\u{10FFFF}".utf8), Array("😀".utf8), [0xED, 0x9F, 0xBF], [0xE0, 0xA0, 0x80], [0xF0, 0x90, 0x80, 0x80]]
        func check(_ bytes: [UInt8]) -> Bool { bytes.withUnsafeBufferPointer { portal_utf8_valid($0.baseAddress, UInt($0.count)) == 1 } }
        let filler = Array("Łódź i Kraków, misja 2030: ".utf8)
        var disagreements: [[UInt8]] = []
        for length in 0..<100 {
            let text = (0..<length).map { filler[$0 % filler.count] }
            // Cut where the filler cuts a letter, the text is wrong too: Swift says which.
            for form in wrong + right {
                for place in 0...length {
                    let bytes = Array(text[..<place]) + form + Array(text[place...])
                    if check(bytes) != (String(validating: bytes, as: UTF8.self) != nil) { disagreements.append(bytes) }
                }
            }
        }
        #expect(disagreements.count == 0, "the first: \(disagreements.first ?? [])")
        // A long valid text (many blocks), and the same with one wrong byte near its end.
        let long = Array(String(repeating: "Zażółć gęślą jaźń — Țară și ţară 😀 ", count: 400).utf8)
        #expect(check(long))
        #expect(!check(long.dropLast(3) + [0xE2, 0x82]))
        #expect(!check(Array(long[..<5000]) + [0x80] + Array(long[5000...])))
    }

    @Test("heading ids stay unique in a long document, with diacritics and inline markup in the titles")
    func uniqueHeadingIDsInALongDocument() {
        // Forty headings: past the first few, the ids given are looked up another way.
        var text = ""
        for index in 0..<20 { text += "## Łódź *i* `Kraków`\n\n## Łódź i Kraków \(index % 3)\n\n" }
        let ids = MarkdownRenderer().render(text).headingIDs
        #expect(ids.count == 40)
        #expect(Set(ids).count == 40)
        #expect(ids.prefix(6) == ["lodz-i-krakow", "lodz-i-krakow-0", "lodz-i-krakow-1", "lodz-i-krakow-1-1", "lodz-i-krakow-2", "lodz-i-krakow-2-1"])
        #expect(ids.allSatisfy { $0.hasPrefix("lodz-i-krakow") })
    }

    @Test("a NUL character becomes U+FFFD, and an empty document renders as nothing")
    func nulAndEmpty() {
        #expect(MarkdownRenderer().render("a\u{0}b *c*").html == "<p>a\u{FFFD}b <em>c</em></p>\n")
        #expect(MarkdownRenderer().render("").html == "")
    }

    @Test("heading ids land on the headings wherever they stand, and only there")
    func headingIDsInPlace() {
        let source = "# One\n\n> ## Two *b*\n\n- ### Three\n\n`<h2>` and <h2>raw</h2>\n\n| h4 |\n|----|\n| x |\n\nText[^1]\n\n[^1]: A note.\n\n###### Six\n"
        let safe = MarkdownRenderer().render(source)
        #expect(safe.headingIDs == ["one", "two-b", "three", "six"])
        #expect(safe.html.contains("<h1 id=\"one\">One</h1>"))
        #expect(safe.html.contains("<blockquote>\n<h2 id=\"two-b\">Two <em>b</em></h2>"))
        #expect(safe.html.contains("<li>\n<h3 id=\"three\">Three</h3>"))
        #expect(safe.html.contains("<h6 id=\"six\">Six</h6>"))
        #expect(safe.html.contains("<code>&lt;h2&gt;</code>"))
        #expect(safe.html.contains("<th>h4</th>"))
        #expect(!safe.html.contains("<h2>"))
        // With raw HTML allowed, an <h2> written in HTML gets no id and takes none.
        let unsafe = MarkdownRenderer(unsafeHTML: true).render("<h2>raw</h2>\n\n## Real\n")
        #expect(unsafe.html == "<h2>raw</h2>\n<h2 id=\"real\">Real</h2>\n")
    }

    @Test("a document larger than the allocator's first chunk renders whole, and the documents after it as alone")
    func largeDocuments() {
        let renderer = MarkdownRenderer()
        let small = "# Łódź\n\nText with *emphasis*, ~~old~~ and [a link](/pl/).\n\n| a | b |\n|---|---|\n| 1 | 2 |\n"
        let alone = renderer.render(small)
        let sections = (0..<3000).map { "## Part \($0)\n\n\(String(repeating: "Words of the plan for part \($0). ", count: 8))\n\n- item **\($0)**\n- ~~gone~~\n\n| x | y |\n|---|---|\n| \($0) | z |\n" }
        let big = renderer.render(sections.joined(separator: "\n"))
        #expect(big.htmlBytes.count > 1_000_000)
        #expect(big.headingIDs.count == 3000 && big.headingIDs.last == "part-2999")
        #expect(big.html.components(separatedBy: "<del>gone</del>").count == 3001)
        #expect(big.html.components(separatedBy: "<table>").count == 3001)
        #expect(renderer.render(sections.joined(separator: "\n")) == big)
        #expect(renderer.render(small) == alone)
        let unsafe = MarkdownRenderer(unsafeHTML: true)
        #expect(unsafe.render(sections.prefix(200).joined(separator: "\n")).headingIDs.count == 200)
    }

    @Test("only the extensions a document needs are attached, and it renders as with all of them")
    func neededExtensions() {
        #expect(MarkdownRenderer.extensionNames == ["table", "strikethrough", "autolink", "tasklist", "tagfilter"])
        func needed(_ text: String, unsafe: Bool = false) -> [Bool] {
            var text = text
            return text.withUTF8 { MarkdownRenderer.extensionsNeeded(by: UnsafeRawBufferPointer($0), unsafeHTML: unsafe) }
        }
        #expect(needed("Plain *text* [a link](/pl/) and [ a ].") == [false, false, false, false, false])
        #expect(needed("| a |\n|---|\n| 1 |") == [true, false, false, false, false])
        #expect(needed("Only\n:--") == [true, false, false, false, false])
        #expect(needed("Only\n--:") == [true, false, false, false, false])
        #expect(needed("Note: a time, 10:30, and a link to (/pl/)") == [false, false, false, false, false])
        #expect(needed("Only\n---\u{0B}") == [true, false, false, false, false])
        #expect(needed("Heading\n---\n\n- item") == [false, false, false, false, false])
        #expect(needed("~~old~~") == [false, true, false, false, false])
        #expect(needed("see www.example.eu") == [false, false, true, false, false])
        #expect(needed("https://example.eu") == [false, false, true, false, false])
        #expect(needed("info@example.eu") == [false, false, true, false, false])
        #expect(needed("- [ ] a\n- [x] b") == [false, false, false, true, false])
        #expect(needed("- [X] b") == [false, false, false, true, false])
        #expect(needed("<title>") == [false, false, false, false, false])
        #expect(needed("<title>", unsafe: true) == [false, false, false, false, true])
        let documents = [
            "Plans at www.netzerocities.eu, https://cities.eu/x and ftp://files.eu; mail info@m100.ro or mailto:a@b.eu.",
            "- [ ] draft\n- [x] sign\n- [X] publish\n1. [ ] numbered\n",
            "~~old~~ ~new~ a | b [link](/pl/) [x]: /defined\n\n[x]",
            "| a | b |\n|:--|--:|\n| ~1~ | www.a.eu |\n| [ ] | c@d.eu |\n",
            "<title>t</title> <textarea>x</textarea>\n\n<style>s</style>\n\n<p>kept</p>",
            "Write to info@m100.ro.",
            "Note: at 10:30, see http:example and https:/one and ftp://files.eu:21/",
            "One column\n:-:\nx\n\nAnother\n---\u{0B}\nul\n\nHeading\n---\n",
            "Wrocław WWW.A.EU Www.b.eu www.\n\n`www.c.eu` and `a@b.eu`",
            "",
        ]
        for unsafe in [false, true] {
            var every = MarkdownRenderer(unsafeHTML: unsafe)
            every.attachingEveryExtension = true
            for document in documents {
                #expect(MarkdownRenderer(unsafeHTML: unsafe).render(document) == every.render(document), "\(document)")
            }
        }
        let rendered = MarkdownRenderer().render(documents[0] + "\n\n" + documents[1]).html
        #expect(rendered.contains("<a href=\"http://www.netzerocities.eu\">") && rendered.contains("<a href=\"mailto:info@m100.ro\">"))
        #expect(rendered.contains("<input type=\"checkbox\" disabled=\"\" />"))
    }

    @Test("footnotes are turned on only in documents with a [^, and a caret escaped or encoded after [ stays text")
    func neededFootnotes() {
        func needed(_ text: String) -> Bool {
            var text = text
            return text.withUTF8 { MarkdownRenderer.footnotesNeeded(by: UnsafeRawBufferPointer($0)) }
        }
        #expect(!needed("Plain *text*, [a link](/pl/), Wrocław & Łódź, &amp; and &lt;"))
        #expect(!needed(""))
        #expect(!needed("2^10 and [x]^2"))
        #expect(!needed("[\\^a] b [&#94;c]"))
        #expect(needed("A note[^1]."))
        #expect(needed("[^1]: The note."))
        // Footnotes work where there is a `[^`.
        let notes = MarkdownRenderer().render("A note[^1] and another[^two].\n\n[^1]: The first.\n[^two]: The second.\n").html
        #expect(notes.contains("<sup class=\"footnote-ref\"><a href=\"#fn-1\"") && notes.contains("<section class=\"footnotes\""))
        #expect(notes.contains("The second.") && !notes.contains("[^two]"))
        // cmark-gfm 0.29.0.gfm.6 with footnotes on writes the first as `[^a]]` and cuts the
        // paragraph short at the second: with them off, both are the text they stand for.
        let carets = MarkdownRenderer().render("An escaped [\\^a] b, a decimal [&#94;ab] c and a named [&Hat;d] e, defined nowhere\n")
        #expect(carets.html == "<p>An escaped [^a] b, a decimal [^ab] c and a named [^d] e, defined nowhere</p>\n")
        #expect(String(decoding: carets.plainTextBytes, as: UTF8.self).hasSuffix("defined nowhere"))
    }

    @Test("a document renders the same whatever the thread rendered before it (found by fuzzing)")
    func sameAfterAnyDocument() throws {
        // A text that starts with `ilto:` after a table row: cmark-gfm's autolink extension
        // reads the byte before that text's buffer, which the thread's memory for the
        // previous document filled.
        let path = FuzzRegressionTests.fuzzFolder + "/regressions/FuzzMarkdown/autolink-reads-the-byte-before-a-text.md"
        let document = String(decoding: try #require(FileSystem.read(path)), as: UTF8.self)
        let renderer = MarkdownRenderer()
        var outputs = Set<[UInt8]>()
        // The thread's memory as documents before may have left it: zeros, letters, and
        // the protocols the extension looks for before a `:`, at every offset …
        _ = renderer.render(document)
        var patterns: [[UInt8]] = [[0], Array("a".utf8), Array(" ".utf8)]
        for scheme in ["mailto:", "xmpp:"] {
            let bytes = Array(scheme.utf8)
            patterns += bytes.indices.map { Array(bytes[$0...] + bytes[..<$0]) }
        }
        for pattern in patterns {
            portal_markdown_arena_fill(pattern, UInt(pattern.count))
            outputs.insert(renderer.render(document).htmlBytes)
        }
        // … and as other documents leave it.
        for before in ["a", " ", "mailto:", "-"] {
            for repeats in [1000, 5000, 20000] {
                _ = renderer.render(String(repeating: before + " " + before + before, count: repeats))
                outputs.insert(renderer.render(document).htmlBytes)
            }
        }
        #expect(outputs.count == 1)
    }

    @Test("documents rendered on every core all get their extensions (cmark-gfm's global inline table)")
    func parallelExtensions() async {
        let renderer = MarkdownRenderer()
        let documents = (0..<4000).map { "Plan \($0): ~~old~~ and www.example.eu/\($0), see https://example.eu.\n\n| a | b |\n|---|---|\n| \($0) | ~x~ |\n" }
        let expected = renderer.render(documents[0]).html
        #expect(expected.contains("<del>old</del>") && expected.contains("<a href=\"http://www.example.eu/0\">") && expected.contains("<table>"))
        // Parsed on every core at once (their characters are in cmark-gfm's table for good).
        #expect(MarkdownRenderer.inlinesInParallel)
        let rendered = await parallelMap(documents) { renderer.render($0).html }
        let wrong = rendered.filter { !($0.contains("<del>old</del>") && $0.contains("<del>x</del>") && $0.contains("<a href=\"https://example.eu\">")) }
        #expect(wrong.isEmpty, "\(wrong.count) of \(documents.count) documents lost an extension")
    }

    @Test("cmark-gfm's renderer escapes text with the program's function, byte for byte as the library's own")
    func escapingAsTheLibrary() throws {
        // The library's calls reach the program's function, and a page's text comes out escaped.
        #expect(portal_cmark_escape_is_interposed() == 1)
        let html = MarkdownRenderer().render("Łódź < Kraków & \"Wrocław\" > 'Gdańsk' / <b>x</b> &amp; ok\n\n    if a < b && c > d { \"x\" }\n").html
        #expect(html == "<p>Łódź &lt; Kraków &amp; &quot;Wrocław&quot; &gt; 'Gdańsk' / <!-- raw HTML omitted -->x<!-- raw HTML omitted --> &amp; ok</p>\n<pre><code>if a &lt; b &amp;&amp; c &gt; d { &quot;x&quot; }\n</code></pre>\n")
        // Against the library's function: every byte alone, and texts of every length up to
        // 70 with what is escaped at every place (around each run of sixteen bytes).
        var texts: [[UInt8]] = [[], Array(0...255)] + (0...255).map { [UInt8($0)] }
        let pieces: [[UInt8]] = ["a", "\"", "&", "<", ">", "'", "/", "ł", "ź", " ", "\u{0}"].map { Array($0.utf8) }
        var generator = SystemRandomNumberGenerator()
        for length in 0...70 {
            for _ in 0..<40 {
                texts.append(Array((0..<length).flatMap { _ in pieces.randomElement(using: &generator)! }.prefix(length)))
            }
            for place in 0..<length {
                for special in "\"&<>'/".utf8 {
                    var text = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                    text[place] = special
                    texts.append(text)
                }
            }
        }
        for text in texts {
            for secure: Int32 in [0, 1] {
                #expect(portal_cmark_escape_matches_library(text, Int32(text.count), secure) == 1, "\(text) secure \(secure)")
            }
        }
        // A text that ends where the next page of memory cannot be read: nothing is read past it.
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let memory = UnsafeMutableRawPointer.allocate(byteCount: 2 * page, alignment: page)
        defer { memory.deallocate() }
        try #require(mprotect(memory + page, page, PROT_NONE) == 0)
        defer { mprotect(memory + page, page, PROT_READ | PROT_WRITE) }
        for length in 0...40 {
            let start = (memory + page - length).assumingMemoryBound(to: UInt8.self)
            for index in 0..<length { start[index] = index % 7 == 3 ? UInt8(ascii: "<") : UInt8(ascii: "a") }
            #expect(portal_cmark_escape_matches_library(start, Int32(length), 0) == 1)
        }
    }
}

@Suite("Work on threads of its own (files read and compared)")
struct ThreadedMapTests {
    @Test("every item is transformed once and the order is kept", arguments: [0, 1, 2, 5, 1000, 10007])
    func orderKept(count: Int) async {
        let calls = Counter()
        for threads in [1, 3, 6, 64] {
            let items = Array(0..<count)
            let results = await parallelMap(items, threads: threads) { item -> String in
                calls.add()
                return "item \(item)"
            }
            #expect(results == items.map { "item \($0)" })
        }
        #expect(calls.value == 4 * count)
    }

    @Test("as many items are at work at once as threads are asked for, more than the cores")
    func waitingDoesNotHoldTheOthers() async {
        // Each item waits until all of them have started: on fewer threads than items,
        // the first ones would wait in vain (and give up after a minute).
        let threads = diskThreads
        #expect(threads > ProcessInfo.processInfo.activeProcessorCount)
        let started = Counter()
        let met = await parallelMap(Array(0..<threads), threads: threads) { _ -> Bool in
            started.add()
            let deadline = Date().addingTimeInterval(60)
            while started.value < threads {
                if Date() > deadline { return false }
                usleep(1000)
            }
            return true
        }
        #expect(met == Array(repeating: true, count: threads))
    }

    @Test("a value computed on a thread of its own reaches every task that awaits it, before and after it is there")
    func backgroundResultWaiters() async {
        // A build awaits the scan of the folder beside in two tasks side by side; when
        // the scan outlasted the rendering, one of them was never resumed and the build
        // never ended. A task left waiting would not count itself (given up after a minute).
        let gate = DispatchSemaphore(value: 0)
        let result = BackgroundResult { () -> Int in
            gate.wait()
            return 42
        }
        let received = Counter()
        for _ in 0..<3 {
            Task {
                if await result.value() == 42 { received.add() }
            }
        }
        _ = await eventually(60) { result.waiters == 3 }
        #expect(result.waiters == 3)
        gate.signal()
        _ = await eventually(60) { received.value == 3 }
        #expect(received.value == 3)
        #expect(result.waiters == 0)
        #expect(await result.value() == 42)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.lock(); count += 1; lock.unlock() }
        var value: Int { lock.lock(); defer { lock.unlock() }; return count }
    }
}

@Suite("Sources read relative to their folder")
struct FolderReadTests {
    @Test("a file is read whole at every length around the first read's room, and as the path's read gives it")
    func lengths() throws {
        let root = NSTemporaryDirectory() + "portal-read-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(folder) }
        let room = FileSystem.smallFile
        for length in [0, 1, 100, room - 1, room, room + 1, 3 * room + 7] {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let name = "file-\(length).md"
            #expect(FileManager.default.createFile(atPath: root + "/" + name, contents: Data(bytes)))
            guard case .bytes(let read) = FileSystem.read(name, in: folder, maximumSize: 1 << 24) else {
                Issue.record("\(length) bytes: not read"); continue
            }
            #expect(read == bytes, "\(length) bytes")
            guard case .bytes(let byPath) = FileSystem.read(root + "/" + name, in: AT_FDCWD, maximumSize: 1 << 24) else {
                Issue.record("\(length) bytes by its path: not read"); continue
            }
            #expect(byPath == bytes)
            // One byte over the limit, before and after the first read's room.
            if length > 0, case .bytes = FileSystem.read(name, in: folder, maximumSize: length - 1) {
                Issue.record("\(length) bytes: read past a limit of \(length - 1)")
            }
        }
    }

    @Test("a folder, a missing file and a pipe with no writer are refused or empty, without waiting")
    func notFiles() throws {
        let root = NSTemporaryDirectory() + "portal-read-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root + "/folder.md", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        defer { close(folder) }
        if case .bytes = FileSystem.read("folder.md", in: folder, maximumSize: 1 << 24) { Issue.record("a folder was read") }
        if case .bytes = FileSystem.read("missing.md", in: folder, maximumSize: 1 << 24) { Issue.record("a missing file was read") }
        #expect(mkfifo(root + "/pipe.md", 0o644) == 0)
        switch FileSystem.read("pipe.md", in: folder, maximumSize: 1 << 24) {
        case .bytes(let bytes): #expect(bytes.isEmpty)
        case .unreadable: break
        case .tooLarge: Issue.record("a pipe was too large")
        }
    }

    @Test("pages in folders of one page and of many, beside subfolders, are each loaded from their own file")
    func grouping() async throws {
        var files = fiveLanguageSite()
        // Folders of several pages with a subfolder between their files in the walk's
        // order (a/b.md, a/c/d.md, a/e.md), and a folder of one page.
        for name in ["alpha", "beta", "gamma"] { files["Content/en/news/\(name).md"] = page("News \(name)", body: "Text of \(name).") }
        for name in ["delta", "epsilon"] { files["Content/en/news/archive/\(name).md"] = page("Archive \(name)", body: "Text of \(name).") }
        files["Content/en/news/only/zeta.md"] = page("Only zeta", body: "Text of zeta.")
        let fixture = try Fixture(files)
        defer { fixture.remove() }
        let (site, _) = try await SiteLoader(contentDirectory: fixture.content).load()
        for name in ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"] {
            let found = site.pages.filter { $0.file.hasSuffix("/\(name).md") }
            #expect(found.count == 1, "\(name)")
            #expect(found.first.map { String(decoding: $0.body, as: UTF8.self).contains("Text of \(name).") } == true, "\(name)")
            #expect(found.first?.title.hasSuffix(name) == true)
        }
    }
}

@Suite("HTML and XML escaping")
struct EscapingTests {
    /// Character by character, as the escaping is specified.
    static func reference(_ text: String, apostrophe: Bool, dropControls: Bool) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "\"": out += "&quot;"
            case "'" where apostrophe: out += "&#39;"
            case "\n", "\t", "\r": out.unicodeScalars.append(scalar)
            case _ where dropControls && scalar.value < 0x20: break
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    @Test("every character that needs it is escaped, at every place in a value and in every length")
    func everyPlace() {
        let specials: [Character] = ["<", ">", "&", "\"", "'", "\n", "\t", "\r", "\u{0}", "\u{1}", "\u{1F}", " ", "ł", "€", "😀", "a", "\u{7F}"]
        var generator = SystemRandomNumberGenerator()
        for length in 0..<40 {
            for _ in 0..<60 {
                let text = String((0..<length).map { _ in Bool.random(using: &generator) ? "x" : specials.randomElement(using: &generator)! })
                for (apostrophe, dropControls) in [(true, false), (false, true), (true, true), (false, false)] {
                    #expect(XML.escape(text, apostrophe: apostrophe, dropControls: dropControls) == Self.reference(text, apostrophe: apostrophe, dropControls: dropControls),
                            "\(text.debugDescription)")
                }
            }
        }
        let long = String(repeating: "plain words, no markup ", count: 20) + "<end>"
        #expect(XML.escape(long) == Self.reference(long, apostrophe: false, dropControls: true))
    }
}

@Suite("Bytes found in text")
struct ByteSearchTests {
    @Test("the first and last place of a byte in a text or a part of one, as its UTF-8 view finds them")
    func firstAndLast() {
        let texts = ["", "/", "a", "pl/projects/page-00238", "/pl/miasta/łódź/#historia?x=1", "ro/orașe/cluj-napoca",
                     "sl/novice/kranj-ljubljana-velenje/index.html", "no slash at all, but long enough to be no small string",
                     String(repeating: "žółć/", count: 40), "#", "??", "a/b/c/", "😀/😀#😀"]
        for text in texts {
            let parts: [Substring] = [Substring(text), text.dropFirst(), text.dropLast(), text.dropFirst(2).dropLast(2)]
            for byte in [UInt8(ascii: "/"), UInt8(ascii: "#"), UInt8(ascii: "?"), UInt8(ascii: ":")] {
                #expect(text.firstUTF8Index(of: byte) == text.utf8.firstIndex(of: byte), "\(text.debugDescription)")
                #expect(text.lastUTF8Index(of: byte) == text.utf8.lastIndex(of: byte), "\(text.debugDescription)")
                for part in parts {
                    #expect(part.firstUTF8Index(of: byte) == part.utf8.firstIndex(of: byte), "\(part.debugDescription)")
                    #expect(part.lastUTF8Index(of: byte) == part.utf8.lastIndex(of: byte), "\(part.debugDescription)")
                }
            }
        }
        // What the index cuts is the text before and after the byte.
        let link = "/pl/miasta/łódź/#historia"
        let hash = link.firstUTF8Index(of: UInt8(ascii: "#"))!
        #expect(link[..<hash] == "/pl/miasta/łódź/")
        #expect(String(link[..<link.lastUTF8Index(of: UInt8(ascii: "/"))!]) == "/pl/miasta/łódź")
    }
}

@Suite("Search index encoding")
struct JSONStringTests {
    @Test("JSON strings round-trip, with <, U+2028 and control characters escaped")
    func roundTrip() throws {
        let text = "Łódź \"quoted\" \\ back\nline\t<script>\u{2028}\u{2029}\u{1}ț"
        let encoded = PortalRender.JSON.string(text)
        #expect(!encoded.contains("<") && !encoded.contains("\u{2028}") && !encoded.contains("\u{1}"))
        let decoded = try JSONSerialization.jsonObject(with: Data("[\(encoded)]".utf8)) as? [String]
        #expect(decoded == [text])
        // Text that needs no escape is written as it is.
        #expect(PortalRender.JSON.string("lodz transport plan ţ é") == "\"lodz transport plan ţ é\"")
        #expect(PortalRender.JSON.string("a\u{7F}b") == "\"a\u{7F}b\"")
        #expect(PortalRender.JSON.string("") == "\"\"")
    }

    @Test("every character that needs it is escaped in a JSON string, at every place in sixteen bytes and after")
    func everyPlace() throws {
        // U+2028 and U+2029 escaped; other characters whose first byte is theirs (—, €) not.
        let specials = ["\"", "\\", "<", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{2028}", "\u{2029}", "—", "€", "ł", "\u{7F}"]
        for special in specials {
            for place in 0..<40 {
                let text = String(repeating: "a", count: place) + special + String(repeating: "b", count: 39 - place)
                let encoded = PortalRender.JSON.string(text)
                let decoded = try JSONSerialization.jsonObject(with: Data("[\(encoded)]".utf8)) as? [String]
                #expect(decoded == [text], "\(special.debugDescription) at \(place)")
                #expect(!encoded.contains(where: { "<\u{2028}\u{2029}".contains($0) || $0.asciiValue.map { $0 < 0x20 } == true }),
                        "\(special.debugDescription) at \(place)")
                // Written as it is where it needs no escape.
                if special == "—" || special == "€" || special == "ł" || special == "\u{7F}" { #expect(encoded == "\"\(text)\"") }
            }
        }
    }

    @Test("excerpts end at a word, counted in characters")
    func excerpts() {
        #expect(SiteRenderer.excerpt("short text", limit: 10) == "short text")
        #expect(SiteRenderer.excerpt("ąęłńóśźżćą", limit: 10) == "ąęłńóśźżćą")
        #expect(SiteRenderer.excerpt("ąęłńó śźżćąx", limit: 10) == "ąęłńó…")
        #expect(SiteRenderer.excerpt("abcdefghijkl", limit: 10) == "abcdefghij…")
        #expect(SiteRenderer.excerpt("e\u{301}e\u{301}e\u{301}", limit: 3) == "e\u{301}e\u{301}e\u{301}")
    }

    @Test("an excerpt of a text's bytes, decoded only at their start, is the excerpt of the whole text")
    func excerptsOfBytes() {
        // Words of one- to four-byte characters, combining accents, emoji joined into one
        // character, flags: characters of many bytes, and cuts that fall inside them.
        let pieces = ["Łódź", " ", "klimat", "e\u{301}\u{302}", "👩\u{200D}👩\u{200D}👧", "🇵🇱🇷🇴", "ș", "𝔸", "\n", "a", "ţară", "\u{FFFD}"]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17
            return Int(state % UInt64(bound))
        }
        var shortened = 0
        for _ in 0..<400 {
            let text = (0..<next(120)).map { _ in pieces[next(pieces.count)] }.joined()
            for limit in [1, 2, 5, 17, 40] {
                let excerpt = SiteRenderer.excerpt(utf8: Array(text.utf8), limit: limit)
                #expect(excerpt == SiteRenderer.excerpt(text, limit: limit), "\(text.debugDescription), limit \(limit)")
                if excerpt != text { shortened += 1 }
            }
        }
        #expect(shortened > 500)  // most texts were cut
        #expect(SiteRenderer.excerpt(utf8: Array("Łódź i Kraków".utf8), limit: 200) == "Łódź i Kraków")
        #expect(SiteRenderer.excerpt(utf8: [], limit: 5) == "")
    }
}

@Suite("Record of the files beside the output")
struct FileRecordsTests {
    @Test("records read back as written; a path its lines cannot hold is left out (and its file read back by the next build)")
    func roundTrip() {
        let records: [(String, FileRecord)] = [
            ("en/index.html", FileRecord(hash: ContentHash(Array("<!DOCTYPE html>".utf8)), size: 15, inode: 41, changed: 1_796_213_621_548_378_806)),
            ("pl/miasta/łódź/index.html", FileRecord(hash: ContentHash(high: 0, low: .max), size: 0, inode: 42, changed: 7)),
            ("odd\tname.html", FileRecord(hash: ContentHash(high: 1, low: 2), size: 3, inode: 43, changed: 8)),
        ]
        var lines = FileRecords.Lines()
        for (path, record) in records { lines.add(path, record) }
        var expected = Dictionary(uniqueKeysWithValues: records)
        expected["odd\tname.html"] = nil
        #expect(FileRecords.records(lines.bytes[...]) == expected)
        // Lines not understood give no records at all.
        #expect(FileRecords.records(Array("00\t1\t2\t3\ten/index.html\n".utf8)[...]).isEmpty)
        #expect(FileRecords.records((lines.bytes + Array("\(String(repeating: "0", count: 32))\t1\t2\t3\t\n".utf8))[...]).isEmpty)
        // Hashes tell bytes apart, and are those of XXH3-128 (its reference value for no bytes).
        #expect(ContentHash(Array("<h1>".utf8)) != ContentHash(Array("<h2>".utf8)))
        #expect(ContentHash([]) == ContentHash(high: 0x99aa_06d3_0147_98d8, low: 0x6001_c324_468d_497f))
    }

    @Test("hashes are XXH3-128's at every length, with AVX2 where the processor has it and without")
    func hashAtEveryLength() {
        let bytes = (0..<5000).map { UInt8(($0 * 131 + 7) % 251) }
        // XXH3-128 of all 5,000 bytes as the reference implementation gives it (Python's xxhash).
        #expect(ContentHash(bytes) == ContentHash(high: 0x0ccb_faee_1202_6d31, low: 0x07a2_c28e_3218_c663))
        // Every length through the short forms, the long form's stripes and blocks (1,024
        // bytes), and a last stripe that is partial: the same bits either way.
        var differing: [Int] = []
        for count in Array(0...1100) + Array(stride(from: 1101, through: 5000, by: 37)) {
            var high: UInt64 = 0, low: UInt64 = 0, baseHigh: UInt64 = 0, baseLow: UInt64 = 0
            bytes.withUnsafeBytes {
                portal_hash128($0.baseAddress, UInt(count), &high, &low)
                portal_hash128_baseline($0.baseAddress, UInt(count), &baseHigh, &baseLow)
            }
            if high != baseHigh || low != baseLow { differing.append(count) }
        }
        #expect(differing.isEmpty)
    }
}

@Suite("Files written into the folder beside")
struct OutputFolderWriteTests {
    @Test("a file the scan did not find is made with its folders; were something there after all, the file still holds exactly its bytes")
    func absentFiles() throws {
        let root = NSTemporaryDirectory() + "portal-output-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let output = OutputFolder(path: root + "/Public")
        try output.prepareStaging()
        let staged = output.stagingPath
        func read(_ relative: String) -> String? {
            FileManager.default.contents(atPath: staged + "/" + relative).map { String(decoding: $0, as: UTF8.self) }
        }
        // Nothing there: made at once, folders first.
        let made = try output.writeFile("pl/aktualnosci/łódź/index.html", Array("<p>Łódź</p>".utf8), absent: .fileAndFolder)
        #expect(made.written && !made.readBack)
        #expect(read("pl/aktualnosci/łódź/index.html") == "<p>Łódź</p>")
        #expect(made.state == output.state(of: "pl/aktualnosci/łódź/index.html"))
        // A longer file made since the scan: cut to the new bytes, not written over in part.
        try FileManager.default.createDirectory(atPath: staged + "/sl", withIntermediateDirectories: true)
        try Data(String(repeating: "stara vsebina ", count: 20).utf8).write(to: URL(fileURLWithPath: staged + "/sl/index.html"))
        try output.writeFile("sl/index.html", Array("<p>Kranj</p>".utf8), absent: .file)
        #expect(read("sl/index.html") == "<p>Kranj</p>")
        // A file where a folder goes, and a folder where the file goes: cleared away.
        try Data("x".utf8).write(to: URL(fileURLWithPath: staged + "/ro"))
        try FileManager.default.createDirectory(atPath: staged + "/en/news/index.html/deep", withIntermediateDirectories: true)
        try output.writeFile("ro/orase/index.html", Array("<p>București</p>".utf8), absent: .fileAndFolder)
        try output.writeFile("en/news/index.html", Array("<p>News</p>".utf8), absent: .file)
        #expect(read("ro/orase/index.html") == "<p>București</p>")
        #expect(read("en/news/index.html") == "<p>News</p>")
        // A folder that cannot be made is reported, naming the file.
        try Data("x".utf8).write(to: URL(fileURLWithPath: staged + "/locked"))
        let blocked = OutputFolder(path: staged + "/locked/Public")
        #expect(throws: BuildFailure.self) { try blocked.writeFile("a/index.html", [1], absent: .fileAndFolder) }
    }
}

@Suite("Record of the folders beside the output")
struct FolderListingTests {
    @Test("records read back as written; a folder with a name its lines cannot hold is left out (and read by the next build)")
    func roundTrip() {
        let records: [String: FolderRecord] = [
            "en": FolderRecord(inode: 41, changed: 1_796_213_621_548_378_806, files: ["index.html", "feed.xml"], folders: ["news", "Łódź"]),
            "en/news": FolderRecord(inode: 42, changed: 7, files: ["index.html"], folders: []),
            "en/Łódź": FolderRecord(inode: 43, changed: 8, files: [], folders: []),
            "media": FolderRecord(inode: 44, changed: 9, files: ["a\tb.png", "c.png"], folders: []),
            "odd\nname": FolderRecord(inode: 45, changed: 10, files: [], folders: []),
        ]
        let lines = FolderListing.lines(records)
        var expected = records
        expected["media"] = nil
        expected["odd\nname"] = nil
        #expect(FolderListing.records(lines[...]) == expected)
        // Lines not understood give no records at all.
        #expect(FolderListing.records(Array("41\tx\ten\n".utf8)[...]).isEmpty)
        #expect(FolderListing.records(Array("41\t7\t\n".utf8)[...]).isEmpty)
        #expect(FolderListing.foldersAbove(["en/news/a/index.html", "en/index.html", "robots.txt"]) == ["en/news/a", "en/news", "en"])
    }
}

@Suite("Files of blocks per copy of the site (render cache, records)")
struct TreeFileTests {
    /// A new folder for one test, which removes it.
    static func temporaryFolder() throws -> String {
        let folder = NSTemporaryDirectory() + "portal-treefile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test("blocks read back as saved, in any order of copies; a save that cannot be made leaves the file as it was")
    func roundTrip() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/.Public.cache"
        // One block is a part of a larger array, as a block kept from the file loaded is.
        let loaded = Array("before\nłódź\tline\nafter".utf8)
        let kept = loaded[7..<18]
        let trees: [UInt64: ArraySlice<UInt8>] = [9_000_000_001: Array("a\t1\tindex.html\n".utf8)[...], 17: kept, 3: []]
        TreeFile.save(trees, header: "portal-test 1", to: path)
        #expect(TreeFile.load(path, header: "portal-test 1").mapValues(Array.init) == trees.mapValues(Array.init))
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
        // Another header: nothing understood.
        #expect(TreeFile.load(path, header: "portal-test 2").isEmpty)
        // Where the file beside cannot be made, the file saved before stays whole.
        try FileManager.default.createDirectory(atPath: path + ".new", withIntermediateDirectories: false)
        TreeFile.save([1: Array("other\n".utf8)[...]], header: "portal-test 1", to: path)
        #expect(TreeFile.load(path, header: "portal-test 1").mapValues(Array.init) == trees.mapValues(Array.init))
    }

    @Test("a build with nothing new to record removes what a killed build left of its save")
    func unfinishedSaveRemoved() throws {
        let folder = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/.Public.files"
        let trees: [UInt64: ArraySlice<UInt8>] = [5: Array("a\t1\n".utf8)[...]]
        TreeFile.save(trees, header: "portal-test 1", to: path)
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        // A save killed before its rename: half a file beside.
        #expect(FileManager.default.createFile(atPath: path + ".new", contents: Data("portal-te".utf8)))
        TreeFile.save(trees, ifChangedFrom: trees, header: "portal-test 1", to: path)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == saved)
        // Something new: saved over the leftover.
        #expect(FileManager.default.createFile(atPath: path + ".new", contents: Data("portal-te".utf8)))
        let changed: [UInt64: ArraySlice<UInt8>] = [5: Array("b\t2\n".utf8)[...]]
        TreeFile.save(changed, ifChangedFrom: trees, header: "portal-test 1", to: path)
        #expect(!FileManager.default.fileExists(atPath: path + ".new"))
        #expect(TreeFile.load(path, header: "portal-test 1").mapValues(Array.init) == changed.mapValues(Array.init))
    }
}
