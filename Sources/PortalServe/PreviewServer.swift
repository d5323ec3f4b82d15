import Foundation
import PortalBuild
import PortalContent
import PortalCore
import PortalRender

/// `portal serve`: builds the site in memory, serves it, rebuilds when Content/ or
/// Templates/ change and reloads open pages. Nothing is written to the output folder,
/// and the reload script exists only in what this server sends.
public final class PreviewServer: Sendable {
    public let options: BuildOptions
    public let host: String
    public let port: UInt16
    public let store = SiteStore()
    /// The renderer of the last good build, for rebuilds that touch a few outputs.
    let state = RendererState()
    let log: @Sendable (String) -> Void
    /// Seconds between two scans for changes.
    let interval: Double

    public init(options: BuildOptions, host: String = "127.0.0.1", port: UInt16 = 8080, interval: Double = 0.1,
                log: @escaping @Sendable (String) -> Void = { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }) {
        self.options = options
        self.host = host
        self.port = port
        self.interval = interval
        self.log = log
    }

    /// Builds once and stores the result (or the diagnostics). After an edit that only
    /// changed the text of pages, only the outputs that show that text are rendered again.
    public func rebuild(changed: [String] = []) async {
        let start = Date()
        // Taken out of the state, the renderer is the only owner of its tables, so an
        // edit updates them in place instead of copying them.
        if !changed.isEmpty, var renderer = await state.take(), await rebuildText(of: changed, renderer: &renderer, start: start) {
            return
        }
        let builder = Builder(options: options)
        do {
            let renderer = try await builder.prepare()
            // Pages whose inputs did not change are taken from the last full render.
            let site = await Builder.render(renderer, start: start, memo: await state.memo)
            await store.replace(with: site.files)
            await state.set(renderer)
            await state.set(memo: site.memo)
            let milliseconds = Int(Date().timeIntervalSince(start) * 1000)
            let what = changed.isEmpty ? "Built" : "Rebuilt after a change to \(changed.prefix(3).joined(separator: ", "))\(changed.count > 3 ? " …" : "")"
            log("\(what): \(site.files.count) files in \(milliseconds) ms")
        } catch {
            await state.set(nil)
            await store.fail(error.diagnostics)
            log(error.diagnostics.sorted().map(\.description).joined(separator: "\n"))
            log("The build failed; the last good site is still served. Fix the file and save: the site rebuilds by itself.")
        }
    }

    /// Re-renders what shows the text of the changed pages when nothing but their
    /// Markdown body changed. Returns false when a full build is needed.
    func rebuildText(of changed: [String], renderer: inout SiteRenderer, start: Date) async -> Bool {
        var jobs = Set<OutputJob>()
        var ownJobs = Set<OutputJob>()
        var steps = PhaseClock()
        let loader = SiteLoader(contentDirectory: options.contentDirectory, includeDrafts: options.includeDrafts, baseURLOverride: options.baseURL)
        for path in changed {
            guard path.hasSuffix(".md"), FileSystem.exists(path),
                  let index = renderer.plan.site.pages.firstIndex(where: { $0.file == path }),
                  renderer.isOrdinaryPage(index) else { return false }
            let old = renderer.plan.site.pages[index]
            guard let language = renderer.plan.site.language(old.language) else { return false }
            steps.lap("find page")
            let page: Page?
            do throws(BuildFailure) { page = try loader.reloadPage(old, language: language) } catch { return false }
            guard let page, SiteRenderer.sameFrontMatter(old, page) else { return false }
            steps.lap("reload page")
            let (own, affected) = renderer.replaceBody(of: index, with: page)
            steps.lap("replace body")
            ownJobs.formUnion(own)
            jobs.formUnion(affected)
        }
        let final = renderer
        // The edited pages first: the page being looked at reloads at once; the lists,
        // the home, the feed and the search index that show its text follow.
        var clock = PhaseClock()
        let own = await parallelMap(ownJobs.sorted { "\($0)" < "\($1)" }) { final.render($0) }
        await store.update(own, removing: [])
        clock.lap("edited pages served (\(Int(Date().timeIntervalSince(start) * 1000)) ms after the batch)")
        await state.set(final)
        let rest = await parallelMap(jobs.subtracting(ownJobs).sorted { "\($0)" < "\($1)" }) { final.render($0) }
        await store.update(rest, removing: [])
        clock.lap("lists, home, feed, search index")
        let milliseconds = Int(Date().timeIntervalSince(start) * 1000)
        log("Rebuilt after a change to \(changed.prefix(3).joined(separator: ", ")): \(own.count + rest.count) files in \(milliseconds) ms")
        return true
    }

