import ArgumentParser
import Foundation
import PortalBuild
import PortalCore
import PortalRender

@main
struct Portal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "Builds the multilingual Cities Mission portal from Content/ and Templates/ into Public/.",
        subcommands: [Build.self, Check.self]
    )
}

struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: "Folder with site.yaml and one folder per language.")
    var content = "Content"
    @Option(name: .long, help: "Folder with the Mustache layouts, partials, assets and strings.")
    var templates = "Templates"
}

/// Prints diagnostics compiler style on standard error.
func report(_ diagnostics: [Diagnostic]) {
    var text = ""
    for diagnostic in diagnostics.sorted() { text += diagnostic.description + "\n" }
    FileHandle.standardError.write(Data(text.utf8))
}

struct Build: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build the site into the output folder.")

    @OptionGroup var site: SiteOptions
    @Option(name: .long, help: "Output folder; replaced only when the new site is complete.")
    var output = "Public"
    @Option(name: .customLong("base-url"), help: "Overrides baseURL from site.yaml.")
    var baseURL: String?
    @Flag(name: .long, help: "Also build pages with 'draft: true'.")
    var drafts = false
    @Option(name: .long, help: "Build only these languages, e.g. en,pl.")
    var languages: String?
    @Flag(name: .shortAndLong, help: "Print only errors.")
    var quiet = false

    func run() async throws {
        var options = BuildOptions()
        options.contentDirectory = site.content
        options.templatesDirectory = site.templates
        options.outputDirectory = output
        options.baseURL = baseURL
        options.includeDrafts = drafts
        options.languages = languages?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let outcome: Result<BuildReport, BuildFailure>
        do { outcome = .success(try await Builder(options: options).build()) } catch { outcome = .failure(error) }
        switch outcome {
        case .success(let result):
            if !quiet {
                report(result.warnings)
                let languagesText = result.pagesPerLanguage.map { "\($0.language) \($0.pages)" + ($0.fallbacks > 0 ? " (+\($0.fallbacks) fallback)" : "") }.joined(separator: ", ")
                print("Built \(result.filesWritten) files in \(String(format: "%.2f", result.seconds)) s: pages \(languagesText); \(result.cities) cities; \(result.aliases) aliases; \(result.staticFiles) static files → \(output)/")
            }
        case .failure(let failure):
            report(failure.diagnostics)
            let count = failure.diagnostics.filter { $0.severity == .error }.count
            FileHandle.standardError.write(Data("build failed with \(count) error\(count == 1 ? "" : "s"); \(output)/ was not changed\n".utf8))
            throw ExitCode(1)
        }
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check content and templates without writing anything.")

    @OptionGroup var site: SiteOptions
    @Flag(name: .long, help: "Treat warnings as errors.")
    var strict = false

    func run() async throws {
        var options = BuildOptions()
        options.contentDirectory = site.content
        options.templatesDirectory = site.templates
        let outcome: Result<SiteRenderer, BuildFailure>
        do { outcome = .success(try await Builder(options: options).prepare()) } catch { outcome = .failure(error) }
        switch outcome {
        case .success(let renderer):
            report(renderer.warnings)
            let warnings = renderer.warnings.count
            if strict && warnings > 0 {
                FileHandle.standardError.write(Data("check failed: \(warnings) warning\(warnings == 1 ? "" : "s") (--strict)\n".utf8))
                throw ExitCode(1)
            }
            print("No errors\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "").")
        case .failure(let failure):
            report(failure.diagnostics)
            throw ExitCode(1)
        }
    }
}
