import Foundation
import Testing
@testable import PortalBuild
@testable import PortalContent

/// One test per line of the contract (SPEC.md), on a five-language fixture where the
/// fifth language (hr) exists only as a folder with its `_language.yaml`.
@Suite("Contract: five-language site")
struct ContractTests {
    let fixture: Fixture

    init() async throws {
        fixture = try Fixture(fiveLanguageSite())
        try await fixture.build()
    }

    // MARK: Languages

    @Test("a language is a folder with _language.yaml; every language gets a home")
    func languagesFromFolders() throws {
        for code in ["en", "pl", "sl", "ro", "hr"] {
            #expect(fixture.exists("\(code)/index.html"), "home of \(code)")
        }
        // hr has no pages of its own: its home is the English one, in the Croatian interface.
        let hr = try #require(fixture.read("hr/index.html"))
        #expect(hr.contains("<html lang=\"hr-HR\""))
        #expect(hr.contains("<article class=\"home\" lang=\"en-GB\">"))
    }

    @Test("languageName in the switcher, languageCode in html lang and hreflang, weight orders the switcher")
    func languageSettings() throws {
        let home = try #require(fixture.read("pl/index.html"))
        #expect(home.contains("<html lang=\"pl-PL\" dir=\"ltr\">"))
        let names = ["English", "Polski", "Slovenščina", "Română", "Hrvatski"]
        let positions = names.compactMap { home.range(of: ">\($0)<")?.lowerBound }
        #expect(positions.count == 5)
        #expect(positions == positions.sorted(), "switcher follows weight order")
        #expect(home.contains("hreflang=\"pl-PL\""))
    }

    // MARK: Pages and URLs

    @Test("Content/<lang>/<path>.md is written at /<lang>/<path>/, _index.md is the section")
    func pageURLs() {
        #expect(fixture.exists("en/about/index.html"))
        #expect(fixture.exists("en/about/contracts/index.html"))
        #expect(fixture.exists("en/news/index.html"))
    }

    @Test("URL segments are transliterated ASCII: 'Łódź Transport Plan.md' → lodz-transport-plan/")
    func transliteratedURL() {
        #expect(fixture.exists("en/news/lodz-transport-plan/index.html"))
    }

    @Test("headings get ids so that page/#heading links work")
    func headingIDs() throws {
        let about = try #require(fixture.read("en/about/index.html"))
        #expect(about.contains("<h2 id=\"citizens-at-the-centre\">Citizens at the centre</h2>"))
        let pl = try #require(fixture.read("pl/about/index.html"))
        #expect(pl.contains("<h2 id=\"mieszkancy-w-centrum\">"))
    }

    // MARK: Translations

    @Test("translations by path and by translationKey list each other with hreflang and x-default")
    func hreflangAlternates() throws {
        let about = try #require(fixture.read("pl/about/index.html"))
        #expect(about.contains("<link rel=\"alternate\" hreflang=\"en-GB\" href=\"https://cities.example.eu/en/about/\">"))
        #expect(about.contains("<link rel=\"alternate\" hreflang=\"pl-PL\" href=\"https://cities.example.eu/pl/about/\">"))
        #expect(about.contains("<link rel=\"alternate\" hreflang=\"x-default\" href=\"https://cities.example.eu/en/about/\">"))
        // Fallback copies are not alternates.
        #expect(!about.contains("hreflang=\"sl-SI\" href"))
        let keyed = try #require(fixture.read("pl/news/plan-lodz/index.html"))
        #expect(keyed.contains("hreflang=\"en-GB\" href=\"https://cities.example.eu/en/news/lodz-plan-key/\""))
    }

    @Test("the language switcher never leads to a missing page")
    func switcherNeverDeadEnds() throws {
        let files = Set(fixture.outputFiles())
        for file in files where file.hasSuffix(".html") {
            let html = try #require(fixture.read(file))
            guard let start = html.range(of: "<nav class=\"language-switcher\""), let end = html[start.upperBound...].range(of: "</nav>") else { continue }
            for link in hrefs(in: String(html[start.upperBound..<end.lowerBound])) {
                let target = link.hasSuffix("/") ? String(link.dropFirst()) + "index.html" : String(link.dropFirst())
                #expect(files.contains(target), "\(file) switches to \(link)")
            }
        }
        // A page only in Polish: the English switcher entry goes to the English home.
        let polishOnly = try #require(fixture.read("pl/only-polish/index.html"))
        #expect(polishOnly.contains("<a href=\"/en/\" hreflang=\"en-GB\""))
    }

