import Foundation
import Testing
@testable import PortalBuild
@testable import PortalContent

@Suite("Build features")
struct FeatureTests {
    func site(_ changes: [String: String] = [:]) throws -> Fixture {
        try Fixture(fiveLanguageSite().merging(changes) { $1 })
    }

    @Test("the same input gives byte-identical output")
    func byteIdentical() async throws {
        let first = try site()
        defer { first.remove() }
        try await first.build()
        let a = first.snapshot()
        try await first.build()
        #expect(first.snapshot() == a, "rebuild in place")
        // A second copy in another folder: same bytes.
        let second = try site()
        defer { second.remove() }
        try await second.build()
        #expect(second.snapshot() == a, "a fresh folder")
        #expect(a.count > 50)
    }

    @Test("missingTranslations: skip writes no fallback pages, and the switcher leads to the home")
    func skipMode() async throws {
        let fixture = try site(["Content/site.yaml": "title: Cities\nbaseURL: https://cities.example.eu/\nmissingTranslations: skip\n"])
        defer { fixture.remove() }
        try await fixture.build()
        #expect(!fixture.exists("sl/about/contracts/index.html"))
        #expect(fixture.exists("sl/index.html"), "every language keeps a home")
        let en = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(en.contains("<a href=\"/sl/\" hreflang=\"sl-SI\" lang=\"sl-SI\">Slovenščina</a>"))
    }

    @Test("drafts are built only with --drafts and never listed in the sitemap")
    func drafts() async throws {
        let fixture = try site(["Content/en/news/draft-plan.md": page("Draft plan", "draft: true\ndate: 2024-10-01")])
        defer { fixture.remove() }
        try await fixture.build()
        #expect(!fixture.exists("en/news/draft-plan/index.html"))
        try await fixture.build { $0.includeDrafts = true }
        #expect(fixture.exists("en/news/draft-plan/index.html"))
        #expect(fixture.read("sitemap.xml")?.contains("draft-plan") == false)
    }

    @Test("slug replaces the last URL segment, transliterated")
    func slug() async throws {
        let fixture = try site(["Content/en/about/contracts.md": page("Contracts", "slug: Umowy Klimatyczne")])
        defer { fixture.remove() }
        try await fixture.build()
        #expect(fixture.exists("en/about/umowy-klimatyczne/index.html"))
        #expect(!fixture.exists("en/about/contracts/index.html"))
        #expect(fixture.exists("pl/about/umowy-klimatyczne/index.html"), "the fallback follows the original's URL")
    }

    @Test("aliases write a redirect page at each old URL")
    func aliases() async throws {
        let fixture = try site(["Content/en/about/contracts.md": page("Contracts", "aliases: [/en/old-contracts/, /contracts.html]")])
        defer { fixture.remove() }
        try await fixture.build()
        let redirect = try #require(fixture.read("en/old-contracts/index.html"))
        #expect(redirect.contains("<meta http-equiv=\"refresh\" content=\"0; url=/en/about/contracts/\">"))
        #expect(redirect.contains("<link rel=\"canonical\" href=\"https://cities.example.eu/en/about/contracts/\">"))
        #expect(fixture.exists("contracts.html"))
    }

    @Test("unknown front matter keys reach templates as page.params; layout picks the template")
    func paramsAndLayout() async throws {
        let fixture = try site([
            "Content/en/about/contracts.md": page("Contracts", "layout: plain\ncontact: {email: info@example.eu}"),
            "Templates/plain.mustache": "<p>{{page.title}} / {{page.params.contact.email}}</p>",
        ])
        defer { fixture.remove() }
        try await fixture.build()
        #expect(fixture.read("en/about/contracts/index.html") == "<p>Contracts / info@example.eu</p>")
    }

