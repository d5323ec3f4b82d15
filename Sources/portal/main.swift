import ArgumentParser
import Foundation
import PortalBuild
import PortalCore
import PortalRender
import PortalServe

@main
struct Portal: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "portal",
        abstract: "Builds the multilingual Cities Mission portal from Content/ and Templates/ into Public/.",
        subcommands: [Build.self, Check.self, Serve.self, Translations.self, New.self]
    )
}

struct SiteOptions: ParsableArguments {
    @Option(name: .long, help: "Folder with site.yaml and one folder per language.")
    var content = "Content"
    @Option(name: .long, help: "Folder with the Mustache layouts, partials, assets and strings.")
    var templates = "Templates"

    func buildOptions() -> BuildOptions {
        var options = BuildOptions()
        options.contentDirectory = content
        options.templatesDirectory = templates
        return options
    }
}

enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Prints diagnostics compiler style on standard error.
func report(_ diagnostics: [Diagnostic]) {
    guard !diagnostics.isEmpty else { return }
    var text = ""
    for diagnostic in diagnostics.sorted() { text += diagnostic.description + "\n" }
    FileHandle.standardError.write(Data(text.utf8))
}

func standardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// Runs an operation that throws `BuildFailure`, as a `Result` (typed throws and
/// `catch let … as` trip the compiler in async contexts).
func outcome<T>(_ body: () async throws(BuildFailure) -> T) async -> Result<T, BuildFailure> {
    do { return .success(try await body()) } catch { return .failure(error) }
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
    @Flag(name: .shortAndLong, help: "Also list every warning in full.")
    var verbose = false

    func run() async throws {
        var options = site.buildOptions()
        options.outputDirectory = output
        options.baseURL = baseURL
        options.includeDrafts = drafts
        options.languages = languages?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        options.freesMemory = false  // the process ends with the build
        let progress = quiet ? nil : Progress.start()
        let result = await outcome { () async throws(BuildFailure) in try await Builder(options: options).build(waiting: {
            FileHandle.standardError.write(Data("waiting for another build of \(options.outputDirectory)/ to finish…\n".utf8))
        }) }
        progress?.cancel()
        switch result {
        case .success(let result):
            guard !quiet else { return }
            report(verbose ? result.warnings : Summary.condensed(result.warnings))
            print(Summary.table(result, output: output))
        case .failure(let failure):
            report(failure.diagnostics)
            let count = failure.diagnostics.filter { $0.severity == .error }.count
            standardError("build failed with \(count) error\(count == 1 ? "" : "s"); \(output)/ was not changed")
            throw ExitCode(1)
        }
    }
}

/// Shows that a long build is alive, on a terminal only.
enum Progress {
    static func start() -> Task<Void, Never>? {
        guard isatty(STDERR_FILENO) == 1 else { return nil }
        return Task {
            let start = Date()
            try? await Task.sleep(nanoseconds: 1_000_000_000)
            while !Task.isCancelled {
                FileHandle.standardError.write(Data(String(format: "\rBuilding… %.0f s", Date().timeIntervalSince(start)).utf8))
                try? await Task.sleep(nanoseconds: 1_000_000_000)
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }
}

/// The build summary, like Hugo's: pages per language, cities, aliases, time.
enum Summary {
    static func table(_ report: BuildReport, output: String) -> String {
        let languages = report.pagesPerLanguage
        var rows: [[String]] = [[""] + languages.map { $0.language.uppercased() }]
        rows.append(["Pages"] + languages.map { String($0.pages) })
        rows.append(["Fallback pages"] + languages.map { String($0.fallbacks) })
        rows.append(["City pages"] + languages.map { _ in String(report.cities) })
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        var text = ""
        for (index, row) in rows.enumerated() {
            text += row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[0], withPad: " ", startingAt: 0) : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: " | ") + "\n"
            if index == 0 { text += widths.map { String(repeating: "-", count: $0) }.joined(separator: "-+-") + "\n" }
        }
        text += "Aliases: \(report.aliases) · static files: \(report.staticFiles) · files: \(report.filesWritten) (rendered: \(report.pagesRendered), changed: \(report.filesChanged), removed: \(report.filesRemoved)) · folders read: \(report.foldersRead) · files read back: \(report.filesReadBack)"
        if !report.warnings.isEmpty { text += " · warnings: \(report.warnings.count) (portal check lists them)" }
        text += "\nBuilt \(output)/ in \(Int(report.seconds * 1000)) ms"
        return text
    }