    @Test("fallback: an untranslated page is written in X's interface with the English text in <article lang>, a notice and a canonical link")
    func fallbackPages() throws {
        let page = try #require(fixture.read("sl/about/contracts/index.html"))
        #expect(page.contains("<html lang=\"sl-SI\""))
        #expect(page.contains("<article class=\"page\" lang=\"en-GB\">"))
        #expect(page.contains("<p class=\"notice\" role=\"note\">"))
        #expect(page.contains("<link rel=\"canonical\" href=\"https://cities.example.eu/en/about/contracts/\">"))
        #expect(!page.contains("rel=\"alternate\" hreflang"))
        let sitemap = try #require(fixture.read("sitemap.xml"))
        #expect(!sitemap.contains("<loc>https://cities.example.eu/sl/about/contracts/</loc>"))
        #expect(sitemap.contains("<loc>https://cities.example.eu/en/about/contracts/</loc>"))
    }

    // MARK: Interface strings, plurals, dates, numbers

    @Test("dates and numbers in the page language's locale")
    func localizedDatesAndNumbers() throws {
        let en = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(en.contains("<time datetime=\"2024-11-09\">9 November 2024</time>"))
        let sl = try #require(fixture.read("sl/about/contracts/index.html"))
        #expect(sl.contains("<time datetime=\"2024-11-09\">9. november 2024</time>"))
        let pl = try #require(fixture.read("pl/cities/krakow/index.html"))
        #expect(pl.contains("804\u{a0}237"))
        let ro = try #require(fixture.read("ro/cities/krakow/index.html"))
        #expect(ro.contains("804.237"))
    }

    // MARK: Cities

    @Test("each city has a page in every language, with its narrative and localised name")
    func cityPages() throws {
        for code in ["en", "pl", "sl", "ro", "hr"] {
            for id in ["krakow", "ljubljana", "cluj-napoca"] {
                #expect(fixture.exists("\(code)/cities/\(id)/index.html"), "\(code)/\(id)")
            }
        }
        let ro = try #require(fixture.read("ro/cities/krakow/index.html"))
        #expect(ro.contains("<h1>Cracovia"))
        let en = try #require(fixture.read("en/cities/krakow/index.html"))
        #expect(en.contains("<h2 id=\"climate-contract\">"))
        #expect(!en.contains("<strong>Polish</strong>"), "the summary gives way to the narrative")
        let ljubljana = try #require(fixture.read("en/cities/ljubljana/index.html"))
        #expect(ljubljana.contains("A <em>Slovenian</em> mission city."), "the summary, as Markdown, where there is no narrative")
    }

    @Test("the city index lists every city with a filter by country and sector")
    func cityIndex() throws {
        let index = try #require(fixture.read("pl/cities/index.html"))
        #expect(index.components(separatedBy: "class=\"city-item\"").count - 1 == 3)
        #expect(index.contains("<select id=\"filter-country\""))
        #expect(index.contains("<select id=\"filter-sector\""))
        #expect(index.contains("data-sectors=\"energy mobility\""))
        #expect(index.contains("<option value=\"SI\">Słowenia</option>"))
    }

    // MARK: Data

    @Test("Content/data/*.yaml reaches templates as data.<name>, texts in the reader's language")
    func dataFiles() async throws {
        let fixture = try Fixture(fiveLanguageSite().merging([
            "Templates/page.mustache": "{{#data.projects}}<p>{{name}}: {{summary}}</p>{{/data.projects}}",
        ]) { $1 })
        defer { fixture.remove() }
        try await fixture.build()
        #expect(fixture.read("pl/about/contracts/index.html") == "<p>NetZeroCities: Platforma misji</p>")
        #expect(fixture.read("sl/about/contracts/index.html") == "<p>NetZeroCities: The mission platform</p>")
    }

    // MARK: Other outputs