    /// Serves until the task is cancelled. The address is taken first, so that a port in
    /// use is told at once; requests made during the first build wait for it.
    public func run() async throws {
        let listener = try HTTPListener(host: host, port: port)
        // Changes are watched from before the first build: a file saved while it runs
        // rebuilds the site as soon as it is done.
        let changes = ChangeSource(folders: [options.contentDirectory, options.templatesDirectory])
        await rebuild()
        let store = self.store
        let watcher = Task { await self.watch(changes) }
        defer { watcher.cancel() }
        log("Serving on http://\(host):\(port)/ — press Ctrl-C to stop")
        await listener.run { request in await Self.respond(to: request, store: store) }
    }

    /// Where changes below Content/ and Templates/ are learnt: from the kernel where it
    /// can tell, else by scanning, from the moment it is made.
    enum ChangeSource: Sendable {
        case events(FileEvents)
        case scans(ChangeWatcher, first: [String: ChangeWatcher.Stamp])

        init(folders: [String]) {
            if let events = FileEvents(folders: folders) {
                self = .events(events)
            } else {
                let watcher = ChangeWatcher(folders: folders)
                self = .scans(watcher, first: watcher.scan())
            }
        }
    }

    /// Rebuilds whenever something below Content/ or Templates/ changes: told by the
    /// kernel where it can, else by scanning every `interval` seconds.
    func watch(_ changes: ChangeSource) async {
        switch changes {
        case .events(let events):
            defer { events.stop() }
            for await changed in events.batches() {
                if Task.isCancelled { break }
                await rebuild(changed: changed)
            }
        case .scans(let watcher, var last):
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: UInt64(interval * 1_000_000_000))
                let current = watcher.scan()
                let changed = ChangeWatcher.changes(from: last, to: current)
                guard !changed.isEmpty else { continue }
                // Let an editor finish writing (several files, or a file in two steps).
                try? await Task.sleep(nanoseconds: 30_000_000)
                last = watcher.scan()
                await rebuild(changed: changed)
            }
        }
    }

    // MARK: HTTP

    static func respond(to request: HTTPRequest, store: SiteStore) async -> HTTPResponse {
        let rawPath = request.path
        let path = rawPath.removingPercentEncoding ?? rawPath
        // Nothing outside the site root, however it is spelled.
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains("..") || path.contains("\\") || path.contains("\0") || !path.hasPrefix("/") {
            return text(403, "Forbidden: the path leaves the site.\n")
        }
        switch path {
        case "/_portal/reload.js":
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/javascript; charset=utf-8"), ("Cache-Control", "no-store")], body: Array(LiveReload.script.utf8))
        case "/_portal/overlay.css":
            return HTTPResponse(status: 200, headers: [("Content-Type", "text/css; charset=utf-8"), ("Cache-Control", "no-store")], body: Array(LiveReload.overlayStyle.utf8))
        case "/_portal/wait":
            // A page waits for a change to what it shows: its own file, or the overlay.
            let known = Int(request.query("v") ?? "") ?? -1
            let pageParameter = request.query("p")
            let page = pageParameter.map { outputKey($0.removingPercentEncoding ?? $0) }
            let changed = await store.waitForChange(after: known, path: page, seconds: 25)
            return HTTPResponse(status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-store")], body: Array("{\"reload\":\(changed)}".utf8))
        case "/_portal/problems":
            let problems = await store.problems.map(\.description).joined(separator: "\n")
            return text(200, problems.isEmpty ? "" : problems + "\n")
        default:
            break
        }
        var key = outputKey(path)
        let (files, problems, version) = await store.snapshot()
        if files.isEmpty {
            return html(500, LiveReload.problemsPage(problems, version: version))
        }
        if files[key] == nil, files[key + "/index.html"] != nil {
            return HTTPResponse(status: 301, headers: [("Location", path + "/")])
        }
        var status = 200
        var bytes = files[key]
        if bytes == nil {
            status = 404
            let language = segments.count > 2 ? String(segments[1]) : ""
            bytes = files[language + "/404.html"] ?? files["404.html"] ?? Array("Not found\n".utf8)
            key = "404.html"
        }
        let type = contentType(key)
        var body = bytes!
        if type.hasPrefix("text/html") {
            body = Array(LiveReload.inject(into: String(decoding: body, as: UTF8.self), version: version, problems: problems).utf8)
        }
        return HTTPResponse(status: status, headers: [("Content-Type", type), ("Cache-Control", "no-store")], body: body)
    }

    /// `/en/about/` → `en/about/index.html`.
    static func outputKey(_ path: String) -> String {
        var key = String(path.drop { $0 == "/" })
        if key.isEmpty || key.hasSuffix("/") { key += "index.html" }
        return key
    }

    static func text(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8")], body: Array(text.utf8))
    }

    static func html(_ status: Int, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [("Content-Type", "text/html; charset=utf-8"), ("Cache-Control", "no-store")], body: Array(text.utf8))
    }

    static func contentType(_ path: String) -> String {
        let types = [
            "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
            "json": "application/json", "xml": "application/xml", "txt": "text/plain; charset=utf-8",
            "svg": "image/svg+xml", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "gif": "image/gif",
            "webp": "image/webp", "avif": "image/avif", "ico": "image/x-icon", "pdf": "application/pdf",
            "woff2": "font/woff2", "woff": "font/woff",
        ]
        let ext = path.split(separator: ".").last.map { $0.lowercased() } ?? ""
        return types[ext] ?? "application/octet-stream"
    }
}

