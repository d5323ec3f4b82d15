import Foundation
import Testing
@testable import PortalBuild

/// Broken and hostile sites: each fails with the exact diagnostic (or builds safely), never
/// crashes, and leaves the previous output untouched.
@Suite("Bad input")
struct BadInputTests {
    /// Builds the good five-language site, applies `changes`, builds again; checks the
    /// output did not change and returns the errors.
    func errors(_ changes: [String: String] = [:], bytes: [String: [UInt8]] = [:], prepare: (Fixture) throws -> Void = { _ in }) async throws -> [String] {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try await fixture.build()
        let before = fixture.snapshot()
        for (path, text) in changes { try fixture.write(path, text) }
        for (path, data) in bytes { try fixture.write(path, Data(data)) }
        try prepare(fixture)
        let result = await fixture.failingBuild()
        #expect(fixture.snapshot() == before, "the previous output is untouched")
        return result.map { $0.components(separatedBy: "\n").first! }
    }

    @Test("malformed YAML in site.yaml")
    func siteYAML() async throws {
        #expect(try await errors(["Content/site.yaml": "title: Cities\nbaseURL: [https://x.eu/\n"]) ==
                ["Content/site.yaml:3:1: error: invalid YAML: did not find expected ',' or ']' (while parsing a flow sequence at line 2)"])
    }

    @Test("malformed YAML in _language.yaml")
    func languageYAML() async throws {
        #expect(try await errors(["Content/pl/_language.yaml": "languageName: Polski\n  weight: 2\n"]) ==
                ["Content/pl/_language.yaml:2:9: error: invalid YAML: mapping values are not allowed in this context"])
    }

    @Test("malformed YAML in a city file")
    func cityYAML() async throws {
        #expect(try await errors(["Content/cities/krakow.yaml": "name: \"Kraków\ncountry: PL\n"]) ==
                ["Content/cities/krakow.yaml:3:1: error: invalid YAML: found unexpected end of stream (while scanning a quoted scalar at line 1)"])
    }

    @Test("malformed YAML in a data file")
    func dataYAML() async throws {
        #expect(try await errors(["Content/data/projects.yaml": "- id: a\n name: b\n"]) ==
                ["Content/data/projects.yaml:2:2: error: invalid YAML: did not find expected '-' indicator (while parsing a block collection at line 1)"])
    }

    @Test("wrong types in front matter", arguments: [
        ("title: [a, b]", "Content/en/about/contracts.md:2:8: error: 'title' must be text, not a list"),
        ("title: Contracts\nweight: first", "Content/en/about/contracts.md:3:9: error: 'weight' must be a whole number, not text"),
        ("title: Contracts\ndraft: maybe", "Content/en/about/contracts.md:3:8: error: 'draft' must be true or false, not text"),
        ("title: Contracts\ntags: {a: b}", "Content/en/about/contracts.md:3:7: error: 'tags' must be a list, not a mapping"),
        ("title: Contracts\ndate: 2024-02-30", "Content/en/about/contracts.md:3:7: error: 'date' is not a date: '2024-02-30'"),
        ("- just\n- a list", "Content/en/about/contracts.md:2:1: error: front matter must be a mapping (title: …), not a list"),
        ("title: Contracts\ntitle: Again", "Content/en/about/contracts.md:2:1: error: duplicate key 'title'"),
    ])
    func wrongTypes(_ frontMatter: String, _ expected: String) async throws {
        #expect(try await errors(["Content/en/about/contracts.md": "---\n\(frontMatter)\n---\nText\n"]) == [expected])
    }

    @Test("invalid UTF-8 in a page")
    func invalidUTF8() async throws {
        #expect(try await errors(bytes: ["Content/pl/about/_index.md": Array("---\ntitle: Misja\n---\nZa".utf8) + [0xBF, 0xF3] + Array("łć\n".utf8)]) ==
                ["Content/pl/about/_index.md:4:3: error: the file is not valid UTF-8"])
    }

    @Test("an empty page file")
    func emptyPage() async throws {
        #expect(try await errors(["Content/en/about/contracts.md": ""]) == ["Content/en/about/contracts.md:1:1: error: the page has no front matter"])
    }

    @Test("an empty _language.yaml, and one without languageName")
    func emptyLanguage() async throws {
        #expect(try await errors(["Content/pl/_language.yaml": ""]) == ["Content/pl/_language.yaml:1: error: _language.yaml is empty"])
        #expect(try await errors(["Content/pl/_language.yaml": "languageCode: pl-PL\n"]) == ["Content/pl/_language.yaml:1: error: 'languageName' is missing"])
    }

    @Test("a language folder that is not a language code")
    func unknownLanguageCode() async throws {
        #expect(try await errors(["Content/polish language/_language.yaml": "languageName: Polski\n"]) ==
                ["Content/polish language/_language.yaml: error: 'polish language' is not a language code"])
        #expect(try await errors(["Content/deutsch/x.md": page("X")]) ==
                ["Content/deutsch/: error: folder 'deutsch' holds pages but no _language.yaml, so it is not a language"])
    }

    @Test("the same translationKey twice in one language")
    func duplicateTranslationKey() async throws {
        let result = try await errors(["Content/en/about/other.md": page("Other", "translationKey: lodz-plan")])
        #expect(result == ["Content/en/news/lodz-plan-key.md: error: translationKey 'lodz-plan' is used twice in language 'en' (also Content/en/about/other.md)"])
    }

    @Test("aliases that leave the site or are not paths", arguments: [
        ("aliases: [/../../etc/passwd]", "Content/en/about/contracts.md:3:11: error: alias '/../../etc/passwd' must be a path on this site such as /en/old-url/"),
        ("aliases: [old-url/]", "Content/en/about/contracts.md:3:11: error: alias 'old-url/' must be a path on this site such as /en/old-url/"),
        ("aliases: [\"https://evil.example/\"]", "Content/en/about/contracts.md:3:11: error: alias 'https://evil.example/' must be a path on this site such as /en/old-url/"),
    ])
    func badAliases(_ line: String, _ expected: String) async throws {
        #expect(try await errors(["Content/en/about/contracts.md": page("Contracts", line)]) == [expected])
    }

    @Test("slugs that are not one segment", arguments: ["a/b", "..", "!!!"])
    func badSlugs(_ slug: String) async throws {
        let result = try await errors(["Content/en/about/contracts.md": page("Contracts", "slug: \"\(slug)\"")])
        #expect(result == ["Content/en/about/contracts.md:3:7: error: slug '\(slug)' is not a single URL segment"])
    }

    @Test("a symbolic link out of Content/")
    func symlinkOutside() async throws {
        let result = try await errors { fixture in
            try FileManager.default.createSymbolicLink(atPath: fixture.content + "/en/passwd.md", withDestinationPath: "/etc/passwd")
        }
        #expect(result == ["Content/en/passwd.md: error: symbolic link points outside the content folder"])
    }

    @Test("a media symbolic link out of Content/")
    func mediaSymlinkOutside() async throws {
        let result = try await errors { fixture in
            try FileManager.default.createSymbolicLink(atPath: fixture.content + "/media/hosts", withDestinationPath: "/etc/hosts")
        }
        #expect(result == ["Content/media/hosts: error: symbolic link points outside the content folder"])
    }

    @Test("a missing partial, a missing parent template, a missing layout template")
    func missingTemplates() async throws {
        let result = try await errors([
            "Templates/page.mustache": "{{<nowhere}}{{$main}}x{{/main}}{{/nowhere}}\n",
            "Templates/404.mustache": "{{>partials/gone}}\n",
        ])
        #expect(result.sorted() == [
            "Templates/404.mustache:1:1: error: partial 'partials/gone' does not exist",
            "Templates/page.mustache:1:1: error: parent template 'nowhere' does not exist",
        ])
        let removed = try await errors { fixture in try FileManager.default.removeItem(atPath: fixture.templates + "/city.mustache") }
        #expect(removed == ["Templates/city.mustache: error: the theme has no 'city' template"])
    }

    @Test("deeply nested YAML")
    func deepYAML() async throws {
        let deep = "title: Deep\nx: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n"
        let result = try await errors(["Content/en/about/contracts.md": "---\n\(deep)---\n"])
        #expect(result.count == 1)
        #expect(result.first?.hasPrefix("Content/en/about/contracts.md:3:") == true)
        #expect(result.first?.hasSuffix("error: YAML is nested more than 64 levels deep") == true)
    }

    @Test("YAML aliases (a billion laughs) are refused")
    func yamlAliases() async throws {
        let bomb = "title: Bomb\na: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        let result = try await errors(["Content/en/about/contracts.md": "---\n\(bomb)---\n"])
        #expect(result == ["Content/en/about/contracts.md:3:4: error: YAML anchors and aliases (&name, *name) are not supported"])
    }

    @Test("a city with coordinates of the wrong shape, a negative population, a bad website")
    func cityShapes() async throws {
        let result = try await errors(["Content/cities/krakow.yaml": "name: Kraków\ncountry: PL\ncoordinates: [50.06]\npopulation: -5\nwebsite: www.krakow.pl\n"])
        #expect(result == [
            "Content/cities/krakow.yaml:3:14: error: 'coordinates' must be [latitude, longitude]",
            "Content/cities/krakow.yaml:4:13: error: population cannot be negative",
            "Content/cities/krakow.yaml:5:10: error: website 'www.krakow.pl' must start with https:// or http://",
        ])
    }

    @Test("a city narrative without its city")
    func orphanNarrative() async throws {
        #expect(try await errors(["Content/en/cities/atlantis.md": page("Atlantis")]) ==
                ["Content/en/cities/atlantis.md: error: there is no city 'atlantis' for this narrative"])
    }

    @Test("an unknown missingTranslations value")
    func missingTranslationsValue() async throws {
        #expect(try await errors(["Content/site.yaml": "title: Cities\nbaseURL: https://x.eu/\nmissingTranslations: hide\n"]) ==
                ["Content/site.yaml:3:22: error: missingTranslations must be 'fallback' or 'skip', not 'hide'"])
    }

    @Test("a Markdown file over the size limit")
    func hugePage() async throws {
        let body = String(repeating: "Lorem ipsum dolor sit amet. ", count: 50_000_000 / 28 + 1)
        let result = try await errors(["Content/en/about/contracts.md": page("Huge", body: body)])
        #expect(result == ["Content/en/about/contracts.md: error: the file is larger than 16 MB"])
    }
}