    @Test("/index.html sends visitors to the default language and lists every language")
    func rootIndex() throws {
        let root = try #require(fixture.read("index.html"))
        #expect(root.contains("<meta http-equiv=\"refresh\" content=\"0; url=/en/\">"))
        for code in ["en", "pl", "sl", "ro", "hr"] { #expect(root.contains("href=\"/\(code)/\"")) }
    }

    @Test("sitemap.xml has absolute URLs and xhtml:link alternates with x-default")
    func sitemap() throws {
        let sitemap = try #require(fixture.read("sitemap.xml"))
        #expect(sitemap.contains("xmlns:xhtml=\"http://www.w3.org/1999/xhtml\""))
        #expect(sitemap.contains("<loc>https://cities.example.eu/pl/about/</loc>"))
        #expect(sitemap.contains("<xhtml:link rel=\"alternate\" hreflang=\"pl-PL\" href=\"https://cities.example.eu/pl/about/\"/>"))
        #expect(sitemap.contains("<xhtml:link rel=\"alternate\" hreflang=\"x-default\" href=\"https://cities.example.eu/en/about/\"/>"))
        #expect(sitemap.contains("<loc>https://cities.example.eu/hr/cities/krakow/</loc>"))
    }

    @Test("an Atom feed per language of its dated pages, newest first")
    func feeds() throws {
        let feed = try #require(fixture.read("en/feed.xml"))
        #expect(feed.contains("<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en-GB\">"))
        let titles = ["Climate City Contracts", "Lodz plan (keyed)", "Łódź transport plan"]
        let positions = titles.compactMap { feed.range(of: "<title>\($0)</title>")?.lowerBound }
        #expect(positions.count == 3 && positions == positions.sorted())
        let pl = try #require(fixture.read("pl/feed.xml"))
        #expect(pl.contains("<title>Plan transportowy Łodzi</title>"))
        #expect(!pl.contains("Climate City Contracts"), "fallback pages are not in feeds")
    }

    @Test("404 pages, robots.txt pointing at the sitemap")
    func notFoundAndRobots() throws {
        #expect(fixture.exists("404.html"))
        for code in ["en", "pl", "sl", "ro", "hr"] { #expect(fixture.exists("\(code)/404.html")) }
        #expect(fixture.read("robots.txt")?.contains("Sitemap: https://cities.example.eu/sitemap.xml") == true)
    }

    @Test("a per-language search page and a diacritic-insensitive index")
    func search() throws {
        #expect(fixture.exists("pl/search/index.html"))
        let index = try #require(fixture.read("en/search/index.json"))
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(index.utf8)) as? [[String: String]])
        let lodz = try #require(entries.first { $0["t"] == "Łódź transport plan" })
        #expect(lodz["f"]?.contains("lodz transport plan") == true)
        #expect(lodz["u"] == "/en/news/lodz-transport-plan/")
        #expect(entries.contains { $0["u"] == "/en/cities/krakow/" && $0["f"]?.contains("krakow") == true })
    }

    @Test("Templates/assets/ is copied to /assets/ (also fingerprinted), Content/media/ to /media/")
    func assetsAndMedia() throws {
        #expect(fixture.exists("assets/style.css"))
        #expect(fixture.outputFiles().contains { $0.hasPrefix("assets/style.") && $0.hasSuffix(".css") && $0 != "assets/style.css" })
        #expect(fixture.read("media/logo.svg") == "<svg xmlns=\"http://www.w3.org/2000/svg\"/>")
    }

    @Test("no page loads anything from another host")
    func noOtherHosts() throws {
        for file in fixture.outputFiles() where file.hasSuffix(".html") {
            let html = try #require(fixture.read(file))
            for pattern in ["<script src=\"http", "<link rel=\"stylesheet\" href=\"http", "<img src=\"http", "@import"] {
                #expect(!html.contains(pattern), "\(file) loads \(pattern)")
            }
        }
    }
}

/// The `href` values in an HTML fragment.
func hrefs(in html: String) -> [String] {
    html.components(separatedBy: "href=\"").dropFirst().compactMap { $0.split(separator: "\"", maxSplits: 1).first.map(String.init) }
}
