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
    /// False where the process exits after the build (`portal build`): the site in memory
    /// (every page, its Markdown and its tables) is then left to the system instead of
    /// freed value by value on one core, as compilers do; 40 to 50 ms on the 10k corpus.
    public var freesMemory = true
    /// Seconds since its last change after which a folder or a file of the site beside is
    /// recorded in `.Public.folders` or `.Public.files` (`FolderListing`, `FileRecords`):
    /// enough for a file system's coarsest clock.
    public var settledAge: Int64 = 3

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
    /// Files rendered (the others were kept: their inputs had not changed).
    public var pagesRendered = 0
    /// Folders of the previous site read before writing (the others were as the record
    /// of the last build into it says: `FolderListing`).
    public var foldersRead = 0
    /// Files of the previous site read back to be compared with the new bytes (the others
    /// were written without it, or known to hold them: `FileRecords`).
    public var filesReadBack = 0
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
        // The theme is read on a thread of its own while the content loads on every core.
        let templatesDirectory = options.templatesDirectory
        let themeLoad = BackgroundResult { () -> Result<Theme, BuildFailure> in
            do throws(BuildFailure) { return .success(try Theme.load(from: templatesDirectory)) } catch { return .failure(error) }
        }
        do {
            let loaded = try await SiteLoader(contentDirectory: options.contentDirectory, includeDrafts: options.includeDrafts, baseURLOverride: options.baseURL).load()
            site = loaded.0
            warnings = loaded.1
        } catch {
            errors += error.diagnostics
        }
        clock.lap("load content")
        var theme: Theme?
        switch await themeLoad.value() {
        case .success(let loaded): theme = loaded
        case .failure(let error): errors += error.diagnostics
        }
        // Content and theme problems are reported together.
        guard let site, let theme, errors.filter({ $0.severity == .error }).isEmpty else { throw BuildFailure(errors) }
        // The pages' Markdown is rendered on every core while the site is planned on one,
        // and while the tables that do not show it are made; a build that fails before it
        // needs the Markdown stops rendering it.
        let markdown = Task { await SiteRenderer.markdown(of: site) }
        do throws(BuildFailure) {
            let plan = try SitePlan.make(site: site, languages: options.languages)
            let layoutErrors = checkLayouts(plan, theme)
            if !layoutErrors.isEmpty { throw BuildFailure(layoutErrors + warnings) }
            clock.lap("load theme, plan")
            let renderer = try await SiteRenderer.prepare(plan: plan, theme: theme, loadWarnings: warnings, markdown: { await markdown.value })
            clock.lap("markdown, prepare (tables, search text, links)")
            return renderer
        } catch {
            markdown.cancel()
            throw error
        }
    }

    /// What the scan of the folder beside did not find of a file's path.
    static func absence(of path: String, in scan: OutputFolder.Scan) -> OutputFolder.Absence {
        if scan.files.contains(path) { return .none }
        guard let slash = path.lastUTF8Index(of: UInt8(ascii: "/")) else { return .file }
        return scan.folders.contains(String(path[..<slash])) ? .file : .fileAndFolder
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

    /// Renders every file in memory. With `memo` (what an earlier render in this process
    /// produced), an HTML page whose fingerprint is unchanged is taken from it instead of
    /// rendered; the site's memo is returned in `memo` for the next render.
    public static func render(_ renderer: SiteRenderer, start: Date, memo: RenderMemo? = nil) async -> RenderedSite {
        var clock = PhaseClock()
        let jobs = renderer.jobs
        let base = renderer.baseKey(binary: "")
        let known = memo?.pages ?? [:]
        let results = await parallelMap(jobs) { job -> (RenderedFile, RenderKey?) in
            let path = renderer.path(for: job)
            let (bytes, key) = renderer.output(of: job, base: base) { known[path]?.key == $0 }
            return (RenderedFile(path: path, bytes: bytes ?? known[path]!.bytes), key)
        }
        var files = results.map(\.0)
        var pages: [String: (key: RenderKey, bytes: [UInt8])] = [:]
        for (file, key) in results { if let key { pages[file.path] = (key, file.bytes) } }
        clock.lap("render templates")
        let copies = copies(renderer)
        for (source, target) in copies {
            files.append(RenderedFile(path: target, bytes: FileSystem.read(source) ?? []))
        }
        return RenderedSite(files: files, report: report(renderer, jobs: jobs, copies: copies.count, files: files.count, start: start), memo: RenderMemo(pages: pages))
    }

    /// Files copied as they are: theme assets (plain and fingerprinted), media and static
    /// files of the languages built. Source path → output path.
    static func copies(_ renderer: SiteRenderer) -> [(source: String, target: String)] {
        var copies: [(String, String)] = []
        for asset in renderer.theme.assets {
            copies.append((renderer.theme.directory + "/assets/" + asset, "assets/" + asset))
        }
        for (target, asset) in renderer.fingerprintedAssets.sorted(by: { $0.key < $1.key }) {
            copies.append((renderer.theme.directory + "/assets/" + asset, target))
        }
        for file in renderer.plan.site.staticFiles where file.outputPath.hasPrefix("media/") || renderer.plan.outputLanguages.contains(where: { file.outputPath.hasPrefix($0.code + "/") }) {
            copies.append((file.source, file.outputPath))
        }
        return copies
    }

    static func report(_ renderer: SiteRenderer, jobs: [OutputJob], copies: Int, files: Int, start: Date) -> BuildReport {
        // Counted in one pass, without copying the planned pages.
        let languages = renderer.plan.outputLanguages.map(\.code)
        var counts = [(pages: Int, fallbacks: Int)](repeating: (0, 0), count: languages.count)
        for entry in renderer.plan.plannedPages {
            guard let position = languages.firstIndex(of: entry.language) else { continue }
            if entry.isFallback { counts[position].fallbacks += 1 } else { counts[position].pages += 1 }
        }
        let perLanguage = zip(languages, counts).map { ($0, $1.pages, $1.fallbacks) }
        return BuildReport(
            warnings: renderer.warnings,
            pagesPerLanguage: perLanguage,
            cities: renderer.plan.site.cities.count,
            aliases: jobs.filter { if case .alias = $0 { return true } else { return false } }.count,
            staticFiles: copies,
            filesWritten: files,
            seconds: Date().timeIntervalSince(start)
        )
    }

    /// Builds the site into the output folder. On any error the output folder is left as it was.
    /// `waiting` is called when another build holds the output folder.
    ///
    /// Everything is loaded and checked first; then every file is rendered and written
    /// at once, on every core, into the folder beside the output (so a rendered page is
    /// not kept in memory), which is swapped in at the end. An HTML page whose inputs
    /// did not change since it was written there is kept without rendering it
    /// (`RenderCache`).
    public func build(waiting: () -> Void = {}) async throws(BuildFailure) -> BuildReport {
        let start = Date()
        let output = OutputFolder(path: options.outputDirectory)
        let lock = try output.lock(waiting: waiting)
        defer { close(lock) }
        try output.prepareStaging()
        // What the folder beside holds is read while the site loads, through the record
        // of its folders the last build into it left.
        let staging = output.stagingPath
        let stagingTree = TreeFile.inode(staging)
        let outputTree = TreeFile.inode(output.path)
        let listingPath = output.listingPath
        let settledBefore = TreeFile.settledBefore(seconds: options.settledAge)
        let filesPath = output.filesPath
        // On a thread of its own, started now: the cooperative pool is busy loading.
        let scan = BackgroundResult { () -> Beside in
            let listing = TreeFile.load(listingPath, header: FolderListing.header)
            let known = stagingTree.flatMap { listing[$0] }.map(FolderListing.records) ?? [:]
            let fileTrees = TreeFile.load(filesPath, header: FileRecords.header)
            return Beside(scan: OutputFolder.scanFolders(staging, known: known, settledBefore: settledBefore), listing: listing,
                          fileTrees: fileTrees, files: stagingTree.flatMap { fileTrees[$0] }.map(FileRecords.records) ?? [:])
        }
        let renderer: SiteRenderer
        do throws(BuildFailure) { renderer = try await prepare() } catch {
            _ = await scan.value()
            output.discardStagingIfEmpty()
            throw error
        }
        var clock = PhaseClock()
        let jobs = renderer.jobs
        let copies = Self.copies(renderer)
        var allPaths = jobs.map { renderer.path(for: $0) } + copies.map(\.target)
        // Keep a tracked placeholder (Public/.gitkeep) where the project has one.
        let keep = FileSystem.read(output.path + "/.gitkeep")
        if keep != nil { allPaths.append(".gitkeep") }
        var changed = 0
        var removed = 0
        var rendered = 0
        var readBack = 0
        let paths = allPaths
        let cachePath = output.cachePath
        var cache = RenderCache.load(cachePath)
        let known = stagingTree.map { cache.entries(of: $0) } ?? [:]
        let base = renderer.baseKey(binary: RenderCache.binary)
        /// What became of one file.
        enum Outcome { case kept, wrote(OutputFolder.Written, RenderKey?) }
        do throws(BuildFailure) {
            // What the folder beside holds that the site no longer has is removed while the
            // files are written.
            async let removing = { () async -> (files: Int, siteFolders: Set<String>) in
                let folders = FolderListing.foldersAbove(paths)
                return (output.removeStale(keeping: Set(paths), folders: folders, holding: await scan.value().scan), folders)
            }()
            let jobCount = jobs.count
            let beside = await scan.value()
            let knownFiles = beside.files
            // Pages last: the sitemap, search indexes and feeds are each one long job, and a
            // core that starts one near the end would leave the other waiting.
            let order = paths.indices.filter { $0 >= jobCount || !jobs[$0].isPage } + paths.indices.filter { $0 < jobCount && jobs[$0].isPage }
            // More threads than cores when most files are to be read back (no record knows
            // them): a file read back comes from the disk when the system has let go of it.
            // One per core otherwise: a first build only makes files, and more threads
            // making files side by side wait on each other in the file system (a tenth
            // slower on the 10k corpus).
            let readingBack = !beside.scan.files.isEmpty && knownFiles.count < paths.count / 2
            let writers = readingBack ? diskThreads : ProcessInfo.processInfo.activeProcessorCount
            let outcomes = await parallelMap(order, threads: writers) { index -> Result<Outcome, BuildFailure> in
                let bytes: [UInt8]
                var key: RenderKey?
                if index < jobCount {
                    // A page is current when the copy beside holds it as it was written.
                    let entry = known[paths[index]]
                    let made = renderer.output(of: jobs[index], base: base) { key in
                        entry.map { $0.key == key && output.state(of: paths[index]) == OutputFolder.FileState(size: $0.size, changed: $0.changed) } ?? false
                    }
                    guard let rendered = made.bytes else { return .success(.kept) }
                    (bytes, key) = (rendered, made.key)
                } else if index < jobCount + copies.count {
                    bytes = FileSystem.read(copies[index - jobCount].source) ?? []
                } else {
                    bytes = keep ?? []
                }
                do throws(BuildFailure) {
                    let recorded = knownFiles[paths[index]]
                    let absent = recorded == nil ? Self.absence(of: paths[index], in: beside.scan) : .none
                    return .success(.wrote(try output.writeFile(paths[index], bytes, recorded: recorded, absent: absent, settledBefore: settledBefore), key))
                } catch { return .failure(error) }
            }
            // The two records' lines are written side by side, a core each, while the
            // outcomes are counted: on one core they were the last ten milliseconds of a
            // full build of the 10k corpus, with the other core idle.
            async let cacheLines = { () -> RenderCache.Lines in
                var lines = RenderCache.Lines(count: jobCount)
                for (index, result) in zip(order, outcomes) {
                    switch result {
                    case .success(.kept): lines.add(paths[index], known[paths[index]]!)
                    case .success(.wrote(let file, let key?)): lines.add(paths[index], RenderCache.Entry(key: key, size: file.state.size, changed: file.state.changed))
                    default: break
                    }
                }
                return lines
            }()
            async let recordLines = { () -> FileRecords.Lines in
                var lines = FileRecords.Lines(count: paths.count)
                for (index, result) in zip(order, outcomes) {
                    switch result {
                    // Untouched: its record, if any, is checked when it is next used.
                    case .success(.kept): if let record = knownFiles[paths[index]] { lines.add(paths[index], record) }
                    case .success(.wrote(let file, _)): if let record = file.record { lines.add(paths[index], record) }
                    default: break
                    }
                }
                return lines
            }()
            var problems: [Diagnostic] = []
            // Whether a file was written, or taken as it was after reading it back.
            var touched = false
            for (index, result) in zip(order, outcomes) {
                switch result {
                case .success(.kept):
                    break
                case .success(.wrote(let file, _)):
                    if file.written || file.readBack { touched = true }
                    // The placeholder kept for the project (.gitkeep) is not one of the site's files.
                    if file.written && index < jobCount + copies.count { changed += 1 }
                    if file.readBack { readBack += 1 }
                    if index < jobCount { rendered += 1 }
                case .failure(let failure):
                    problems += failure.diagnostics
                }
            }
            let lines = await cacheLines
            let fileLines = await recordLines
            let (removedFiles, siteFolders) = await removing
            removed = removedFiles
            if !problems.isEmpty { throw BuildFailure(Array(problems.prefix(20))) }
            clock.lap("render and write")
            if PhaseClock.enabled {
                for (name, count) in renderer.partialMemoCounts.sorted(by: { $0.key < $1.key }) {
                    FileHandle.standardError.write(Data("  partial \(name): \(count.hits) stored HTML used, \(count.misses) rendered (\(count.missesByMustache) of them by Mustache), \(count.mustache) rendered by Mustache after the memo stopped\n".utf8))
                }
                FileHandle.standardError.write(Data("  languages whose templates were parsed for Mustache: \(renderer.mustacheLanguages)\n".utf8))
                for (name, count) in renderer.sectionMemoCounts.sorted(by: { $0.key < $1.key }) {
                    FileHandle.standardError.write(Data("  section \(name): \(count.hits) items' stored HTML used, \(count.misses) rendered, \(count.written) written directly, \(count.copied) times copied whole from a page before\n".utf8))
                }
            }
            try output.swapIn(flushing: touched || removed > 0)
            // The folder written is now the output folder; the old output folder is beside.
            let loadedTrees = cache.trees
            cache.trees = TreeFile.replacing(cache.trees, stagingTree, with: lines.bytes[...], keeping: outputTree)
            // The three records are written side by side: the render cache on a thread of its own.
            let savedCache = cache
            // Written when it changed: a rebuild that changed nothing leaves it as it is.
            let cacheSaved = BackgroundResult { TreeFile.save(savedCache.trees, ifChangedFrom: loadedTrees, header: RenderCache.header, to: cachePath) }
            // The record of the folders written: as they were seen before (one the build
            // changed has a time that no longer matches), less those that are gone.
            let (seen, listing) = (beside.scan, beside.listing)
            // Every folder was as recorded: the same lines.
            let folderLines = seen.asRecorded ? stagingTree.flatMap { listing[$0] } : FolderListing.lines(seen.seen.filter { siteFolders.contains($0.key) })[...]
            let folderTrees = TreeFile.replacing(listing, stagingTree, with: folderLines, keeping: outputTree)
            TreeFile.save(folderTrees, ifChangedFrom: listing, header: FolderListing.header, to: listingPath)
            // The record of the files of the copy written, in the order they were written.
            let fileTrees = TreeFile.replacing(beside.fileTrees, stagingTree, with: fileLines.bytes[...], keeping: outputTree)
            TreeFile.save(fileTrees, ifChangedFrom: beside.fileTrees, header: FileRecords.header, to: filesPath)
            await cacheSaved.value()
            clock.lap("flush, swap")
            // What the process would free one piece at a time just before it ends.
            if !options.freesMemory { HeldUntilExit.hold((renderer, scan, beside, cache, outcomes, known, jobs, paths, order, lines, fileLines, siteFolders)) }
        } catch {
            output.discardStaging()
            throw error
        }
        var report = Self.report(renderer, jobs: jobs, copies: copies.count, files: paths.count - (keep == nil ? 0 : 1), start: start)
        report.filesChanged = changed
        report.filesRemoved = removed
        report.pagesRendered = rendered
        report.foldersRead = await scan.value().scan.foldersRead
        report.filesReadBack = readBack
        return report
    }
}