/// What the preview server adds to pages: a script that reloads them after a rebuild,
/// and the diagnostics of a broken build over the last good page.
enum LiveReload {
    static let script = """
    (function () {
      "use strict";
      var current = document.currentScript && document.currentScript.getAttribute("data-version");
      function wait() {
        fetch("/_portal/wait?v=" + current + "&p=" + encodeURIComponent(location.pathname), { cache: "no-store" })
          .then(function (response) { return response.json(); })
          .then(function (data) {
            if (data.reload) { location.reload(); } else { wait(); }
          })
          .catch(function () { setTimeout(wait, 1000); });
      }
      wait();
    })();

    """

    static let overlayStyle = """
    #portal-problems { position: fixed; inset: auto 0 0 0; max-height: 60vh; overflow: auto; z-index: 1000;
      margin: 0; padding: 1rem 1.25rem; background: #2b0a0a; color: #fff; font: 14px/1.5 ui-monospace, monospace;
      border-top: 4px solid #e0463a; white-space: pre-wrap; }
    #portal-problems h2 { margin: 0 0 0.5rem; font: bold 16px/1.3 system-ui, sans-serif; }

    """

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    static func overlay(_ problems: [Diagnostic]) -> String {
        guard !problems.isEmpty else { return "" }
        let lines = problems.sorted().map { escape($0.description) }.joined(separator: "\n")
        return "<section id=\"portal-problems\" role=\"alert\"><h2>The last change broke the build: this is the last good version</h2>\(lines)</section>\n"
    }

    static func inject(into html: String, version: Int, problems: [Diagnostic]) -> String {
        var page = html
        let tail = overlay(problems) + "<script src=\"/_portal/reload.js\" data-version=\"\(version)\"></script>\n"
        if !problems.isEmpty, let head = page.range(of: "</head>") {
            page.insert(contentsOf: "<link rel=\"stylesheet\" href=\"/_portal/overlay.css\">\n", at: head.lowerBound)
        }
        if let body = page.range(of: "</body>", options: .backwards) {
            page.insert(contentsOf: tail, at: body.lowerBound)
        } else {
            page += tail
        }
        return page
    }

    static func problemsPage(_ problems: [Diagnostic], version: Int) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head><meta charset="utf-8"><title>Build failed</title><link rel="stylesheet" href="/_portal/overlay.css"></head>
        <body>
        \(overlay(problems))<script src="/_portal/reload.js" data-version="\(version)"></script>
        </body>
        </html>

        """
    }
}

actor RendererState {
    private(set) var renderer: SiteRenderer?
    /// The HTML pages of the last full render, by fingerprint.
    private(set) var memo: RenderMemo?
    func set(_ renderer: SiteRenderer?) { self.renderer = renderer }
    func set(memo: RenderMemo) { self.memo = memo }
    /// The renderer, leaving none: the caller puts it back with `set`.
    func take() -> SiteRenderer? {
        defer { renderer = nil }
        return renderer
    }
}
