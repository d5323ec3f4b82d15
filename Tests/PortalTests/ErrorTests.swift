import Foundation
import Testing
@testable import PortalBuild

/// Invalid sites: each build fails with compiler-style diagnostics naming the file, and
/// leaves the previous output folder exactly as it was.
@Suite("Errors leave the output untouched")
struct ErrorTests {
    /// Builds a good site, breaks it with `changes`, rebuilds, and returns the errors
    /// after checking that the output folder did not change.
    func breakSite(_ changes: [String: String], removing: [String] = []) async throws -> [String] {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try await fixture.build()
        let before = fixture.snapshot()
        #expect(!before.isEmpty)
        for (path, text) in changes { try fixture.write(path, text) }
        for path in removing { try FileManager.default.removeItem(atPath: fixture.root + "/" + path) }
        let errors = await fixture.failingBuild()
        #expect(fixture.snapshot() == before, "the previous output folder is untouched")
        #expect(!FileManager.default.fileExists(atPath: fixture.root + "/.Public.previous"), "nothing was written beside the output folder")
        return errors
    }

    @Test("broken front matter: file, line and column of the YAML problem")
    func brokenFrontMatter() async throws {
        let errors = try await breakSite(["Content/pl/about/_index.md": "---\ntitle: Misja\ndescription: Cele: neutralność\n---\nTekst\n"])
        #expect(errors == [
            "Content/pl/about/_index.md:3:18: error: invalid YAML: mapping values are not allowed in this context\nContent/pl/about/_index.md:3:18: note: a value that contains ': ' must be in quotes",
        ])
    }

    @Test("front matter without a closing line")
    func unclosedFrontMatter() async throws {
        let errors = try await breakSite(["Content/en/about/contracts.md": "---\ntitle: Contracts\n\nText without the closing line.\n"])
        #expect(errors == [
            "Content/en/about/contracts.md:1:1: error: front matter starts with '---' but has no closing '---' line\nContent/en/about/contracts.md:1:1: note: add a line with only '---' after the last front matter key",
        ])
    }

    @Test("a city with latitude 123")
    func cityLatitude() async throws {
        let errors = try await breakSite(["Content/cities/ljubljana.yaml": "name: Ljubljana\ncountry: SI\ncoordinates: [123, 14.5051]\n"])
        #expect(errors == [
            "Content/cities/ljubljana.yaml:3:15: error: latitude 123 is outside -90…90\nContent/cities/ljubljana.yaml:3:15: note: coordinates are [latitude, longitude]",
        ])
    }

    @Test("a city without a name and with an unknown country")
    func cityFields() async throws {
        let errors = try await breakSite(["Content/cities/ljubljana.yaml": "country: XQ\n"])
        #expect(errors == [
            "Content/cities/ljubljana.yaml:1: error: 'name' is missing\nContent/cities/ljubljana.yaml:1: note: add the city's own name, e.g. 'name: Kraków'",
            "Content/cities/ljubljana.yaml:1:10: error: 'XQ' is not an ISO 3166-1 alpha-2 country code\nContent/cities/ljubljana.yaml:1:10: note: for example PL, SI, RO",
        ])
    }

    @Test("a slug '../x'")
    func slugTraversal() async throws {
        let errors = try await breakSite(["Content/en/about/contracts.md": page("Contracts", "slug: ../x")])
        #expect(errors == [
            "Content/en/about/contracts.md:3:7: error: slug '../x' is not a single URL segment\nContent/en/about/contracts.md:3:7: note: a slug replaces only the last part of the URL: use letters, digits and '-'",
        ])
    }

    @Test("two pages on one URL: both files named")
    func collision() async throws {
        let errors = try await breakSite(["Content/en/about/climate.md": page("Climate", "slug: contracts")])
        #expect(errors == [
            "Content/en/about/contracts.md: error: writes /en/about/contracts/index.html, which Content/en/about/climate.md writes too\nContent/en/about/contracts.md: note: change a file name, 'slug' or alias so that each page has its own URL",
        ])
    }

    @Test("an alias onto an existing page")
    func aliasCollision() async throws {
        let errors = try await breakSite(["Content/en/about/contracts.md": page("Contracts", "aliases: [/en/about/]")])
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Content/en/about/contracts.md:3:11: error: writes /en/about/index.html, which Content/en/about/_index.md writes too") == true)
    }

    @Test("every error of the run is reported, not only the first")
    func allErrorsAtOnce() async throws {
        let errors = try await breakSite([
            "Content/en/about/contracts.md": page("Contracts", "date: 9 November"),
            "Content/cities/ljubljana.yaml": "name: Ljubljana\ncountry: SI\ncoordinates: [46, 200]\n",
            "Content/pl/about/_index.md": "---\ndescription: no title\n---\n",
        ])
        #expect(errors.count == 3)
        #expect(errors.contains { $0.hasPrefix("Content/en/about/contracts.md:3:7: error: 'date' is not a date: '9 November'") })
        #expect(errors.contains { $0.hasPrefix("Content/cities/ljubljana.yaml:3:19: error: longitude 200 is outside -180…180") })
        #expect(errors.contains { $0.hasPrefix("Content/pl/about/_index.md:1: error: 'title' is missing from the front matter") })
    }

    @Test("a template that uses an interface string no language defines")
    func missingStringEverywhere() async throws {
        let errors = try await breakSite(["Templates/partials/footer.mustache": "<footer><p>{{t.missingEverywhere}}</p></footer>\n"])
        #expect(errors == [
            "Templates/partials/footer.mustache:1:12: error: interface string 'missingEverywhere' is not defined in any language\nTemplates/partials/footer.mustache:1:12: note: add 'missingEverywhere: …' to Templates/strings/en.yaml",
        ])
    }

    @Test("template syntax errors and missing partials")
    func templateErrors() async throws {
        let errors = try await breakSite([
            "Templates/page.mustache": "{{<base}}{{$main}}{{#page.title}}<h1>{{page.title}}</h1>{{/main}}{{/base}}\n",
            "Templates/partials/menu.mustache": "<nav>{{>partials/nowhere}}</nav>\n",
        ])
        #expect(errors.count == 2)
        #expect(errors.contains { $0.hasPrefix("Templates/page.mustache:1:") && $0.contains("error: template syntax") })
        #expect(errors.contains { $0.hasPrefix("Templates/partials/menu.mustache:1:6: error: partial 'partials/nowhere' does not exist") })
    }

    @Test("a defaultContentLanguage without its folder")
    func defaultLanguageFolder() async throws {
        let errors = try await breakSite(["Content/site.yaml": "title: Cities\nbaseURL: https://cities.example.eu/\ndefaultContentLanguage: de\n"])
        #expect(errors.count == 1)
        #expect(errors.first?.hasPrefix("Content/site.yaml:3: error: defaultContentLanguage 'de' has no folder Content/de/ with a _language.yaml") == true)
    }
}