/// What a build found of the folder beside, and the records it read.
struct Beside: Sendable {
    var scan: OutputFolder.Scan
    /// The folder record (`FolderListing`), each copy's lines.
    var listing: [UInt64: ArraySlice<UInt8>]
    /// The file record (`FileRecords`), each copy's lines, and the records of the folder beside.
    var fileTrees: [UInt64: ArraySlice<UInt8>]
    var files: [String: FileRecord]
}

/// What a build leaves to the system to free when the process exits (`freesMemory`).
private final class HeldUntilExit: @unchecked Sendable {
    let value: Any
    private init(_ value: Any) { self.value = value }

    /// Never released: the system takes back its memory at once when the process ends.
    static func hold(_ value: Any) { _ = Unmanaged.passRetained(HeldUntilExit(value)) }
}

/// A whole site rendered in memory.
public struct RenderedSite: Sendable {
    public var files: [RenderedFile]
    public var report: BuildReport
    /// Its HTML pages by fingerprint, for the next render.
    public var memo = RenderMemo(pages: [:])
}

/// HTML pages of a render in memory with their fingerprints (see `RenderKey`).
public struct RenderMemo: Sendable {
    var pages: [String: (key: RenderKey, bytes: [UInt8])]
}

/// A value computed on a thread of its own, started at once, awaited later, by any
/// number of tasks, at once or one after another (a build awaits the scan of the folder
/// beside in two tasks side by side).
final class BackgroundResult<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Value?
    /// Tasks that asked before the value was there; each is resumed once, with it.
    private var waiting: [CheckedContinuation<Value, Never>] = []

    init(_ compute: @escaping @Sendable () -> Value) {
        Thread.detachNewThread { [self] in
            let value = compute()
            lock.lock()
            result = value
            let continuations = waiting
            waiting = []
            lock.unlock()
            for continuation in continuations { continuation.resume(returning: value) }
        }
    }

    func value() async -> Value {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let result {
                lock.unlock()
                continuation.resume(returning: result)
            } else {
                waiting.append(continuation)
                lock.unlock()
            }
        }
    }

    /// How many tasks wait for the value (for tests).
    var waiters: Int {
        lock.lock()
        defer { lock.unlock() }
        return waiting.count
    }
}
