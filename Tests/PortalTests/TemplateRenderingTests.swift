import Foundation
import Mustache
@testable import PortalContent
import PortalCore
import Testing
@testable import PortalBuild
@testable import PortalRender

/// The ways the renderer saves template work (a language's constants written into its
/// templates, a partial's HTML reused where it comes out the same, context values
/// wrapped for faster lookups) must not change a byte of what a page shows.
@Suite("Template rendering: compiled templates, partial memo, wrapped values")
struct TemplateRenderingTests {
    /// Every file of a fixture site, rendered with the compiled templates and with the
    /// templates as written.
    func renderBothWays(_ fixture: Fixture, partialMemoLimit: Int? = nil) async throws -> (memo: [String: [UInt8]], plain: [String: [UInt8]], renderer: SiteRenderer) {
        let renderer = try await Builder(options: fixture.options()).prepare()
        #expect(renderer.compiled != nil)
        if let partialMemoLimit { renderer.compiled?.partialMemoLimit = partialMemoLimit }
        var plainRenderer = renderer
        plainRenderer.compiled = nil
        var memo: [String: [UInt8]] = [:]
        var plain: [String: [UInt8]] = [:]
        // Twice over the jobs, so that the second round is served from the memo.
        for _ in 0..<2 {
            for job in renderer.jobs {
                memo[renderer.path(for: job)] = renderer.bytes(of: job)
            }
        }
        for job in plainRenderer.jobs {
            plain[plainRenderer.path(for: job)] = plainRenderer.bytes(of: job)
        }
        return (memo, plain, renderer)
    }

    /// The files of a site built from `files`, rendered both ways, after checking that
    /// every file comes out the same.
    func renderedTheSameBothWays(_ files: [String: String], partialMemoLimit: Int? = nil) async throws -> (files: [String: [UInt8]], renderer: SiteRenderer) {
        let fixture = try Fixture(files)
        defer { fixture.remove() }
        let (compiled, plain, renderer) = try await renderBothWays(fixture, partialMemoLimit: partialMemoLimit)
        #expect(compiled.count == plain.count)
        let different = plain.keys.filter { compiled[$0] != plain[$0] }.sorted()
        #expect(different.isEmpty, "differs with compiled templates and the memo: \(different.prefix(5))")
        // Written with the compiled theme, whose every fallback parsed when it was needed
        // (else the pages would have come from the templates as written).
        #expect(renderer.compiled?.isSound == true)
        return (compiled, renderer)
    }

