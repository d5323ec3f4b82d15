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
    public var seconds: Double
}

/// The pipeline: load → check → plan → render (in parallel) → write beside → swap in.
public struct Builder: Sendable {
    public var options: BuildOptions

    public init(options: BuildOptions) { self.options = options }

    /// Loads, checks and prepares everything without writing.
    public func prepare() async throws(BuildFailure) -> SiteRenderer {
        var errors: [Diagnostic] = []
        var site: Site?
        var warnings: [Diagnostic] = []
        do {
            let loaded = try SiteLoader(contentDirectory: options.contentDirectory, includeDrafts: options.includeDrafts, baseURLOverride: options.baseURL).load()
            site = loaded.0
            warnings = loaded.1
        } catch {
            errors += error.diagnostics
        }
        var theme: Theme?
        do { theme = try Theme.load(from: options.templatesDirectory) } catch { errors += error.diagnostics }
        // Content and theme problems are reported together.
        guard let site, let theme, errors.filter({ $0.severity == .error }).isEmpty else { throw BuildFailure(errors) }
        let plan = try SitePlan.make(site: site, languages: options.languages)
        let layoutErrors = checkLayouts(plan, theme)
        if !layoutErrors.isEmpty { throw BuildFailure(layoutErrors + warnings) }
        return try await SiteRenderer.prepare(plan: plan, theme: theme, loadWarnings: warnings)
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

    /// Builds the site into the output folder. On any error the output folder is left as it was.
    public func build() async throws(BuildFailure) -> BuildReport {
        let start = Date()
        let renderer = try await prepare()
        let output = OutputFolder(path: options.outputDirectory)
        try output.prepareStaging()
        do {
            let jobs = renderer.jobs
            let files = await parallelMap(jobs) { renderer.render($0) }
            for file in files { try output.write(file.path, file.bytes) }
            let site = renderer.plan.site
            for asset in renderer.theme.assets {
                try output.copy(from: renderer.theme.directory + "/assets/" + asset, to: "assets/" + asset)
            }
            for (target, asset) in renderer.fingerprintedAssets.sorted(by: { $0.key < $1.key }) {
                try output.copy(from: renderer.theme.directory + "/assets/" + asset, to: target)
            }
            for file in site.staticFiles where renderer.plan.outputLanguages.contains(where: { file.outputPath.hasPrefix($0.code + "/") }) || file.outputPath.hasPrefix("media/") {
                try output.copy(from: file.source, to: file.outputPath)
            }
            try output.swapIn()
            var perLanguage: [(String, Int, Int)] = []
            for language in renderer.plan.outputLanguages {
                let entries = renderer.plan.plannedPages.filter { $0.language == language.code }
                perLanguage.append((language.code, entries.filter { !$0.isFallback }.count + site.cities.count + 2, entries.filter(\.isFallback).count))
            }
            return BuildReport(
                warnings: renderer.warnings,
                pagesPerLanguage: perLanguage,
                cities: site.cities.count,
                aliases: jobs.filter { if case .alias = $0 { return true } else { return false } }.count,
                staticFiles: site.staticFiles.count + renderer.theme.assets.count,
                filesWritten: files.count,
                seconds: Date().timeIntervalSince(start)
            )
        } catch {
            output.discardStaging()
            throw error
        }
    }
}