    /// At most a few warnings in a build; `portal check` lists them all.
    static func condensed(_ warnings: [Diagnostic]) -> [Diagnostic] {
        Array(warnings.sorted().prefix(5))
    }
}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Check content and templates without writing anything.")

    @OptionGroup var site: SiteOptions
    @Flag(name: .long, help: "Treat warnings as errors.")
    var strict = false
    @Option(name: .long, help: "text (compiler style) or json (for CI annotations).")
    var format: OutputFormat = .text

    func run() async throws {
        let options = site.buildOptions()
        let result = await outcome { () async throws(BuildFailure) in try await Builder(options: options).prepare() }
        var diagnostics: [Diagnostic]
        switch result {
        case .success(let renderer):
            // Render in memory (nothing is written) to check what templates produce.
            let rendered = await Builder.render(renderer, start: Date())
            diagnostics = renderer.warnings + OutputCheck.links(in: rendered, renderer: renderer) + OutputCheck.missingTranslations(renderer)
        case .failure(let failure): diagnostics = failure.diagnostics
        }
        if strict { diagnostics = diagnostics.map { var strictOne = $0; strictOne.severity = .error; return strictOne } }
        let errors = diagnostics.filter { $0.severity == .error }.count
        let warnings = diagnostics.count - errors
        switch format {
        case .json:
            print(DiagnosticJSON.encode(diagnostics.sorted()))
        case .text:
            report(diagnostics)
            if errors == 0 {
                print(warnings == 0 ? "No problems found." : "No errors, \(warnings) warning\(warnings == 1 ? "" : "s").")
            } else {
                standardError("check failed: \(errors) error\(errors == 1 ? "" : "s")\(warnings > 0 ? ", \(warnings) warning\(warnings == 1 ? "" : "s")" : "")")
            }
        }
        if errors > 0 { throw ExitCode(1) }
    }
}

enum DiagnosticJSON {
    static func encode(_ diagnostics: [Diagnostic]) -> String {
        let items = diagnostics.map { d -> String in
            var fields = ["\"severity\":\"\(d.severity.rawValue)\"", "\"file\":\(string(d.file))"]
            if let line = d.line { fields.append("\"line\":\(line)") }
            if let column = d.column { fields.append("\"column\":\(column)") }
            fields.append("\"message\":\(string(d.message))")
            if let hint = d.hint { fields.append("\"hint\":\(string(hint))") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "[" + items.joined(separator: ",\n") + "]"
    }

    static func string(_ text: String) -> String {
        let data = try? JSONSerialization.data(withJSONObject: [text], options: [.withoutEscapingSlashes])
        let array = data.map { String(decoding: $0, as: UTF8.self) } ?? "[\"\"]"
        return String(array.dropFirst().dropLast())
    }
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Build, serve and rebuild on every change, reloading open pages.")

    @OptionGroup var site: SiteOptions
    @Option(name: .long, help: "Address to listen on.")
    var host = "127.0.0.1"
    @Option(name: .long, help: "Port to listen on.")
    var port: UInt16 = 8080

    func run() async throws {
        let server = PreviewServer(options: site.buildOptions(), host: host, port: port)
        let task = Task { try await server.run() }
        // Ctrl-C (and a polite kill) stop the server cleanly.
        let signals = [SIGINT, SIGTERM].map { number -> DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer { signals.forEach { $0.cancel() } }
        do {
            try await task.value
        } catch is CancellationError {
        } catch {
            if !task.isCancelled {
                standardError("portal serve: \(error)")
                throw ExitCode(1)
            }
        }
        standardError("\nStopped.")
    }
}

struct Translations: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Per language: translated, missing, outdated and fallback pages.")

    @Option(name: .long, help: "Folder with site.yaml and one folder per language.")
    var content = "Content"
    @Option(name: .long, help: "text (a table) or json.")
    var format: OutputFormat = .text

    func run() async throws {
        let content = self.content
        switch await outcome({ () async throws(BuildFailure) in try await TranslationReport.make(contentDirectory: content) }) {
        case .success(let result): print(format == .json ? result.json : result.text, terminator: "")
        case .failure(let failure):
            report(failure.diagnostics)
            throw ExitCode(1)
        }
    }
}

struct New: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start a page or a language.", subcommands: [NewPage.self, NewLanguage.self])
}

struct NewPage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "page", abstract: "Write Content/LANG/PATH.md with front matter.")

    @Option(name: .long, help: "Folder with site.yaml and one folder per language.")
    var content = "Content"
    @Argument(help: "LANG/PATH, e.g. pl/news/nowy-kontrakt")
    var path: String

    func run() async throws {
        let (content, path) = (self.content, self.path)
        switch await outcome({ () throws(BuildFailure) in try Scaffold.newPage(path, contentDirectory: content) }) {
        case .success(let written): print("Wrote \(written)")
        case .failure(let failure):
            report(failure.diagnostics)
            throw ExitCode(1)
        }
    }
}

struct NewLanguage: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "language", abstract: "Write Content/CODE/_language.yaml with the strings to translate.")

    @OptionGroup var site: SiteOptions
    @Argument(help: "BCP 47 language code, e.g. hr or pt-br")
    var code: String

    func run() async throws {
        let (content, templates, code) = (site.content, site.templates, self.code)
        switch await outcome({ () async throws(BuildFailure) in try await Scaffold.newLanguage(code, contentDirectory: content, templatesDirectory: templates) }) {
        case .success(let (written, steps)): print("Wrote \(written)\n\n\(steps)")
        case .failure(let failure):
            report(failure.diagnostics)
            throw ExitCode(1)
        }
    }
}
