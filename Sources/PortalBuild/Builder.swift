import Foundation
import PortalContent
import PortalCore
import PortalRender

/// Options of `portal build`.
public struct BuildOptions: Sendable {
    public var contentDirectory = "Content"
    public var templatesDirectory = "Templates"
    public var outputDirectory = "Public"
    public var baseURL: String?
    public var includeDrafts = false
    public var languages: [String]?

    public init() {}
}

/// What a build did, for the summary line.
public struct BuildReport: Sendable {
    public var warnings: [Diagnostic]
    public var pagesPerLanguage: [(language: String, pages: Int, fallbacks: Int)]
    public var cities: Int
    public var aliases: Int
    public var staticFiles: Int
    public var filesWritten: Int
    /// Of `filesWritten`, how many differed from the previous site (all of them for a
    /// first build), and how many files of the previous site are gone.
    public var filesChanged = 0
    public var filesRemoved = 0
    public var seconds: Double
}

/// The pipeline: load → check → plan → render (in parallel) → write beside → swap in.
public struct Builder: Sendable {
    public var options: BuildOptions

    public init(options: BuildOptions) { self.options = options }

    /// Loads, checks and prepares everything without writing.
    public func prepare() async throws(BuildFailure) -> SiteRenderer {
        var clock = PhaseClock()
        var errors: [Diagnostic] = []
        var site: Site?
        var warnings: [Diagnostic] = []
        do {
            let loaded = try await SiteLoader(contentDirectory: options.contentDirectory, includeDrafts: options.includeDrafts, baseURLOverride: options.baseURL).load()
            site = loaded.0
            warnings = loaded.1
        } catch {
            errors += error.diagnostics
        }
        clock.lap("load content")
        var theme: Theme?
        do { theme = try Theme.load(from: options.templatesDirectory) } catch { errors += error.diagnostics }
        // Content and theme problems are reported together.
        guard let site, let theme, errors.filter({ $0.severity == .error }).isEmpty else { throw BuildFailure(errors) }
        let plan = try SitePlan.make(site: site, languages: options.languages)
        let layoutErrors = checkLayouts(plan, theme)
        if !layoutErrors.isEmpty { throw BuildFailure(layoutErrors + warnings) }
        clock.lap("load theme, plan")
        let renderer = try await SiteRenderer.prepare(plan: plan, theme: theme, loadWarnings: warnings)
        clock.lap("prepare (markdown, tables, search text, links)")
        return renderer
    }

    func checkLayouts(_ plan: SitePlan, _ theme: Theme) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        for page in plan.site.pages {
            if let layout = page.layout, theme.templateFiles[layout] == nil {
                diagnostics.append(.error(page.file, "layout '\(layout)' does not exist in \(options.templatesDirectory)/", hint: "layouts: \(theme.templateFiles.keys.filter { !$0.hasPrefix("partials/") }.sorted().joined(separator: ", "))"))
            }
        }
        return diagnostics
    }

    /// Renders the whole site in memory: every output path with its bytes, sorted.
    public func renderSite() async throws(BuildFailure) -> RenderedSite {
        let start = Date()
        let renderer = try await prepare()
        return await Self.render(renderer, start: start)
    }

    public static func render(_ renderer: SiteRenderer, start: Date) async -> RenderedSite {
        var clock = PhaseClock()
        let jobs = renderer.jobs
        var files = await parallelMap(jobs) { renderer.render($0) }
        clock.lap("render templates")
        let site = renderer.plan.site
        var copies: [(String, String)] = []
        for asset in renderer.theme.assets {
            copies.append((renderer.theme.directory + "/assets/" + asset, "assets/" + asset))
        }
        for (target, asset) in renderer.fingerprintedAssets.sorted(by: { $0.key < $1.key }) {
            copies.append((renderer.theme.directory + "/assets/" + asset, target))
        }
        for file in site.staticFiles where file.outputPath.hasPrefix("media/") || renderer.plan.outputLanguages.contains(where: { file.outputPath.hasPrefix($0.code + "/") }) {
            copies.append((file.source, file.outputPath))
        }
        for (source, target) in copies {
            files.append(RenderedFile(path: target, bytes: FileSystem.read(source) ?? []))
        }
        var perLanguage: [(String, Int, Int)] = []
        for language in renderer.plan.outputLanguages {
            let entries = renderer.plan.plannedPages.filter { $0.language == language.code }
            perLanguage.append((language.code, entries.filter { !$0.isFallback }.count, entries.filter(\.isFallback).count))
        }
        let report = BuildReport(
            warnings: renderer.warnings,
            pagesPerLanguage: perLanguage,
            cities: site.cities.count,
            aliases: jobs.filter { if case .alias = $0 { return true } else { return false } }.count,
            staticFiles: copies.count,
            filesWritten: files.count,
            seconds: Date().timeIntervalSince(start)
        )
        return RenderedSite(files: files, report: report)
    }

    /// Builds the site into the output folder. On any error the output folder is left as it was.
    /// `waiting` is called when another build holds the output folder.
    public func build(waiting: () -> Void = {}) async throws(BuildFailure) -> BuildReport {
        let start = Date()
        let rendered = try await renderSite()
        let output = OutputFolder(path: options.outputDirectory)
        var clock = PhaseClock()
        let lock = try output.lock(waiting: waiting)
        defer { close(lock) }
        try output.prepareStaging()
        var files = rendered.files
        // Keep a tracked placeholder (Public/.gitkeep) where the project has one.
        if let keep = FileSystem.read(output.path + "/.gitkeep") { files.append(RenderedFile(path: ".gitkeep", bytes: keep)) }
        clock.lap("prepare staging")
        var written = OutputFolder.WriteReport()
        do {
            written = try await output.write(files)
            clock.lap("write files")
            try output.swapIn()
            clock.lap("flush, swap")
        } catch {
            output.discardStaging()
            throw error
        }
        var report = rendered.report
        report.filesChanged = written.changed
        report.filesRemoved = written.removed
        report.seconds = Date().timeIntervalSince(start)
        return report
    }
}

/// A whole site rendered in memory.
public struct RenderedSite: Sendable {
    public var files: [RenderedFile]
    public var report: BuildReport
}