    @Test("a fallback's text that does not parse: the pages after it render from the templates as written")
    func unsoundFallback() async throws {
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite())
        let compiled = try #require(renderer.compiled)
        let hits = renderer.partialMemoCounts["partials/footer"]?.hits ?? 0
        #expect(hits > 0)
        // A section's lines cut where they do not parse (the build's own never are: they
        // are parts of templates that parsed, at their tags' bounds).
        _ = compiled.fallback("{{#page}}<p>{{title}}</p>")
        #expect(!compiled.isSound)
        let again = renderer.jobs.filter { renderer.bytes(of: $0) != files[renderer.path(for: $0)] }.map(renderer.path(for:))
        #expect(again.isEmpty, "differs once the compiled theme is not sound: \(again.prefix(5))")
        // The same files, none from the compiled theme's memo.
        #expect(renderer.partialMemoCounts["partials/footer"]?.hits == hits)
    }

    @Test("the repository theme: every page is the same with and without the memo, and the menu and footer are reused")
    func repositoryTheme() async throws {
        let (_, renderer) = try await renderedTheSameBothWays(fiveLanguageSite())
        let counts = renderer.partialMemoCounts
        #expect((counts["partials/footer"]?.hits ?? 0) > 0)
        #expect((counts["partials/menu"]?.hits ?? 0) > 0)
        // One footer per language, whatever the number of pages.
        #expect(counts["partials/footer"]?.misses == renderer.plan.outputLanguages.count)
        // The menu's renderings for the memo are written by the build, which notes what
        // they read of the root, not rendered by Mustache through a recorder.
        #expect((counts["partials/menu"]?.misses ?? 0) > 0)
        #expect(counts["partials/menu"]?.missesByMustache == 0)
        // So are the footer's, text only once the language's strings are written in.
        #expect(counts["partials/footer"]?.missesByMustache == 0)
        // Nothing is left to Mustache, whose templates are then never parsed.
        #expect(renderer.mustacheLanguages == 0)
        // Every page's context holds its language's shared values, which the language's
        // templates have written in.
        let inputs = renderer.jobs.compactMap(renderer.htmlInput(for:))
        #expect(inputs.count > 20)
        #expect(inputs.allSatisfy(renderer.holdsSharedValues))
        // The switcher's and the head's links to other languages, item by item: a page
        // shares the items of its translations.
        // (The switcher partial is memoized as a whole on this small site.)
        // (Their bodies are text and names only: the build writes them itself.)
        #expect((renderer.sectionMemoCounts["page:alternates"]?.written ?? 0) > 0)
        // The directory's countries with their plural city counts (`count.plural.cityCount`):
        // written by the build, none rendered by Mustache.
        #expect((renderer.sectionMemoCounts["cities:countries"]?.written ?? 0) > 0)
        #expect(renderer.sectionMemoCounts["cities:countries"]?.misses == 0)
    }

    @Test("Mustache's templates are parsed for the languages whose pages need them, and render as the build writes")
    func mustacheWhereNeeded() async throws {
        // An indented partial (Mustache indents each of its lines) in the news pages only:
        // those pages go to Mustache whole, the others are written by the build.
        let page = try String(contentsOfFile: Fixture.repositoryTemplates + "/page.mustache", encoding: .utf8)
        #expect(page.contains("\n{{>partials/fallback-notice}}\n"))
        let indented = page.replacingOccurrences(of: "\n{{>partials/fallback-notice}}\n", with: "\n  {{>partials/fallback-notice}}\n")
        let sources = fiveLanguageSite().merging(["Templates/page-news.mustache": indented]) { $1 }
        let (files, renderer) = try await renderedTheSameBothWays(sources)
        let languages = Set(renderer.plan.plannedPages.filter { $0.urlPath.contains("/news/") }.map(\.language))
        #expect(!languages.isEmpty)
        #expect(renderer.mustacheLanguages == languages.count)
        #expect(String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self).contains("<h1>Lodz plan (keyed)</h1>"))
        // Rendered on every core, pages of one language asking for its templates at once:
        // the same files.
        let fixture = try Fixture(sources)
        defer { fixture.remove() }
        let site = try await Builder(options: fixture.options()).renderSite()
        let rendered = Dictionary(uniqueKeysWithValues: site.files.map { ($0.path, $0.bytes) })
        #expect(files.keys.filter { rendered[$0] != files[$0] }.isEmpty)
    }

    @Test("a list many pages share is written once and copied, unless its items leave a name to the page")
    func sharedLists() async throws {
        // The repository theme: a translation set's hreflang links in the head, a
        // section's breadcrumbs.
        let (_, renderer) = try await renderedTheSameBothWays(fiveLanguageSite())
        #expect((renderer.sectionMemoCounts["page:alternates"]?.copied ?? 0) > 0)
        #expect((renderer.sectionMemoCounts["partials/breadcrumbs:breadcrumbs"]?.copied ?? 0) > 0)
        // Items that leave names to the page's root (`page.title`, `canonical`): the
        // lists are shared as before, but each page writes its own.
        let link = "<link rel=\"alternate\" hreflang=\"{{hreflang}}\" href=\"{{href}}\">"
        let base = try String(contentsOfFile: Fixture.repositoryTemplates + "/base.mustache", encoding: .utf8)
        let crumbs = try String(contentsOfFile: Fixture.repositoryTemplates + "/partials/breadcrumbs.mustache", encoding: .utf8)
        #expect(base.contains(link) && crumbs.contains("<li><a href=\"{{url}}\">{{title}}</a></li>"))
        let (files, other) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/base.mustache": base.replacingOccurrences(of: link, with: "<link rel=\"alternate\" hreflang=\"{{hreflang}}\" href=\"{{href}}\" title=\"{{page.title}}\" data-canonical=\"{{canonical}}\">"),
            "Templates/partials/breadcrumbs.mustache": crumbs.replacingOccurrences(of: "<li><a href=\"{{url}}\">{{title}}</a></li>", with: "<li><a href=\"{{url}}\">{{title}}</a> ({{page.title}})</li>"),
        ]) { $1 })
        #expect((other.sectionMemoCounts["page:alternates"]?.written ?? 0) > 0)
        #expect(other.sectionMemoCounts["page:alternates"]?.copied == 0)
        #expect(other.sectionMemoCounts["partials/breadcrumbs:breadcrumbs"]?.copied == 0)
        // Two pages of one translation set, each with its own title in the same links.
        let polish = String(decoding: files["pl/news/plan-lodz/index.html"] ?? [], as: UTF8.self)
        let english = String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self)
        #expect(polish.components(separatedBy: " title=\"Plan transportowy Łodzi\" data-canonical=").count > 2)
        #expect(english.components(separatedBy: " title=\"Lodz plan (keyed)\" data-canonical=").count > 2)
    }

    @Test("a partial whose memo stopped is written by the build, or rendered, as Mustache renders it")
    func partialsAfterTheirMemo() async throws {
        // Every partial's memo stops after its first rendering (as on a large site where
        // a partial names the page): the repository's partials are written by the build
        // from then on, and a footer with lists inside lists (a name found in the inner
        // item, the outer one, the page), an object, inverted sections over lists, and a
        // number.
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/partials/footer.mustache": """
            <footer>{{#noindex}}<p>{{page.title}}</p>{{/noindex}}{{^noindex}}<p>{{t.search}}</p>{{/noindex}}
            {{#page.date}}
            <p>{{page.date}}</p>
            {{/page.date}}
            {{#menu}}<i>{{title}}</i>{{/menu}}|{{cityCount}}</footer>
            <nav>{{#menu}}{{#switcher}}{{title}}:{{name}}:{{url}};{{/switcher}}{{#current}}*{{/current}}{{/menu}}</nav>
            <p>{{#page}}{{title}}{{#isFallback}}!{{/isFallback}}{{/page}}{{^menu}}none{{/menu}}{{^breadcrumbs}}top{{/breadcrumbs}}{{^nothing}}-{{/nothing}}</p>

            """,
        ]) { $1 }, partialMemoLimit: 1)
        let counts = renderer.partialMemoCounts
        #expect(counts["partials/switcher"]?.misses == 1)
        #expect(counts["partials/footer"]?.misses == 1)
        // Written by the build, not handed to Mustache, once their memo stopped: those
        // whose every line the build writes too (the maps, this footer) included.
        #expect(counts.count == 7)
        for (name, count) in counts {
            #expect(count.mustache == 0, "\(name) was rendered by Mustache \(count.mustache) times after its memo stopped")
        }
        // A list under a dotted name in them (a city's dot on its map) is written whole too.
        #expect((renderer.sectionMemoCounts["partials/city-map:map.points"]?.written ?? 0) > 0)
        let news = String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self)
        #expect(news.contains("<p>17 September 2024</p>"))
        #expect(news.contains("hreflang=\"pl-PL\" lang=\"pl-PL\">Polski"))
        #expect(news.contains("<nav>The mission:English:/en/news/lodz-plan-key/;The mission:Polski:/pl/news/plan-lodz/;"))
        #expect(news.contains("<p>Lodz plan (keyed)-</p>"))
    }

    @Test("indented blocks come out as Mustache renders them")
    func indentedBlocks() async throws {
        // A block expanded on an indented line of its own, and a block's lines indented
        // in the page's template (Mustache takes the first line's indent off each line).
        let base = try String(contentsOfFile: Fixture.repositoryTemplates + "/base.mustache", encoding: .utf8)
            .replacingOccurrences(of: "{{$main}}{{/main}}", with: "  {{$main}}\n  {{/main}}")
        let page = """
        {{<base}}
        {{$main}}
          <h1>{{page.title}}</h1>
          <p>{{page.description}}|{{canonical}}</p>
          {{#page.date}}
          <time>{{page.date}}</time>
          {{/page.date}}
        {{/main}}
        {{/base}}

        """
        let (files, _) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/base.mustache": base, "Templates/page.mustache": page,
        ]) { $1 })
        let news = String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self)
        #expect(news.contains("<h1>Lodz plan (keyed)</h1>"))
    }

    @Test("items of a section that read the page are rendered for each page that differs")
    func sectionItemsThatDependOnThePage() async throws {
        // Items read the page's title (through the root), their own lists and flags, and
        // an interface string in one branch only (a comment keeps them from being written
        // by the build: they are rendered, and their HTML stored); a section over a flag, one over an
        // object and one over a missing name go through the same tag. (The partial includes
        // another one, so it is not memoized as a whole: its sections are, from the first page.)
        let (_, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/partials/switcher.mustache": """
            <ul>{{>partials/fallback-notice}}
            {{#switcher}}
            <li>{{name}}|{{page.title}}|{{#current}}*{{/current}}{{^available}}{{t.notAvailableIn}}{{/available}}{{#url}}<{{url}}>{{/url}}{{! rendered, not written }}</li>
            {{/switcher}}
            <hr>
            {{#noindex}}
            <p>{{page.title}}</p>
            {{/noindex}}
            <hr>
            {{#page}}
            <p>{{title}}</p>
            {{/page}}
            <hr>
            {{#nothing}}
            <p>{{page.title}}</p>
            {{/nothing}}
            <hr>
            {{#page.title}}
            <b>{{page.title}}</b>
            {{/page.title}}
            <hr>
            {{#hasBreadcrumbs}}
            <ol>
            {{#breadcrumbs}}
            <li>{{title}}</li>
            {{/breadcrumbs}}
            </ol>
            {{/hasBreadcrumbs}}
            </ul>
            """,
        ]) { $1 })
        let plan = MemoPlan(sources: renderer.theme.sources)
        #expect(plan.sections.filter { $0.template == "partials/switcher" }.map(\.name)
                == ["switcher", "noindex", "page", "nothing", "page.title", "hasBreadcrumbs", "breadcrumbs"])
        // Breadcrumbs inside a section over `true` are at the top: their items are shared.
        #expect((renderer.sectionMemoCounts["partials/switcher:breadcrumbs"]?.written ?? 0) > 0)
        #expect(renderer.compiled?.memoizedPartials.contains("partials/switcher") == false)
        let counts = try #require(renderer.sectionMemoCounts["partials/switcher:switcher"])
        // Every item reads the page's title: none is shared between pages, only between
        // the two renderings of the same page.
        #expect(counts.misses > 0 && counts.hits == counts.misses)
    }

    @Test("an item is rendered once for all pages where what it shows is the same")
    func itemFieldsRead() async throws {
        // The switcher's entries show only their language's name: however their links
        // differ from page to page, each is rendered once (a comment keeps them from being
        // written by the build). The menu's copy shows the
        // current entry without its link, the others with theirs; then entries of text
        // and names only (written by the build: a name of the root's, a missing one, raw
        // text) and entries that print a flag (left to Mustache). (Each partial includes
        // another one, so the build renders their sections item by item; their last lines
        // have no newline, so they stay partials of their own.)
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/partials/switcher.mustache": "<ul>{{>partials/fallback-notice}}\n{{#switcher}}\n<li>{{name}}{{! rendered, not written }}</li>\n{{/switcher}}\n</ul>",
            "Templates/partials/menu.mustache": "<ol>{{>partials/fallback-notice}}\n{{#switcher}}\n"
                + "{{#current}}<b>{{name}}</b>{{/current}}{{^current}}<a href=\"{{url}}\">{{name}}</a>{{/current}}\n{{/switcher}}\n<hr>\n"
                + "{{#switcher}}\n<i>{{code}}|{{page.title}}|{{missing}}|{{{name}}}|{{t.languages}}</i>\n{{/switcher}}\n<hr>\n"
                + "{{#switcher}}\n<j>{{available}}</j>\n{{/switcher}}\n</ol>",
        ]) { $1 })
        let home = String(decoding: files["pl/index.html"] ?? [], as: UTF8.self)
        #expect(home.contains("<b>Polski</b>"))
        #expect(home.contains("<a href=\"/en/\">English</a>"))
        #expect(home.contains("<i>pl|Witamy||Polski|"))
        #expect(home.contains("<j>true</j>"))
        // The switcher's list: from its `<ul>` to the `</ul>` after "Polski".
        let list = try #require(home.range(of: "<li>Polski</li>"))
        let start = try #require(home.range(of: "<ul>", options: .backwards, range: home.startIndex..<list.lowerBound))
        let end = try #require(home.range(of: "</ul>", range: list.upperBound..<home.endIndex))
        let names = home[start.upperBound..<end.lowerBound].components(separatedBy: "<li>").count - 1
        #expect(names == renderer.plan.outputLanguages.count)
        let counts = try #require(renderer.sectionMemoCounts["partials/switcher:switcher"])
        #expect(counts.misses == names)
        #expect(counts.hits > names * 5)
        let menu = try #require(renderer.sectionMemoCounts["partials/menu:switcher"])
        #expect(menu.written > names * 5)
        #expect(menu.misses > 0)
    }

    @Test("sections in unusual shapes come out as Mustache renders them")
    func sectionShapes() async throws {
        // CRLF lines, indented standalone tags, a comment in the body, a standalone
        // comment after, a section inside one of the same name, one over a number, and
        // one closing the file without a newline. (The partial includes another one, so
        // its sections are rendered by the build from the first page.)
        let partial = "<ul>{{>partials/fallback-notice}}\r\n"
            + "{{#switcher}}\r\n<li>{{name}}</li>\r\n{{/switcher}}\r\n<hr>\n"
            + "  {{#switcher}}\n  <y>{{code}}{{^available}}-{{/available}}</y>\n  {{/switcher}}\n<hr>\n"
            + "{{#switcher}}\n{{! a note }}\n<x>{{code}}</x>\n{{/switcher}}\n{{! standalone }}\n<hr>\n"
            + "{{#page.title}}\n{{#page.title}}\n<b>{{page.title}}</b>\n{{/page.title}}\n{{/page.title}}\n<hr>\n"
            + "{{#cityCount}}\n<n>{{cityCount}}</n>\n{{/cityCount}}\n<hr>\n"
            + "{{#switcher}}\n  {{#current}}\n  <c>{{name}}</c>\n  {{/current}}\n  {{^current}}<a>{{url}}</a>{{/current}}\n"
            + "{{^missing}}m{{/missing}}{{#missing}}M{{/missing}}{{#current}}\n{{/current}}|\n{{#available}}\n{{^current}}{{{name}}}{{/current}}{{/available}}\n{{/switcher}}\n<hr>\n"
            + "</ul>\n{{#switcher}}\n<i>{{url}}</i>\n{{/switcher}}"
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging(["Templates/partials/switcher.mustache": partial]) { $1 })
        let plan = MemoPlan(sources: renderer.theme.sources)
        // The one followed by a standalone comment is left to Mustache.
        #expect(plan.sections.filter { $0.template == "partials/switcher" }.map(\.name)
                == ["switcher", "switcher", "page.title", "page.title", "cityCount", "switcher", "current", "switcher"])
        let home = String(decoding: files["pl/index.html"] ?? [], as: UTF8.self)
        #expect(home.contains("<li>Polski</li>\n<li>Slovenščina</li>"))  // (templates are read with LF line ends)
        #expect(home.contains("  <y>en</y>\n"))
        // Nested sections over flags, alone on their lines or not, written by the build.
        let shape = home.components(separatedBy: "<hr>\n")[5]
        #expect(shape.hasPrefix("  <a>/en/</a>\nm|\nEnglish\n  <c>Polski</c>\n  \nm\n|\n\n  <a>/sl/</a>\nm|\nSlovenščina\n"))
        #expect(renderer.sectionMemoCounts["partials/switcher:switcher"].map { $0.written > 0 } == true)
    }

    @Test("runs of variable tags at the top are written by the build as Mustache writes them")
    func variableRuns() async throws {
        // Escaped and raw text with markup and quotes, a localized number, a flag, a
        // missing name, a name below text, a run over several lines, one in a section's
        // body rendered at the top, one ended by a comment, and tags inside a section
        // (not at the top). (The partial includes another one: it is not memoized whole.)
        let partial = "<ul>{{>partials/fallback-notice}}\n"
            + "{{#page.title}}{{.}}{{/page.title}}<p title=\"{{page.title}}\">{{{page.title}}} · {{site.title}}\n"
            + "{{&page.title}}|{{cityCount}}|{{missing}}|{{page.title.x}}|{{page.isFallback}}</p>{{#page.title}}{{.}}{{/page.title}}\n"
            + "{{#noindex}}\n<i>{{page.title}}{{page.description}}</i>\n{{/noindex}}\n"
            + "{{#page.date}}\n<time datetime=\"{{page.dateISO}}\">{{page.date}}</time> {{t.published}}\n{{/page.date}}\n"
            + "<b>{{page.title}}</b>{{page.description}}{{! a note }}{{page.title}}</ul>\n"
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Content/en/news/quotes.md": page("'\"Quotes\" & <tags> ''here'''", "date: 2024-10-01\ndescription: A & B", body: "Text."),
            "Templates/partials/switcher.mustache": partial,
        ]) { $1 })
        let plan = MemoPlan(sources: renderer.theme.sources)
        let runs = plan.runs.filter { $0.template == "partials/switcher" }
        #expect(runs.map(\.tags.count) == [8, 2])
        #expect(runs.first?.pieces.prefix(3) == [
            .value(path: ["page", "title"], escaped: true, tag: "{{page.title}}"), .text("\">"),
            .value(path: ["page", "title"], escaped: false, tag: "{{{page.title}}}"),
        ])
        let rewritten = try #require(plan.specialized(constants: [:], sectionTags: true)["partials/switcher"])
        #expect(rewritten.contains("<p title=\"{{{?run-"))
        #expect(rewritten.contains("}}}</p>{{#page.title}}"))
        // The lines from `{{#noindex}}` to the end are written by the build as one piece.
        let lines = try #require(plan.lineRuns.firstIndex { $0.template == "partials/switcher" })
        #expect(rewritten.hasSuffix("{{/page.title}}\n{{{?lines-" + String(lines) + "}}}\n"))
        // The section's body, rendered at the top, has a run of its own.
        let body = MemoPlan.runs(inBody: "<time datetime=\"{{page.dateISO}}\">{{page.date}}</time> {{t.published}}\n", numberedFrom: 7)
        #expect(body.text == "<time datetime=\"{{{?run-7}}}\n")
        let quotes = String(decoding: files["en/news/quotes/index.html"] ?? [], as: UTF8.self)
        #expect(quotes.contains("<p title=\"&quot;Quotes&quot; &amp; &lt;tags&gt; &#39;here&#39;\">\"Quotes\" & <tags> 'here' · "))
        #expect(quotes.contains("<b>&quot;Quotes&quot; &amp; &lt;tags&gt; &#39;here&#39;</b>A &amp; B"))
        #expect(quotes.contains("<time datetime=\"2024-10-01\">"))
    }

    @Test("whole lines written by the build come out as Mustache renders them")
    func lineRuns() async throws {
        // A memoized partial and a comment alone on their lines, an inline comment, a
        // number (Mustache renders the lines where a page has one), a section over a flag,
        // a line that cannot be written (`.`), planned sections, and a last line without
        // a newline. (The partial includes another one, so it is not memoized whole.)
        let partial = "<ul>\n{{>partials/fallback-notice}}\n<li>{{page.title}}</li>\n{{! a standalone comment }}\n"
            + "<li>{{cityCount}}{{! inline }}|{{page.description}}</li>\n{{#noindex}}\n<b>{{page.title}}</b>\n{{/noindex}}\n<i>{{page.title}}</i>\n"
            + "<hr>{{#page.title}}{{.}}{{/page.title}}\n"
            + "{{#page.date}}\n  <time>{{page.date}}</time>\n{{/page.date}}\n<p>{{page.title}}|{{page.description}}</p>\n"
            + "{{#switcher}}\n<s>{{code}}</s>\n{{/switcher}}\n<p>{{page.title}}</p>"
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/partials/switcher.mustache": partial,
        ]) { $1 })
        let plan = MemoPlan(sources: renderer.theme.sources)
        let runs = plan.lineRuns.filter { $0.template == "partials/switcher" }
        #expect(runs.map(\.newline) == [true, false])
        let rewritten = try #require(plan.specialized(constants: [:], sectionTags: true)["partials/switcher"])
        #expect(rewritten.hasPrefix("{{{?lines-"))
        #expect(rewritten.contains("}}}\n<hr>{{#page.title}}{{.}}{{/page.title}}\n{{{?lines-"))
        #expect(!rewritten.hasSuffix("\n"))
        let news = String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self)
        #expect(news.contains("<ul>\n<li>Lodz plan (keyed)</li>\n<li>|Keyed.</li>\n<i>Lodz plan (keyed)</i>\n<hr>Lodz plan (keyed)\n"))
        #expect(news.contains("  <time>17 September 2024</time>\n<p>Lodz plan (keyed)|Keyed.</p>\n<s>en</s>\n"))
    }

    @Test("templates that only fill a parent's blocks are planned with the parent's text written around")
    func inheritanceWrittenOut() async throws {
        let base = "<html>\n<title>{{$title}}{{page.title}} · {{site.title}}{{/title}}</title>\n{{$main}}{{/main}}\n<p>end</p>\n{{$scripts}}{{/scripts}}\n</html>\n"
        let sources = [
            "base": base,
            "page": "{{<base}}\n{{$main}}\n<h1>{{page.title}}</h1>\n{{#page.date}}\n<time>{{page.date}}</time>\n{{/page.date}}\n{{/main}}\n{{$scripts}}\n<script src=\"x.js\"></script>\n{{/scripts}}\n{{/base}}\n",
            // A block on one line of its own, filling one within a line of the parent.
            "home": "{{<base}}\n{{$title}}{{site.title}}{{/title}}\n{{$main}}\n<h1>Home</h1>\n{{/main}}\n{{/base}}\n",
            // Text outside blocks, a block the parent lacks: left to Mustache or ignored.
            "loose": "{{<base}}\ntext\n{{$main}}\n<p>x</p>\n{{/main}}\n{{/base}}\n",
            "extra": "{{<base}}\n{{$other}}\n<p>y</p>\n{{/other}}\n{{/base}}",
        ]
        let resolved = MemoPlan.resolvingInheritance(sources)
        #expect(resolved["page"] == "<html>\n<title>{{page.title}} · {{site.title}}</title>\n<h1>{{page.title}}</h1>\n{{#page.date}}\n<time>{{page.date}}</time>\n{{/page.date}}\n\n<p>end</p>\n<script src=\"x.js\"></script>\n\n</html>\n")
        #expect(resolved["home"] == "<html>\n<title>{{site.title}}</title>\n<h1>Home</h1>\n\n<p>end</p>\n\n</html>\n")
        // Left to Mustache: a block on one line with a section in it, or text after its
        // close, or filling a block of the parent that has its own lines.
        for home in ["{{<base}}\n{{$title}}{{#x}}y{{/x}}{{/title}}\n{{/base}}\n", "{{<base}}\n{{$title}}x{{/title}} y\n{{/base}}\n",
                     "{{<base}}\n{{$title}}x{{/title}}\r\n{{/base}}\n"] {
            #expect(MemoPlan.resolvingInheritance(sources.merging(["home": home]) { $1 })["home"] == home)
        }
        let lines = ["base": "<html>\n{{$main}}\n<p>default</p>\n{{/main}}\n</html>\n", "home": "{{<base}}\n{{$main}}x{{/main}}\n{{/base}}\n"]
        #expect(MemoPlan.resolvingInheritance(lines) == lines)
        #expect(resolved["loose"] == sources["loose"])
        #expect(resolved["extra"] == "<html>\n<title>{{page.title}} · {{site.title}}</title>\n\n<p>end</p>\n\n</html>\n")
        #expect(resolved["base"] == base)
        // Blocks in a partial (it would see the child's blocks): nothing is written out.
        #expect(MemoPlan.resolvingInheritance(sources.merging(["footer": "{{$main}}{{/main}}"]) { $1 }) == sources.merging(["footer": "{{$main}}{{/main}}"]) { $1 })
        // A filled block of the parent that is not empty, or not at the start of its line.
        var other = sources
        other["base"] = "<html>{{$main}}{{/main}}\n</html>\n"
        #expect(MemoPlan.resolvingInheritance(other)["page"] == other["page"])

        // The repository's theme (its home fills the title on one line), and one whose
        // pages fill `scripts` too: the same pages both ways.
        let (_, repository) = try await renderedTheSameBothWays(fiveLanguageSite())
        #expect(MemoPlan.resolvingInheritance(repository.theme.sources)["home"]?.hasPrefix("<!DOCTYPE html>") == true)
        // Single-line blocks in other places, against what Mustache renders.
        _ = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/home.mustache": "{{<base}}\n{{$title}} {{t.home}} – {{site.title}} {{/title}}\n{{$main}}\n<h1>{{page.title}}</h1>\n{{/main}}\n{{$scripts}}<script src=\"{{asset.search_js}}\"></script>{{/scripts}}\n{{/base}}\n",
        ]) { $1 })
        let page = "{{<base}}\n{{$main}}\n<article>\n<h1>{{page.title}}</h1>\n{{{page.content}}}\n</article>\n{{/main}}\n{{$scripts}}\n<script src=\"{{asset.search_js}}\" defer></script>\n{{/scripts}}\n{{/base}}\n"
        let (files, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging(["Templates/page.mustache": page]) { $1 })
        #expect(MemoPlan.resolvingInheritance(renderer.theme.sources)["page"]?.hasPrefix("<!DOCTYPE html>") == true)
        let news = String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self)
        #expect(news.contains("<article>\n<h1>Lodz plan (keyed)</h1>\n<p>Keyed.</p>\n\n</article>\n\n</div>"))
    }

    @Test("partials that are not memoized are planned as part of what includes them")
    func partialsWrittenIn() async throws {
        let sources = [
            "page": "<ul>\n{{#pages}}\n{{>item}}\n{{/pages}}\n</ul>\n  {{>item}}\n{{>kept}}\n<p>{{>item}}</p>\n{{>open}}\n{{>nested}}\n",
            "item": "<li>{{title}}</li>\n",
            "kept": "<footer></footer>\n",
            "open": "<b>no newline</b>",
            "nested": "<ol>\n{{>item}}\n</ol>\n",
        ]
        let inlined = MemoPlan.inliningPartials(sources, keep: ["kept"])
        // Alone and unindented on its line, ending with a newline, not kept: written in.
        #expect(inlined["page"] == "<ul>\n{{#pages}}\n<li>{{title}}</li>\n{{/pages}}\n</ul>\n  {{>item}}\n{{>kept}}\n<p>{{>item}}</p>\n{{>open}}\n<ol>\n<li>{{title}}</li>\n</ol>\n")
        #expect(inlined["nested"] == "<ol>\n<li>{{title}}</li>\n</ol>\n")
        // A partial that includes itself stops being written in.
        let looping = MemoPlan.inliningPartials(["a": "<a>\n{{>a}}\n"], keep: [])
        #expect(looping["a"]?.components(separatedBy: "<a>").count == 10)

        // The repository's section lists (a partial inside a section) and a partial inside
        // a list of lists: the same pages both ways.
        let (files, _) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/partials/page-list.mustache": "<ul class=\"cards\">\n{{#pages}}\n{{>partials/card}}\n{{/pages}}\n</ul>\n",
            "Templates/partials/card.mustache": "<li>{{title}}{{#menu}}|{{title}}{{/menu}}</li>\n",
        ]) { $1 })
        let news = String(decoding: files["en/news/index.html"] ?? [], as: UTF8.self)
        #expect(news.contains("<li>Lodz plan (keyed)|The mission|Mission cities|News</li>"))
    }

    @Test("whole templates written by the build (comments, partials, `{{.}}`) come out as Mustache renders them")
    func wholeTemplates() async throws {
        // Read from the text: comments and partials go with their line when alone on it;
        // an indented partial, or one inside a section, leaves the template to Mustache.
        let text = "<p>{{title}}{{! inline }}</p>\n  {{! alone }}\n{{>a}}\n<b>{{>b}}</b>\n{{#list}}[{{.}}|{{{.}}}]{{/list}}\n"
        #expect(MemoPlan.nodes(ofBody: text, whole: true) == [
            .text("<p>"), .value(path: ["title"], escaped: true), .text("</p>\n"), .partial("a"), .text("<b>"), .partial("b"), .text("</b>\n"),
            .section(path: ["list"], inverted: false, body: [.text("["), .dot(escaped: true), .text("|"), .dot(escaped: false), .text("]")]), .text("\n"),
        ])
        #expect(MemoPlan.nodes(ofBody: text) == nil)
        #expect(MemoPlan.nodes(ofBody: "{{title}}\n  {{>a}}\n", whole: true) == nil)
        #expect(MemoPlan.nodes(ofBody: "{{#list}}\n{{>a}}\n{{/list}}\n", whole: true) == nil)

        let tagged = """
        ---
        title: "Tags & <marks>"
        date: 2024-10-01
        tags: ["a & b", "<i>x</i>", "plain"]
        ---
        Text.
        """
        // `{{.}}` of a list of texts (escaped and not) and of a section over text; partials
        // inline and alone, memoized or not; the same with a partial indented (Mustache).
        let written = "<!DOCTYPE html>\n<main>\n  {{! the page }}\n<h1>{{page.title}}{{! inline }}</h1>\n<ul>{{#page.tags}}<li>{{.}}|{{{.}}}</li>{{/page.tags}}</ul>\n{{#page.title}}<p>[{{.}}]</p>{{/page.title}}\n<p>{{>partials/note}}</p>\n{{>partials/note}}\n{{>partials/footer}}\n{{{page.content}}}\n</main>\n"
        let indented = written.replacingOccurrences(of: "{{>partials/note}}\n{{>partials", with: "  {{>partials/note}}\n{{>partials")
        // `{{.}}` at the root, or in a section over a flag (which puts nothing on the stack):
        // left to Mustache (it prints the root object).
        let atRoot = [written.replacingOccurrences(of: "<h1>", with: "<h1>{{.}}"),
                      written.replacingOccurrences(of: "</h1>", with: "</h1>{{#page.isFallback}}{{.}}{{/page.isFallback}}{{^page.isFallback}}{{.}}{{/page.isFallback}}")]
        for page in [written, indented] + atRoot {
            let files = fiveLanguageSite().merging([
                "Templates/page.mustache": page,
                "Templates/partials/note.mustache": "<em>{{t.published}}</em>\n",
                "Content/en/news/tagged.md": tagged,
            ]) { $1 }
            let fixture = try Fixture(files)
            defer { fixture.remove() }
            let renderer = try await Builder(options: fixture.options()).prepare()
            let job = try #require(renderer.jobs.first { renderer.path(for: $0) == "en/news/tagged/index.html" })
            let input = try #require(renderer.htmlInput(for: job))
            let whole = renderer.compiled?.page(input.template, values: input.root, language: "en")
            #expect((whole != nil) == (page == written))
            guard !atRoot.contains(page) else { continue }
            let (rendered, _) = try await renderedTheSameBothWays(files)
            let html = String(decoding: rendered["en/news/tagged/index.html"] ?? [], as: UTF8.self)
            #expect(html.contains("<li>a &amp; b|a & b</li><li>&lt;i&gt;x&lt;/i&gt;|<i>x</i></li><li>plain|plain</li>"))
            #expect(html.contains("<p>[Tags &amp; &lt;marks&gt;]</p>"))
            #expect(html.hasPrefix("<!DOCTYPE html>\n<main>\n<h1>Tags &amp; &lt;marks&gt;</h1>\n"))
            #expect(html.contains("<p><em>Published</em>\n</p>\n" + (page == indented ? "  " : "") + "<em>Published</em>\n<footer"))
        }
    }

    @Test("numbers written by the build (a city's population) come out as Mustache prints them")
    func numbersWritten() async throws {
        // A number prints as its language writes it; a section over it has it on the stack,
        // where it answers `isZero`, `isOne` (and `value`, `plural`, left to Mustache).
        let city = "<main>\n<h1>{{city.name}}</h1>\n<p>{{city.population}}|{{{city.population}}}</p>\n{{#city.population}}\n<p>{{.}}|{{#isOne}}one{{/isOne}}{{^isOne}}more{{/isOne}}|{{city.name}}</p>\n{{/city.population}}\n{{^city.population}}\n<p>unknown</p>\n{{/city.population}}\n</main>\n"
        for template in [city, city.replacingOccurrences(of: "{{.}}|", with: "{{value}}|")] {
            let files = fiveLanguageSite().merging(["Templates/city.mustache": template]) { $1 }
            let fixture = try Fixture(files)
            defer { fixture.remove() }
            let renderer = try await Builder(options: fixture.options()).prepare()
            let job = try #require(renderer.jobs.first { renderer.path(for: $0) == "pl/cities/krakow/index.html" })
            let input = try #require(renderer.htmlInput(for: job))
            // Written whole (the lines with the number's integer `value` left to Mustache).
            #expect(renderer.compiled?.page(input.template, values: input.root, language: "pl") != nil)
            let (rendered, _) = try await renderedTheSameBothWays(files)
            let krakow = String(decoding: rendered["pl/cities/krakow/index.html"] ?? [], as: UTF8.self)
            #expect(krakow.contains("<p>804\u{A0}237|804\u{A0}237</p>\n<p>" + (template == city ? "804\u{A0}237" : "804237") + "|more|Kraków</p>\n</main>"))
            let cluj = String(decoding: rendered["pl/cities/cluj-napoca/index.html"] ?? [], as: UTF8.self)
            #expect(cluj.contains("<p>|</p>\n<p>unknown</p>\n</main>"))
        }
    }

    @Test("every list of a page's context has its `hasX`, lists shared by many pages too")
    func hasNamesOfSharedLists() async throws {
        let page = "<p>[{{#hasMenu}}menu{{/hasMenu}}|{{#hasAlternates}}alternates{{/hasAlternates}}{{^hasAlternates}}no alternates{{/hasAlternates}}|{{#hasSwitcher}}switcher{{/hasSwitcher}}]</p>\n"
        let (files, _) = try await renderedTheSameBothWays(fiveLanguageSite().merging(["Templates/page.mustache": page]) { $1 })
        // The menu and the head's links are shared values; a fallback copy has no links.
        #expect(String(decoding: files["en/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self) == "<p>[menu|alternates|switcher]</p>\n")
        #expect(String(decoding: files["hr/news/lodz-plan-key/index.html"] ?? [], as: UTF8.self) == "<p>[menu|no alternates|switcher]</p>\n")
    }

    @Test("`hasX` asks whether the list `x` (or `X`) has items, for names in any script")
    func hasNameLookUps() {
        let values: [String: Any] = [
            "pages": [["title": "Łódź"]] as [[String: Any]], "Sections": [String](), "_notes": ["a"], "1st": [String](),
            "łódź": ["x"], "e\u{301}x": ["x"], "title": "Kraków",
        ]
        func has(_ name: String) -> Bool? { CompiledTheme.rootValue(name, in: RootValues(values)) as? Bool }
        #expect(has("hasPages") == true)
        #expect(has("hasSections") == false)  // the list as written, capital first, when no lower-case one
        #expect(has("has_notes") == true)  // a sign or digit first is kept as it is
        #expect(has("has1st") == false)
        #expect(has("hasŁódź") == true)  // upper-cased by its letter, not its bytes
        #expect(has("haspages") == nil)  // `hasName` of no name keeps a lower-case first letter
        #expect(has("hasE\u{301}x") == nil)  // "É" is one character: its `hasName` is "hasÉx"
        #expect(has("hasÉx") == true)  // "éx", the same text as "e\u{301}x" to Swift
        #expect(has("hasTitle") == nil)  // text, not a list
        #expect(has("hasMissing") == nil)
        #expect(has("has") == nil)
    }

    @Test("a dotted name is split where Swift splits it at its dots, empty parts kept or not")
    func dottedNames() {
        let names = ["page.date", "title", "", ".", "..", "a..b", ".a", "a.", "t.more.x", "łódź.miasto", "a.\u{301}b",
                     "e\u{301}.x", "x.\u{1F1F5}\u{1F1F1}.y", "a\r\n.b", "🇸🇮.sl"]
        for name in names {
            #expect(name.dotParts() == name.split(separator: ".").map(String.init), "\(name.debugDescription)")
            #expect(name.dotParts(keepingEmpty: true) == name.split(separator: ".", omittingEmptySubsequences: false).map(String.init), "\(name.debugDescription)")
        }
        // A dot with a combining accent on it is one character, and no dot to split at.
        #expect("a.\u{301}b".dotParts() == ["a.\u{301}b"])
    }

    @Test("a menu entry is active on its page and the pages below it, current only on its own; the home entry only on the home page")
    func menuMarks() {
        func marks(_ path: String, _ current: String, _ code: String = "pl") -> [Bool] {
            let found = SiteRenderer.marks(path, code, current: current)
            return [found.active, found.current]
        }
        #expect(marks("/pl/news/", "/pl/news/") == [true, true])
        #expect(marks("/pl/news/", "/pl/news/plan-lodz/") == [true, false])
        #expect(marks("/pl/news/", "/pl/newsletter/") == [false, false])
        #expect(marks("/pl/news/", "/pl/") == [false, false])
        #expect(marks("/pl/", "/pl/") == [true, true])
        #expect(marks("/pl/", "/pl/news/") == [false, false])
        #expect(marks("/sl/", "/sl/mesta/", "sl") == [false, false])
        #expect(marks("/pl/", "/pl/news/", "sl") == [true, false])
        #expect(marks("/", "/pl/") == [true, false])
        #expect(marks("", "/pl/") == [true, false])
        // Text that is not ASCII, compared as Swift compares strings (a precomposed
        // letter is the same as the letter and its mark).
        #expect(marks("/pl/łódź/", "/pl/łódź/plan/") == [true, false])
        #expect(marks("/pl/caf\u{E9}/", "/pl/cafe\u{301}/") == [true, true])
        #expect(marks("/pl/a/", "/pl/a/\u{301}x/") == [false, false])
    }

    @Test("a tag's text is trimmed of spaces and tabs, of any Unicode space separator, of nothing else")
    func tagTextTrimmed() {
        #expect(MemoPlan.trimmingBlanks(" \t page.title \t") == "page.title")
        #expect(MemoPlan.trimmingBlanks("  ") == "")
        #expect(MemoPlan.trimmingBlanks("a b") == "a b")
        #expect(MemoPlan.trimmingBlanks("\nname\r") == "\nname\r")
        #expect(MemoPlan.trimmingBlanks("\u{00A0}łódź\u{2003}") == "łódź")
        #expect(MemoPlan.trimmingBlanks(" \u{301}x ") == "\u{301}x")
        // A part of a longer text, as the tags are read.
        let text = "{{  t.more  }}"
        #expect(MemoPlan.trimmingBlanks(text.dropFirst(2).dropLast(2)) == "t.more")
        let tags = MemoPlan.tags(in: "a {{# list }}{{ . }}{{/list}}\n{{! note }}{{>  partials/x }}{{{ html }}}{{& raw}}")
        #expect(tags.map(\.name) == ["list", ".", "list", "note", "partials/x", "html", "raw"])
        #expect(tags.map(\.depth) == [0, 1, 1, 0, 0, 0, 0])  // a close tag counted inside its section
        #expect(tags.map(\.escaped) == [true, true, true, true, true, false, false])
    }

    @Test("which sections are rendered item by item or as their body, read from the templates")
    func sectionPlan() {
        let sources = [
            "base": """
            <html>
            {{#list}}
            <i>{{title}}{{t.more}}{{#on}}!{{/on}}</i>
            {{/list}}
            <p>{{#inline}}{{x}}{{/inline}}</p>
            {{#page.date}}
            <time>{{page.date}}</time>
            {{/page.date}}
            <hr>
            {{#current}}
            {{.}}
            {{/current}}
            <hr>
            {{#placed}}
            {{#first()}}F{{/first()}}{{x}}
            {{/placed}}
            <hr>
            {{#same}}
            {{same.title}}
            {{/same}}
            <hr>
            {{#textOnly}}
            <hr>
            {{/textOnly}}
            {{#beforeStandalone}}
            {{x}}
            {{/beforeStandalone}}
            {{#other}}
            {{/other}}
            <hr>
            {{#withPartial}}
            {{>item}}
            {{/withPartial}}
            <hr>
            {{#crumbs}}
            <ol>
            {{#items}}
            <li>{{title}}</li>
            {{/items}}
            </ol>
            {{/crumbs}}
            </html>
            """,
            "item": "{{title}}",
        ]
        let plan = MemoPlan(sources: sources)
        // Not: an inline section, one naming `.` or `first()`, one with only text, one
        // followed by a standalone tag, one including a partial.
        #expect(plan.sections.map(\.name) == ["list", "page.date", "same", "crumbs", "items"])
        #expect(plan.sections.map(\.splittable) == [true, false, false, true, true])
        #expect(plan.sections.map(\.parent) == [nil, nil, nil, nil, 3])
        #expect(plan.sections.first?.text == "{{#list}}\n<i>{{title}}{{t.more}}{{#on}}!{{/on}}</i>\n{{/list}}\n")
        #expect(plan.sections[1].body == "<time>{{page.date}}</time>\n")
        #expect(plan.sections[3].body == "<ol>\n{{{?section-4}}}</ol>\n")
        let rewritten = plan.specialized(constants: [:], sectionTags: true)["base"] ?? ""
        // Whole lines written by the build up to `{{.}}`, and from after it to the partial;
        // the last section, followed by a line that is not printed whole, by itself.
        #expect(rewritten.hasPrefix("{{{?lines-0}}}\n{{#current}}\n{{.}}\n{{/current}}\n<hr>\n{{#placed}}"))
        #expect(rewritten.contains("{{/placed}}\n{{{?lines-1}}}\n{{#withPartial}}"))
        #expect(rewritten.hasSuffix("<hr>\n{{{?section-3}}}</html>"))
        #expect(plan.lineRuns.map(\.newline) == [true, true])
        // A section inside another is planned only within the other's body.
        var nested = sources
        nested["base"] = "{{#outer}}\n{{#list}}\n{{x}}\n{{/list}}\n{{/outer}}\n"
        let nestedPlan = MemoPlan(sources: nested)
        #expect(nestedPlan.sections.map(\.name) == ["outer", "list"])
        #expect(nestedPlan.specialized(constants: [:], sectionTags: true)["base"] == "{{{?section-0}}}")
    }

    @Test("a section's value read from the page as Mustache reads it")
    func sectionValues() {
        let shared = SharedValue(["title": "T", "list": ["a"]] as [String: Any])
        let values: [String: Any] = ["page": ["date": "9 listopada 2022", "flag": true] as [String: Any], "site": shared,
                                     "t": ["more": "Więcej"], "count": 3]
        func value(_ name: String) -> String {
            switch CompiledTheme.lookUp(name, in: RootValues(values)) {
            case .value(let found): return String(describing: found)
            case .absent: return "absent"
            case .unknown: return "unknown"
            }
        }
        #expect(value("page.date") == "9 listopada 2022")
        #expect(value("page.flag") == "true")
        #expect(value("site.title") == "T")
        #expect(value("t.more") == "Więcej")
        #expect(value("page.missing") == "absent")
        #expect(value("missing.x") == "absent")
        #expect(value("page.date.x") == "absent")
        #expect(value("count") == "3")
        #expect(value("count.x") == "absent")
    }

    @Test("a page's field named in two parts (page.title) read as Mustache reads it, for a page and for a listed page")
    func pageFieldValues() {
        let own = Self.ownPage
        func value(_ name: String, _ page: PageFields) -> String {
            switch CompiledTheme.lookUp(name, in: RootValues(["page": page, "listed": SharedValue(page)])) {
            case .value(let found): return String(describing: found)
            case .absent: return "absent"
            case .unknown: return "unknown"
            }
        }
        #expect(value("page.title", own) == "Kranj")
        #expect(value("page.tags", own) == "[\"energija\"]")
        #expect(value("page.isFallback", own) == "false")
        #expect(value("page.lastmod", own) == "2. 12. 2026")
        #expect(value("page.originalURL", own) == "absent")
        #expect(value("page.missing", own) == "absent")
        #expect(value("page.title.x", own) == "absent")
        #expect(value("page.title", Self.listedPage) == "Łódź")
        #expect(value("page.date", Self.listedPage) == "9 listopada 2022")
        // What only a page's own object has: absent for a listed page.
        #expect(value("page.content", Self.listedPage) == "absent")
        #expect(value("page.description", Self.listedPage) == "absent")
        // A page shared by many pages is read as the page it holds.
        #expect(value("listed.title", own) == "Kranj")
        #expect(value("listed.content", Self.listedPage) == "absent")
    }

    @Test("a city's object is made once per language, as it is made from the city, its facts and its summary")
    func cityObjectsMadeOnce() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let renderer = try await Builder(options: fixture.options()).prepare()
        #expect(renderer.site.cities.count == 3)
        for language in renderer.plan.outputLanguages {
            #expect(renderer.tables[language.code]!.cityObjects.count == renderer.site.cities.count)
            for index in renderer.site.cities.indices {
                let kept = renderer.cityObject(index, language.code), made = renderer.makeCityObject(index, language.code)
                var keptKey = FingerprintHasher(), madeKey = FingerprintHasher()
                #expect(keptKey.add(value: kept) && madeKey.add(value: made))
                #expect(keptKey.key == madeKey.key, "\(language.code) \(renderer.site.cities[index].id)")
                #expect(kept["name"] as? String == made["name"] as? String)
                // Every city of the fixture has coordinates: its point, written once for all languages.
                #expect((kept["mapX"] as? String)?.split(separator: ".").last?.count == 1)
            }
        }
        // The same city is another object in another language (its name, its country's name).
        let krakow = renderer.site.cities.firstIndex { $0.id == "krakow" }!
        #expect(renderer.cityObject(krakow, "ro")["name"] as? String == "Cracovia")
        #expect(renderer.cityObject(krakow, "pl")["name"] as? String == "Kraków")
        #expect(renderer.cityObject(krakow, "ro")["mapX"] as? String == renderer.cityObject(krakow, "pl")["mapX"] as? String)
    }

    @Test("a number's plural string read from the page as Mustache reads it: n.plural.key")
    func pluralValues() {
        let polish = Language(code: "pl", name: "Polski", languageCode: "pl-PL", direction: "ltr", weight: 0, strings: [:], file: "")
        let strings = LanguageStrings(language: polish, values: [
            "cityCount": .plural([.one: "{count} miasto", .few: "{count} miasta", .many: "{count} miast", .other: "{count} miasta"]),
            "title": .text("Miasta ({count})"),
        ], format: LocaleFormat(identifier: "pl-PL"))
        func value(_ name: String, _ count: Int) -> String {
            switch CompiledTheme.lookUp(name, in: RootValues(["n": LocalizedNumber(value: count, strings: strings)])) {
            case .value(let found): return String(describing: found)
            case .absent: return "absent"
            case .unknown: return "unknown"
            }
        }
        #expect(value("n.plural.cityCount", 1) == "1 miasto")
        #expect(value("n.plural.cityCount", 3) == "3 miasta")
        #expect(value("n.plural.cityCount", 112) == "112 miast")
        #expect(value("n.plural.cityCount", 22) == "22 miasta")
        // A string of one form takes the number too, as Mustache gives it.
        #expect(value("n.plural.title", 5) == "Miasta (5)")
        #expect(value("n.plural.missing", 5) == "absent")
        #expect(value("n.value", 5) == "5")
        #expect(value("n.isZero", 0) == "true")
        #expect(value("n.x", 5) == "absent")
        // The lookup object alone is not text: Mustache renders it.
        #expect(value("n.plural", 5) == "unknown")
    }

    @Test("a partial whose output depends on the page is rendered for each page that differs")
    func partialThatDependsOnThePage() async throws {
        // The partial reads `noindex` (only some pages have it), the page title in one
        // branch only, and an interface string: pages that differ in any of these must
        // not share its HTML.
        let (memo, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Templates/partials/footer.mustache": """
            <footer>{{#noindex}}<p>hidden: {{page.title}}</p>{{/noindex}}{{^noindex}}<p>{{t.search}}</p>{{/noindex}}<p>{{lang.code}}</p></footer>

            """,
        ]) { $1 })
        #expect(renderer.compiled?.memoizedPartials.contains("partials/footer") == true)
        let notFound = String(decoding: memo["en/404.html"] ?? [], as: UTF8.self)
        #expect(notFound.contains("<p>hidden: "))
        let home = String(decoding: memo["en/index.html"] ?? [], as: UTF8.self)
        #expect(home.contains("<footer><p>Search</p><p>en</p></footer>"))
        let polishHome = String(decoding: memo["pl/index.html"] ?? [], as: UTF8.self)
        #expect(polishHome.contains("<p>pl</p></footer>"))
    }

    @Test("constants written into a language's templates: only at the top, only text that stays text")
    func constantsWrittenIn() async throws {
        // A site title with braces and an ampersand, a string that is only spaces, and
        // the same names inside a section (where an item may hold its own `t`).
        let (compiled, renderer) = try await renderedTheSameBothWays(fiveLanguageSite().merging([
            "Content/site.yaml": """
            title: {en: "Cities {2030} & more", pl: "Miasta & <więcej>"}
            baseURL: https://cities.example.eu/
            defaultContentLanguage: en
            menus:
              main: [about, cities, news]
            """,
            "Content/en/_language.yaml": language("English", code: "en-GB", weight: 1, strings: "  search: \"Search & find\"\n  feed: \"   \"\n"),
            "Templates/partials/footer.mustache": """
            <footer><p>{{site.title}}|{{{site.title}}}|{{t.search}}|{{&t.search}}|{{t.feed}}|{{homeURL}}</p>
            {{#menu}}<i>{{t.search}}{{title}}</i>{{/menu}}
            </footer>

            """,
        ]) { $1 })
        let home = String(decoding: compiled["en/index.html"] ?? [], as: UTF8.self)
        #expect(home.contains("<p>Cities {2030} &amp; more|Cities {2030} & more|Search &amp; find|Search & find|   |/en/</p>"))
        let polish = String(decoding: compiled["pl/index.html"] ?? [], as: UTF8.self)
        #expect(polish.contains("<p>Miasta &amp; &lt;więcej&gt;|Miasta & <więcej>|Szukaj|Szukaj|"))

        // What was written in, and what was left as a tag.
        let plan = MemoPlan(sources: renderer.theme.sources)
        let constants = renderer.tables["en"]!.shared.mapValues(\.value)
        let footer = try #require(plan.specialized(constants: constants)["partials/footer"])
        #expect(footer.hasPrefix("<footer><p>{{site.title}}|{{{site.title}}}|Search &amp; find|Search & find|{{t.feed}}|/en/</p>\n{{#menu}}<i>{{t.search}}{{title}}</i>{{/menu}}"))
        let polishConstants = renderer.tables["pl"]!.shared.mapValues(\.value)
        #expect(plan.specialized(constants: polishConstants)["partials/footer"]?.hasPrefix("<footer><p>Miasta &amp; &lt;więcej&gt;|Miasta & <więcej>|Szukaj|Szukaj|") == true)
        // Templates only included inside a section keep their tags.
        #expect(plan.specialized(constants: constants)["partials/page-list"] == nil)
    }

    @Test("which partials may be memoized, read from the templates")
    func memoPlan() {
        let sources = [
            "page": "{{<base}}{{$main}}{{>top}}{{#list}}{{>item}}{{/list}}{{/main}}{{/base}}",
            "base": "<html>{{>header}}\n  {{>indented}}\n{{$main}}{{/main}}{{>nested}}{{>blocky}}{{>dotted}}</html>",
            "header": "<h>{{t.title}}</h>",
            "top": "{{#menu}}{{url}}{{/menu}}",
            "item": "{{title}}",
            "indented": "<i>{{x}}</i>",
            "nested": "<n>{{>header}}</n>",
            "blocky": "{{$slot}}default{{/slot}}",
            "dotted": "{{.}}",
        ]
        #expect(MemoPlan.memoizable(sources: sources) == ["header", "top"])
        // `header` is also included from a partial inside a section: no longer at the top.
        var inSection = sources
        inSection["page"] = "{{<base}}{{$main}}{{#list}}{{>nested}}{{/list}}{{/main}}{{/base}}"
        #expect(!MemoPlan.memoizable(sources: inSection).contains("header"))
        // Changed delimiters hide tags: nothing is memoized.
        var delimiters = sources
        delimiters["item"] = "{{=<% %>=}}<%title%>"
        #expect(MemoPlan.memoizable(sources: delimiters).isEmpty)
        // A parent that expands a block inside a section: what a child puts in the block
        // is not at the top.
        var blockInSection = sources
        blockInSection["base"] = "<html>{{>header}}{{#list}}{{$main}}{{/main}}{{/list}}</html>"
        blockInSection["page"] = "{{<base}}{{$main}}{{>top}}{{/main}}{{/base}}"
        let plan = MemoPlan(sources: blockInSection)
        #expect(plan.memoizable == ["header"])
        #expect(plan.specialized(constants: ["t": ["title": "T"]])["page"] == nil)
        #expect(plan.specialized(constants: ["t": ["title": "T"]])["header"] == "<h>T</h>")
    }

    @Test("context values are told apart by their exact type, also when generic code boxed them twice")
    func contextValueTypes() {
        /// `value` as generic code over `[Any]` items hands it on: an `Any` inside an `Any`.
        func boxed<T>(_ value: T) -> Any { value }
        let samples: [(Any, ContextValueType)] = [
            ("text", .string), (true, .bool), (3, .int), (2.5, .double),
            (["a": 1] as [String: Any], .object), ([["a": 1]] as [[String: Any]], .objects),
            (["a": "b"] as [String: String], .strings), (["a"] as [String], .texts),
            ([1, "a"] as [Any], .list), ([["a": "b"]] as [[String: String]], .stringObjects),
            (HTMLText(bytes: Array("<p>".utf8)), .html), (SharedValue("text"), .shared),
            ([SwitcherEntry(code: "pl", name: "Polski", languageCode: "pl-PL", url: "/pl/", current: true, available: true)], .switcher),
            (Self.listedPage, .page), ([Self.listedPage], .pages),
            ([HreflangLink(hreflang: "ro-RO", href: "https://example.org/ro/")], .links),
            (Int8(1), .other), (["a": 1] as [String: Int], .other),
        ]
        for (value, type) in samples {
            #expect(ContextValueType(of: value) == type, "\(value)")
            #expect(ContextValueType(of: boxed(value as Any)) == type, "boxed \(value)")
        }
        #expect(ContextValueType.take(boxed("text" as Any), as: String.self) == "text")
    }

    /// `record` answers each name as its object does; `others` (names it does not hold)
    /// not at all.
    func expectAnswersAsObject(_ record: some ContextRecord, others: [String], _ source: SourceLocation = #_sourceLocation) {
        let object = record.object
        for (name, value) in object {
            #expect(record.field(name).map { "\($0)" } == "\(value)", "\(name)", sourceLocation: source)
        }
        for name in others where object[name] == nil {
            #expect(record.field(name) == nil, "\(name)", sourceLocation: source)
        }
    }

    @Test("a switcher entry and an hreflang link answer every name as the same entry written as an object does, and no other")
    func switcherEntryFields() {
        let entry = SwitcherEntry(code: "sl", name: "Slovenščina", languageCode: "sl-SI", url: "/sl/mesta/kranj/", current: false, available: true)
        #expect(entry.object.count == 6)
        expectAnswersAsObject(entry, others: ["", "urls", "Name", "hasUrl", "page"])
        let link = HreflangLink(hreflang: "sl-SI", href: "https://example.org/sl/")
        #expect(link.object.count == 2)
        expectAnswersAsObject(link, others: ["", "url", "Href", "lang"])
    }

    static let listedPage = PageFields(summary: .init(
        title: "Łódź", url: "/pl/miasta/lodz/", summary: "Miasto misji", isFallback: true, kind: "page",
        textLanguage: "en", textLanguageCode: "en-GB", date: "9 listopada 2022", dateISO: "2022-11-09"), own: nil)

    /// A page as its own template reads it (with the fields only its own object has).
    static let ownPage = PageFields(summary: .init(
        title: "Kranj", url: "/sl/mesta/kranj/", summary: "", isFallback: false, kind: "page",
        textLanguage: nil, textLanguageCode: nil, date: nil, dateISO: nil), own: .init(
        content: HTMLText(bytes: Array("<p>Kranj</p>".utf8)), description: "Mesto misije", tags: ["energija"],
        params: ["pilot": true], permalink: "https://example.org/sl/mesta/kranj/",
        lastmod: "2. 12. 2026", lastmodISO: "2026-12-02", originalURL: nil, originalLanguageName: nil, originalLanguageCode: nil))

    @Test("a page's fields answer every name as the same page written as an object does, and no other")
    func pageFields() {
        let own = Self.ownPage
        let names = ["title", "url", "summary", "isFallback", "kind", "textLanguage", "textLanguageCode", "date", "dateISO",
                     "content", "description", "tags", "params", "permalink", "lastmod", "lastmodISO", "toc",
                     "originalURL", "originalLanguageName", "originalLanguageCode", "", "Title", "page", "hasContent",
                     // Of the lengths of names a page has, but none of them.
                     "Url", "dates", "Kind", "tag", "contents", "lastmodIso", "permaLink", "originalUrl", "textLanguageCodes"]
        expectAnswersAsObject(Self.listedPage, others: names)
        expectAnswersAsObject(own, others: names)
        #expect(Self.listedPage.object.count == 9)
        #expect(own.object.count == 13)
        // Different fields, different fingerprints.
        var a = FingerprintHasher(), b = FingerprintHasher()
        #expect(Self.listedPage.fingerprint(into: &a) && own.fingerprint(into: &b))
        #expect(a.key != b.key)
    }

    @Test("a page's HTML changed in any one byte, or made longer or shorter, gets another fingerprint")
    func fingerprintsOfLongTexts() {
        func key(_ bytes: [UInt8]) -> RenderKey {
            var hasher = FingerprintHasher()
            let known = hasher.add(value: HTMLText(bytes: bytes))
            #expect(known)
            return hasher.key
        }
        let html = Array("<h2 id=\"plan\">Plan</h2>\n<p>Kranj, Ljubljana in Velenje: podnebno nevtralna mesta do leta 2030.</p>\n".utf8)
        // A page's HTML is longer: from `FingerprintHasher.longText` bytes on, a text is
        // hashed whole (XXH3) and its hash added.
        let long = Array(Array(repeating: html, count: 7).joined())
        let limit = FingerprintHasher.longText
        var keys = Set<RenderKey>()
        for length in [0, 1, 7, 8, 9, 12, 15, 31, 32, 63, 64, 65, 95, 96, 97, html.count, limit - 1, limit, limit + 1, long.count] {
            let text = Array(long.prefix(length))
            #expect(keys.insert(key(text)).inserted, "length \(length)")
            // Every byte of the text counts, in whole words and in the tail after them.
            for position in text.indices {
                var changed = text
                changed[position] ^= 0x20
                #expect(key(changed) != key(text), "length \(length), byte \(position)")
            }
        }
        // The same bytes in another order are another text.
        var swapped = html
        swapped.swapAt(0, 8)
        #expect(key(swapped) != key(html))
        #expect(key(html) == key(html))
        var longSwapped = long
        longSwapped.swapAt(0, 8)
        #expect(key(longSwapped) != key(long))
        #expect(key(long) == key(long))
    }

    @Test("a page's render key is that of its whole root: its own values and its language's shared ones as one object")
    func renderKeysOfWholeRoots() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let renderer = try await Builder(options: fixture.options()).prepare()
        let base = RenderKey(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)
        let inputs = renderer.jobs.compactMap(renderer.htmlInput(for:))
        #expect(inputs.count > 20)
        var keys = Set<RenderKey>()
        for input in inputs {
            // The shared values are beside the page's own, not in them.
            let shared = try #require(input.shared).values
            #expect(!shared.isEmpty && shared.allSatisfy { input.context[$0.key] == nil })
            // The key of the page's values with the shared ones copied in.
            var whole = FingerprintHasher()
            whole.add(base.high)
            whole.add(base.low)
            whole.add(input.template)
            let known = whole.add(value: input.context.dictionary.merging(shared.dictionary) { own, _ in own })
            #expect(known)
            let key = try #require(RenderKey.of(input, base: base))
            #expect(key == whole.key, "\(input.template) for \(input.language)")
            keys.insert(key)
        }
        // Every page has a key of its own.
        #expect(keys.count == inputs.count)
        // Another language's shared values are another root.
        let page = try #require(inputs.first { $0.language == "pl" && $0.template == "page" })
        var moved = page
        moved.shared = try #require(inputs.first { $0.language == "sl" }).shared
        #expect(RenderKey.of(moved, base: base) != RenderKey.of(page, base: base))
        #expect(!renderer.holdsSharedValues(moved))
        // A page value under a shared value's name would hide it: no root `htmlInput` makes.
        var hiding = page
        hiding.context["site"] = "Kranj"
        #expect(!renderer.holdsSharedValues(hiding))
        #expect(renderer.holdsSharedValues(page))
    }

    @Test("a page's values by name: set, replaced, removed and read as a dictionary holds them, in the order they came")
    func contextValuesAsDictionary() {
        // Names of the same length and the same first and last bytes share a first slot.
        let names = ["page", "pace", "pole", "url", "uri", "", "t", "site", "lang", "asset", "homeURL", "pages", "pluralForms",
                     "permalink", "canonical", "menu", "switcher", "alternates", "breadcrumbs", "noindex", "łódź", "Łódź",
                     "a name long enough to be stored apart from its string", "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8", "x9",
                     // The same names to a string as the ones before them: "éx" both ways, "K" and the Kelvin sign.
                     "éx", "e\u{301}x", "Key", "\u{212A}ey"]
        var generator = SystemRandomNumberGenerator()
        for round in 0..<200 {
            var table = ContextValues(capacity: round % 3 == 0 ? 0 : round % 20)
            var model: [String: Int] = [:]
            var order: [String] = []
            for step in 0..<(round % 60) {
                let name = names.randomElement(using: &generator)!
                if Int.random(in: 0..<5, using: &generator) == 0 {
                    table[name] = nil
                    model[name] = nil
                    order.removeAll { $0 == name }
                } else {
                    table[name] = step
                    if model.updateValue(step, forKey: name) == nil { order.append(name) }
                }
                #expect(table.count == model.count)
            }
            for name in names {
                #expect(table[name] as? Int == model[name], "\(name.debugDescription)")
            }
            #expect(table.map(\.key) == order)
            #expect(table.dictionary.mapValues { $0 as! Int } == model)
            #expect(ContextValues(table.dictionary).dictionary.mapValues { $0 as! Int } == model)
        }
        #expect(ContextValues()["page"] == nil && ContextValues().isEmpty)
    }

    @Test("wrapped values print, branch and transform as the plain values do")
    func wrappedValues() throws {
        let values: [String: Any] = [
            "title": "Łódź & <Kraków>",
            "empty": "",
            "flag": false,
            "count": 3,
            "ratio": 2.5,
            "page": ["title": "Climate \"contracts\"", "tags": ["energy", "transport", "buildings"], "params": ["a": 1] as [String: Any]] as [String: Any],
            "t": ["search": "Szukaj", "cities": "Miasta"],
            "items": [["name": "b", "on": true], ["name": "a", "on": false]] as [[String: Any]],
            "mixed": ["x", 1, true, ["k": "v"] as [String: Any]] as [Any],
            "pairs": [["k": "v"]] as [[String: String]],
        ]
        let templates = [
            "{{title}} {{{title}}} {{&title}} {{count}} {{ratio}} {{flag}}",
            "{{#empty}}[{{.}}]{{/empty}}{{^empty}}none{{/empty}}{{#title}}<{{.}}>{{/title}}",
            "{{page.title}} {{#page}}{{title}} {{t.search}}{{/page}} {{page.params}} {{t}}",
            "{{#page.tags}}{{.}},{{/page.tags}} {{#sorted(page.tags)}}{{.}};{{/sorted(page.tags)}} {{count(page.tags)}} {{first(page.tags)}}",
            "{{uppercased(title)}} {{lowercased(page.title)}} {{reversed(title)}} {{capitalized(t.search)}} {{empty(empty)}}",
            "{{#items}}{{name}}{{#on}}+{{/on}}{{^on}}-{{/on}}{{#first()}}F{{/first()}}{{index()}}{{/items}} {{count(items)}} {{#reversed(items)}}{{name}}{{/reversed(items)}}",
            "{{#mixed}}({{.}}{{k}}){{/mixed}} {{#pairs}}{{k}}{{/pairs}} {{missing}} {{page.missing}} {{#missing}}x{{/missing}}",
            "{{count(t)}} {{#sorted(t)}}{{key}}={{value}} {{/sorted(t)}} {{#page.title}}{{title}}{{/page.title}}",
        ]
        for text in templates {
            let template = try MustacheTemplate(string: text)
            let plain = template.render(values)
            let wrapped = template.render(TemplateRoot(values: values))
            #expect(wrapped == plain, "template: \(text)")
        }
    }
}