    @Test("a layout that does not exist is an error naming the page")
    func missingLayout() async throws {
        let fixture = try site(["Content/en/about/contracts.md": page("Contracts", "layout: nowhere")])
        defer { fixture.remove() }
        let errors = await fixture.failingBuild()
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Content/en/about/contracts.md: error: layout 'nowhere' does not exist") == true)
    }

    @Test("raw HTML is left out unless markdown.unsafeHTML; javascript: links are dropped")
    func rawHTML() async throws {
        let body = "<script>alert(1)</script>\n\n<b>bold</b> and [click](javascript:alert(1)) and [ok](/en/about/)."
        let fixture = try site(["Content/en/about/contracts.md": page("Contracts", body: body)])
        defer { fixture.remove() }
        try await fixture.build()
        let safe = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(!safe.contains("<script>alert"))
        #expect(!safe.contains("<b>bold</b>"))
        #expect(safe.contains("<!-- raw HTML omitted -->"))
        #expect(safe.contains("<a href=\"\">click</a>"))
        #expect(safe.contains("<a href=\"/en/about/\">ok</a>"))

        try fixture.write("Content/site.yaml", "title: Cities\nbaseURL: https://cities.example.eu/\nmarkdown: {unsafeHTML: true}\n")
        try await fixture.build()
        let unsafe = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(unsafe.contains("<b>bold</b>"))
        #expect(unsafe.contains("&lt;script>alert(1)&lt;/script>"), "GFM's tag filter still disarms <script>")
    }

    @Test("GFM: tables, strikethrough, autolinks, task lists, footnotes")
    func gfm() async throws {
        let body = """
        | City | Country |
        |---|---|
        | Kraków | PL |

        ~~old~~ www.example.eu

        - [x] signed
        - [ ] pending

        A claim.[^1]

        [^1]: The source.
        """
        let fixture = try site(["Content/en/about/contracts.md": page("Contracts", body: body)])
        defer { fixture.remove() }
        try await fixture.build()
        let html = try #require(fixture.read("en/about/contracts/index.html"))
        #expect(html.contains("<table>"))
        #expect(html.contains("<td>Kraków</td>"))
        #expect(html.contains("<del>old</del>"))
        #expect(html.contains("<a href=\"http://www.example.eu\">www.example.eu</a>"))
        #expect(html.contains("<input type=\"checkbox\" checked=\"\" disabled=\"\" />"))
        #expect(html.contains("class=\"footnotes\""))
    }