@Suite("Safe input that looks odd")
struct OddInputTests {
    @Test("a BOM and CRLF line ends build like any page")
    func bomAndCRLF() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try fixture.write("Content/en/about/contracts.md", Data([0xEF, 0xBB, 0xBF] + Array("---\r\ntitle: Contracts\r\ndate: 2024-11-09\r\n---\r\n## Heading\r\n\r\nText.\r\n".utf8)))
        try await fixture.build()
        let html = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(html.contains("<h1>Contracts</h1>"))
        #expect(html.contains("<h2 id=\"heading\">Heading</h2>"))
    }

    @Test("template variables are HTML-escaped; front matter cannot inject markup")
    func escaping() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try fixture.write("Content/en/about/contracts.md", page("\"<script>alert(1)</script>\"", "description: '\" onmouseover=\"alert(1)'"))
        try await fixture.build()
        let html = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(!html.contains("\" onmouseover=\"alert(1)"))
        #expect(!html.contains(" on") || !html.contains("onmouseover=\""), "no inline event handler")
    }

    @Test("data: and javascript: links are dropped from Markdown; data: images too")
    func dangerousLinks() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try fixture.write("Content/en/about/contracts.md", page("Links", body: "[a](javascript:alert(1)) [b](data:text/html,<script>alert(1)</script>) [c](vbscript:x) ![d](data:image/svg+xml,<svg/onload=alert(1)>)"))
        try await fixture.build()
        let html = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(!html.contains("javascript:"))
        #expect(!html.contains("data:text/html"))
        #expect(!html.contains("vbscript:"))
        #expect(!html.contains("data:image/svg+xml"))
    }

    @Test("every page carries a Content-Security-Policy and no inline script")
    func csp() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try await fixture.build()
        for file in fixture.outputFiles() where file.hasSuffix(".html") {
            let html = try #require(fixture.read(file))
            #expect(html.contains("http-equiv=\"Content-Security-Policy\""), "\(file)")
            #expect(!html.contains("<script>"), "\(file) has an inline script")
            #expect(html.range(of: #" on[a-z]+=""#, options: .regularExpression) == nil, "\(file) has an inline event handler")
        }
    }
}