    @Test("--base-url overrides site.yaml in every absolute URL")
    func baseURL() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        try await fixture.build { $0.baseURL = "https://miasta.example.pl" }
        let sitemap = try #require(fixture.read("sitemap.xml"))
        #expect(sitemap.contains("<loc>https://miasta.example.pl/en/about/</loc>"))
        #expect(!sitemap.contains("cities.example.eu"))
        #expect(fixture.read("robots.txt")?.contains("Sitemap: https://miasta.example.pl/sitemap.xml") == true)
    }

    @Test("--languages builds only those languages; switchers list only them")
    func languagesOption() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        try await fixture.build { $0.languages = ["en", "pl"] }
        #expect(fixture.exists("en/index.html") && fixture.exists("pl/index.html"))
        #expect(!fixture.exists("sl/index.html") && !fixture.exists("hr/index.html"))
        let home = try #require(fixture.read("en/index.html"))
        #expect(!home.contains("/sl/"))
        let errors = await fixture.failingBuild { $0.languages = ["en", "xx"] }
        #expect(errors.first?.hasPrefix("--languages: error: 'xx' is not a language of this site") == true)
    }

    @Test("interface strings: _language.yaml overrides the theme, a missing one falls back to the default language; plurals per language")
    func interfaceStrings() async throws {
        let fixture = try site([
            "Content/pl/_language.yaml": language("Polski", code: "pl-PL", weight: 2, strings: "  skipToContent: Przejdź do treści\n"),
            "Templates/strings/pl.yaml": "skipToContent: ignored\nsearch: Szukaj\ncityCount:\n  one: \"{count} miasto\"\n  few: \"{count} miasta\"\n  many: \"{count} miast\"\n  other: \"{count} miasta\"\n",
            "Templates/strings/sl.yaml": "cityCount:\n  one: \"{count} mesto\"\n  two: \"{count} mesti\"\n  few: \"{count} mesta\"\n  other: \"{count} mest\"\n",
        ])
        defer { fixture.remove() }
        try await fixture.build()
        let pl = try #require(fixture.read("pl/index.html"))
        #expect(pl.contains(">Przejdź do treści</a>"))
        #expect(pl.contains(">Szukaj</a>"))
        #expect(pl.contains("<strong>3 miasta</strong>"))
        #expect(pl.contains(">Main menu<") || pl.contains("aria-label=\"Main menu\""), "untranslated strings fall back to English")
        let sl = try #require(fixture.read("sl/index.html"))
        #expect(sl.contains("<strong>3 mesta</strong>"))
        let en = try #require(fixture.read("en/index.html"))
        #expect(en.contains("<strong>3 cities</strong>"))
    }

    @Test("a failed build leaves no output folder where there was none")
    func failedFirstBuild() async throws {
        let fixture = try site(["Content/cities/ljubljana.yaml": "name: Ljubljana\ncountry: SI\ncoordinates: [123, 14]\n"])
        defer { fixture.remove() }
        _ = await fixture.failingBuild()
        #expect(!FileManager.default.fileExists(atPath: fixture.output))
    }

    @Test("a rebuild writes only what changed, removes what is gone, and unchanged files keep their time")
    func incrementalOutput() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        let first = try await fixture.build()
        #expect(first.filesChanged == first.filesWritten, "a first build writes every file")
        // The second build updates the folder beside, which is still empty.
        try await fixture.build()
        func modified(_ path: String) throws -> Date {
            try #require(try FileManager.default.attributesOfItem(atPath: fixture.output + "/" + path)[.modificationDate] as? Date)
        }
        let contractsTime = try modified("en/about/contracts/index.html")
        let before = fixture.snapshot()
        try await Task.sleep(for: .milliseconds(20))
        // An edit to one page's text, and a page removed.
        let contracts = try #require(fiveLanguageSite()["Content/en/about/contracts.md"])
        try fixture.write("Content/en/about/contracts.md", contracts.replacingOccurrences(of: "Climate City Contracts", with: "City Contracts for the climate"))
        try FileManager.default.removeItem(atPath: fixture.content + "/pl/only-polish.md")
        let report = try await fixture.build()
        let after = fixture.snapshot()
        #expect(report.filesChanged > 0 && report.filesChanged < report.filesWritten / 2, "\(report.filesChanged) of \(report.filesWritten) files changed")
        #expect(report.filesChanged == after.filter { before[$0.key] != $0.value }.count, "the count is the files whose bytes differ")
        #expect(after["en/about/contracts/index.html"] != before["en/about/contracts/index.html"])
        #expect(try modified("en/about/contracts/index.html") > contractsTime)
        let untouched = try #require(after.keys.first { $0.hasSuffix("index.html") && after[$0] == before[$0] })
        #expect(try modified(untouched) <= contractsTime, "\(untouched) was not rewritten")
        // The Polish fallback copy follows the English page; the removed page is gone.
        #expect(String(decoding: try #require(after["pl/about/contracts/index.html"]), as: UTF8.self).contains("City Contracts for the climate"))
        #expect(before["pl/only-polish/index.html"] != nil && after["pl/only-polish/index.html"] == nil)
        #expect(report.filesRemoved == 1)
        #expect(!FileManager.default.fileExists(atPath: fixture.output + "/pl/only-polish"), "its folder is gone too")
        // A fresh build into another folder gives the same bytes.
        let fresh = try Fixture(fiveLanguageSite())
        defer { fresh.remove() }
        try fixture.write("Content/en/about/contracts.md", contracts)
        try fixture.write("Content/pl/only-polish.md", try #require(fiveLanguageSite()["Content/pl/only-polish.md"]))
        try await fixture.build()
        try await fresh.build()
        #expect(fixture.snapshot() == fresh.snapshot())
    }

    @Test("a tracked placeholder in the output folder (.gitkeep) is kept, and not counted as a file of the site")
    func keepsPlaceholder() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        try fixture.write("Public/.gitkeep", "")
        let first = try await fixture.build()
        #expect(fixture.exists(".gitkeep"))
        #expect(first.filesChanged == first.filesWritten, "\(first.filesChanged) changed of \(first.filesWritten) files")
    }

    @Test("a rebuild renders only the pages whose inputs changed, and gives what a fresh build gives")
    func renderCache() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        let first = try await fixture.build()
        #expect(first.pagesRendered == first.filesWritten - first.staticFiles, "a first build renders everything")
        // The second build writes into an empty folder beside: everything again. The third
        // writes into the first build's copy, which it can keep.
        try await fixture.build()
        let unchanged = try await fixture.build()
        // Only the files that are not HTML pages: per language (five) the city map, the
        // search index and the feed; the sitemap and robots.txt.
        #expect(unchanged.pagesRendered == 5 * 3 + 2)
        #expect(unchanged.filesChanged == 0)

        // A text edit: the page, its fallback copies, its section's list, the home…
        let contracts = try #require(fiveLanguageSite()["Content/en/about/contracts.md"])
        try fixture.write("Content/en/about/contracts.md", contracts.replacingOccurrences(of: "Contracts [about]", with: "Signed contracts [about]"))
        let edited = try await fixture.build()
        #expect(edited.pagesRendered > unchanged.pagesRendered && edited.pagesRendered < first.pagesRendered / 2, "\(edited.pagesRendered) of \(first.pagesRendered)")
        let fresh = try Fixture(fiveLanguageSite().merging(["Content/en/about/contracts.md": contracts.replacingOccurrences(of: "Contracts [about]", with: "Signed contracts [about]")]) { $1 })
        defer { fresh.remove() }
        try await fresh.build()
        #expect(fixture.snapshot() == fresh.snapshot())
        // The next build writes into the older copy, where that page still has the old text.
        try await fixture.build()
        #expect(fixture.snapshot() == fresh.snapshot())

        // A file changed by hand in the copy beside is rendered again, not trusted.
        let beside = fixture.root + "/.Public.previous"
        try Data("<!DOCTYPE html><p>changed by hand</p>".utf8).write(to: URL(fileURLWithPath: beside + "/en/about/index.html"))
        try await fixture.build()
        #expect(fixture.snapshot() == fresh.snapshot())
        // Also to bytes of the same size with the modification time set back, as `cp -a`
        // or `rsync -a` leave it: the status change time tells.
        try Fixture.changeKeepingTime(beside + "/en/news/index.html")
        try await fixture.build()
        #expect(fixture.snapshot() == fresh.snapshot())

        // A template change renders every page.
        let footer = try String(contentsOfFile: fixture.templates + "/partials/footer.mustache", encoding: .utf8)
        try fixture.write("Templates/partials/footer.mustache", footer.replacingOccurrences(of: "<footer class=\"site-footer\">", with: "<footer class=\"site-footer\" data-edition=\"2\">"))
        let restyled = try await fixture.build()
        #expect(restyled.pagesRendered == first.pagesRendered)
        #expect(fixture.read("en/index.html")?.contains("data-edition=\"2\"") == true)

        // Without the cache file, everything is rendered again, to the same bytes.
        let before = fixture.snapshot()
        try FileManager.default.removeItem(atPath: fixture.root + "/.Public.cache")
        let uncached = try await fixture.build()
        #expect(uncached.pagesRendered == first.pagesRendered)
        #expect(fixture.snapshot() == before)
    }

    @Test("a folder beside left half-written by a killed build is repaired by the next build")
    func repairsFolderBeside() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        try await fixture.build()
        try await fixture.build()
        let good = fixture.snapshot()
        // What a killed build or an earlier site can leave: a truncated file, a stray file
        // and folder, a file where a folder belongs, a folder where a file belongs.
        let beside = fixture.root + "/.Public.previous"
        #expect(FileManager.default.fileExists(atPath: beside + "/en/index.html"), "the previous site is kept beside")
        try Data("<!DOCTYPE html><ht".utf8).write(to: URL(fileURLWithPath: beside + "/en/index.html"))
        try FileManager.default.createDirectory(atPath: beside + "/en/stray/deep", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: beside + "/en/stray/deep/index.html"))
        try FileManager.default.removeItem(atPath: beside + "/sl/about")
        try Data("x".utf8).write(to: URL(fileURLWithPath: beside + "/sl/about"))
        try FileManager.default.removeItem(atPath: beside + "/pl/about/index.html")
        try FileManager.default.createDirectory(atPath: beside + "/pl/about/index.html/deep", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: beside + "/pl/about/index.html/deep/page.html"))
        try await fixture.build()
        #expect(fixture.snapshot() == good)
        #expect(!fixture.exists("en/stray"))
    }

    @Test("folders of the site beside that are as the last build left them are not read again; changed ones are, and what is stray goes")
    func folderRecords() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        let beside = fixture.root + "/.Public.previous"
        let files = FileManager.default
        /// A build that records folders changed up to `settled` seconds before it (a
        /// portal build waits three, for file systems with coarse times).
        @discardableResult func build(settled: Int64 = 0) async throws -> BuildReport {
            try await fixture.build { $0.settledAge = settled }
        }
        /// Builds into each copy until only its top is read: a folder a build changed is
        /// read again by the next build into its copy (its time no longer matches).
        func settle() async throws {
            for _ in 0..<4 { try await build() }
            #expect(try await build().foldersRead == 1)
            #expect(try await build().foldersRead == 1)
        }
        try await build()
        try await build()
        let good = fixture.snapshot()
        let folderCount = try files.subpathsOfDirectory(atPath: fixture.output).filter {
            var isFolder: ObjCBool = false
            return files.fileExists(atPath: fixture.output + "/" + $0, isDirectory: &isFolder) && isFolder.boolValue
        }.count
        #expect(folderCount > 50)
        // The first two builds wrote into empty folders. Each copy is read whole once
        // more, and recorded; then only its top is read.
        #expect(try await build().foldersRead == folderCount + 1)
        #expect(try await build().foldersRead == folderCount + 1)
        #expect(try await build().foldersRead == 1)
        #expect(try await build().foldersRead == 1)
        #expect(fixture.snapshot() == good)

        // A stray file in a folder of the copy beside: that folder is read, the file goes.
        try Data("x".utf8).write(to: URL(fileURLWithPath: beside + "/en/about/stray.html"))
        #expect(try await build().foldersRead == 2)
        #expect(!fixture.exists("en/about/stray.html"))
        #expect(fixture.snapshot() == good)
        #expect(try await build().foldersRead == 1)
        #expect(try await build().foldersRead == 2, "en/about, which the build before last changed")
        try await settle()
        // A folder removed and made again with a stray file, its modification time and its
        // parent's set back to what they were (as `cp -a` or `rsync -a` do): the folders'
        // status change times differ from the records, which no program can set back.
        let city = beside + "/pl/cities/ljubljana"
        let times = try [city, beside + "/pl/cities"].map { try #require(files.attributesOfItem(atPath: $0)[.modificationDate] as? Date) }
        let page = try Data(contentsOf: URL(fileURLWithPath: city + "/index.html"))
        try files.removeItem(atPath: city)
        try files.createDirectory(atPath: city + "/stray", withIntermediateDirectories: true)
        try page.write(to: URL(fileURLWithPath: city + "/index.html"))
        try Data("x".utf8).write(to: URL(fileURLWithPath: city + "/stray/index.html"))
        try files.setAttributes([.modificationDate: times[0]], ofItemAtPath: city)
        try files.setAttributes([.modificationDate: times[1]], ofItemAtPath: beside + "/pl/cities")
        #expect(try await build().foldersRead == 4, "the top, the cities, the city and its stray folder")
        #expect(!fixture.exists("pl/cities/ljubljana/stray"))
        #expect(fixture.snapshot() == good)
        try await settle()

        // A folder that changed (here, its mode set again) is read, and recorded only
        // when it changed long enough before the build.
        try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: beside + "/en/news")
        #expect(try await build(settled: 3600).foldersRead == 2)
        #expect(try await build(settled: 3600).foldersRead == 1)
        #expect(try await build(settled: 3600).foldersRead == 2, "en/news again: it changed too recently to be recorded")
        try await build()
        #expect(try await build().foldersRead == 2)
        try await build()
        #expect(try await build().foldersRead == 1)

        // Without the record, or with one not understood, every folder is read.
        try files.removeItem(atPath: fixture.root + "/.Public.folders")
        #expect(try await build().foldersRead == folderCount + 1)
        try Data("portal-folders 1\ntree 1 99\n".utf8).write(to: URL(fileURLWithPath: fixture.root + "/.Public.folders"))
        #expect(try await build().foldersRead == folderCount + 1)
        #expect(fixture.snapshot() == good)
    }

    @Test("files of the site beside known to hold their bytes are not read back; a file changed by hand is, even with its time set back")
    func fileRecords() async throws {
        let fixture = try site()
        defer { fixture.remove() }
        let beside = fixture.root + "/.Public.previous"
        let files = FileManager.default
        /// A build that renders every page (without the render cache, which would keep
        /// the pages it knows) and records files unchanged for `settled` seconds before it
        /// (a portal build waits three, for file systems with coarse times).
        @discardableResult func build(settled: Int64 = 0) async throws -> BuildReport {
            try? files.removeItem(atPath: fixture.root + "/.Public.cache")
            return try await fixture.build { $0.settledAge = settled }
        }
        try await build()
        try await build()
        let good = fixture.snapshot()
        let fileCount = good.count
        #expect(fileCount > 50)
        // The first two builds wrote into empty folders. Each copy is read back whole
        // once more, and recorded; then nothing is read back.
        #expect(try await build().filesReadBack == fileCount)
        #expect(try await build().filesReadBack == fileCount)
        var report = try await build()
        #expect(report.filesReadBack == 0 && report.filesChanged == 0)
        #expect(try await build().filesReadBack == 0)
        #expect(fixture.snapshot() == good)

        // A page of the copy beside changed by hand to other bytes of the same size, its
        // modification time set back (as `cp -a` or `rsync -a` would): its status change
        // time differs from the record. It is read back and written again.
        try Fixture.changeKeepingTime(beside + "/en/about/index.html")
        report = try await build()
        #expect(report.filesReadBack == 1 && report.filesChanged == 1)
        #expect(fixture.snapshot() == good)
        // A file the build wrote has no record: the next build into its copy reads it
        // back, and records it.
        #expect(try await build().filesReadBack == 0)
        #expect(try await build().filesReadBack == 1)
        #expect(try await build().filesReadBack == 0)
        #expect(try await build().filesReadBack == 0)

        // A file replaced by a copy with the same bytes (another inode): read back, not written.
        let feed = beside + "/sitemap.xml"
        try files.copyItem(atPath: feed, toPath: feed + ".copy")
        try files.removeItem(atPath: feed)
        try files.moveItem(atPath: feed + ".copy", toPath: feed)
        report = try await build()
        #expect(report.filesReadBack == 1 && report.filesChanged == 0)
        #expect(fixture.snapshot() == good)
        try await build()

        // A file that changed within the settling time is read back each time, not recorded.
        try files.setAttributes([.posixPermissions: 0o644], ofItemAtPath: feed)
        #expect(try await build(settled: 3600).filesReadBack == 1)
        #expect(try await build(settled: 3600).filesReadBack == 0)
        #expect(try await build(settled: 3600).filesReadBack == 1, "it changed too recently to be recorded")
        try await build()
        #expect(try await build().filesReadBack == 1)
        try await build()
        #expect(try await build().filesReadBack == 0)

        // Without the record, or with one not understood, every file is read back.
        try files.removeItem(atPath: fixture.root + "/.Public.files")
        #expect(try await build().filesReadBack == fileCount)
        try Data("portal-files 1\ntree 1 99\n".utf8).write(to: URL(fileURLWithPath: fixture.root + "/.Public.files"))
        #expect(try await build().filesReadBack == fileCount)
        #expect(fixture.snapshot() == good)
    }

    @Test("broken internal links and anchors are reported as warnings with file and line")
    func linkWarnings() async throws {
        let fixture = try site(["Content/en/about/contracts.md": page("Contracts", body: "Intro.\n\nSee [nowhere](/en/nowhere/) and [bad anchor](/en/about/#nope) and ![](/media/logo.svg). Fine: [encoded](/en/%61bout/), [query](/en/about/?x=1#), [both](/en/%61bout/?a#b).")])
        defer { fixture.remove() }
        let report = try await fixture.build()
        let warnings = report.warnings.map { $0.description.replacingOccurrences(of: fixture.root + "/", with: "") }
        #expect(warnings.contains { $0.hasPrefix("Content/en/about/contracts.md:6:5: warning: link to '/en/nowhere/' leads to no page of the site") })
        #expect(warnings.contains { $0.hasPrefix("Content/en/about/contracts.md:6:33: warning: link to '/en/about/#nope': the page has no heading with id 'nope'") })
        #expect(warnings.contains { $0.hasPrefix("Content/en/about/contracts.md:6:67: warning: image '/media/logo.svg' has no alternative text") })
        // Percent escapes are decoded, a query and an empty fragment are not part of the path.
        #expect(!warnings.contains { $0.contains("'/en/%61bout/'") || $0.contains("x=1") })
        #expect(warnings.contains { $0.contains("link to '/en/%61bout/?a#b': the page has no heading with id 'b'") })
    }

    @Test("languageDirection rtl reaches <html dir>; a title map without the language gives the default language's text")
    func directionAndTextSettings() async throws {
        let fixture = try site([
            "Content/ar/_language.yaml": "languageName: العربية\nlanguageCode: ar\nlanguageDirection: rtl\nweight: 9\n",
        ])
        defer { fixture.remove() }
        try await fixture.build()
        let arabic = try #require(fixture.read("ar/index.html"))
        #expect(arabic.contains("<html lang=\"ar\" dir=\"rtl\">"))
        #expect(arabic.contains("<title>Climate Cities</title>"), "site.title has no 'ar' entry: the English text")
        let polish = try #require(fixture.read("pl/index.html"))
        #expect(polish.contains("Miasta klimatyczne</span>"))
    }

    @Test("without menus in site.yaml the main menu lists the home's sections by weight, with the city directory")
    func defaultMenu() async throws {
        let fixture = try site(["Content/site.yaml": "title: Cities\nbaseURL: https://cities.example.eu/\n"])
        defer { fixture.remove() }
        try await fixture.build()
        let html = try #require(fixture.read("en/index.html"))
        let menu = try #require(html.range(of: "<nav class=\"main-menu\"").map { String(html[$0.lowerBound...].prefix(800)) })
        let order = ["The mission", "Mission cities", "News"].compactMap { menu.range(of: ">\($0)</a>")?.lowerBound }
        #expect(order.count == 3 && order == order.sorted(), "weights 1, 2, 3")
    }
}
