import Foundation
import Synchronization
import Testing
@testable import PortalBuild
@testable import PortalServe
import PortalCore
import PortalRender
#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 GET over a socket, so that paths reach the server exactly as written.
/// The blocking socket calls run on a Dispatch thread: on the two threads of Swift's
/// cooperative pool they would starve the server under test.
func httpGet(port: UInt16, _ path: String) async -> (status: Int, body: String) {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: blockingGet(port: port, path)) }
    }
}

func blockingGet(port: UInt16, _ path: String) -> (status: Int, body: String) {
    let text = blockingExchange(port: port, "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    let status = Int(text.split(separator: " ", maxSplits: 2).dropFirst().first ?? "") ?? 0
    let body = text.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
    return (status, body)
}

/// Sends `request` (whole, as written) on a new connection and reads until the server
/// closes it or `seconds` pass: every response it gave, as text ("" when nothing listens).
func blockingExchange(port: UInt16, _ request: String, seconds: Int = 60) -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return "" }
    var timeout = timeval(tv_sec: seconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var data = [UInt8]()
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        data.append(contentsOf: buffer[0..<count])
    }
    return String(decoding: data, as: UTF8.self)
}

func freePort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = 0
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return UInt16(bigEndian: address.sin_port)
}

/// Polls until `condition` holds or `seconds` pass. The waits are long for what they
/// wait for (a rebuild of a small site takes milliseconds): under the thread sanitizer,
/// with every suite running at once, one took over half a minute.
func eventually(_ seconds: Double = 120, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(nanoseconds: 50_000_000)
    }
    return await condition()
}

/// Log lines collected from a server under test.
final class LogLines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

@Suite("portal serve", .serialized)
struct ServeTests {
    @Test("serves the site, rebuilds after an edit, keeps the last good site after a broken edit, recovers by itself")
    func editCycle() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let port = freePort()
        let server = PreviewServer(options: fixture.options(), port: port, interval: 0.05, log: { _ in })
        let task = Task { try await server.run() }
        defer { task.cancel() }
        #expect(await eventually(300) { await httpGet(port: port, "/en/about/").status == 200 }, "the first build is served")

        let first = await httpGet(port: port, "/en/about/")
        #expect(first.body.contains("<h1>The mission</h1>"))
        #expect(first.body.contains("<script src=\"/_portal/reload.js\""), "the reload script is injected when serving")
        #expect(!FileManager.default.fileExists(atPath: fixture.output), "serve writes nothing to the output folder")

        // An edit is served.
        try fixture.write("Content/en/about/_index.md", page("The mission, revised", "weight: 1", body: "New text."))
        #expect(await eventually { await httpGet(port: port, "/en/about/").body.contains("<h1>The mission, revised</h1>") })
        #expect(await httpGet(port: port, "/pl/about/").body.contains("<h1>Misja</h1>"))

        // A broken edit: the last good page, with the diagnostics over it.
        try fixture.write("Content/en/about/_index.md", "---\ntitle: [unclosed\n---\nText\n")
        #expect(await eventually { await httpGet(port: port, "/_portal/problems").body.contains("Content/en/about/_index.md:") })
        let broken = await httpGet(port: port, "/en/about/")
        #expect(broken.status == 200)
        #expect(broken.body.contains("<h1>The mission, revised</h1>"))
        #expect(broken.body.contains("id=\"portal-problems\""))
        #expect(broken.body.contains("Content/en/about/_index.md:3:1: error: invalid YAML"))

        // Fixing the file recovers without anything else.
        try fixture.write("Content/en/about/_index.md", page("The mission, fixed", "weight: 1"))
        #expect(await eventually { await httpGet(port: port, "/en/about/").body.contains("<h1>The mission, fixed</h1>") })
        let fixed = await httpGet(port: port, "/en/about/")
        #expect(!fixed.body.contains("portal-problems"))
    }

    @Test("a title edit rebuilds everything, keeping unchanged pages from the last render, and equals a full build")
    func memoRebuild() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let server = PreviewServer(options: fixture.options(), log: { _ in })
        await server.rebuild()
        let before = await server.store.files
        // A new title shows in the page, its fallback copies, the lists, the feed and search.
        try fixture.write("Content/en/about/contracts.md", page("Contracts of the mission cities", "date: 2024-11-09\ndescription: What a contract is.", body: "Contracts [about](/en/about/#citizens-at-the-centre)."))
        await server.rebuild(changed: [fixture.content + "/en/about/contracts.md"])
        let after = await server.store.files
        #expect(after["en/about/contracts/index.html"].map { String(decoding: $0, as: UTF8.self).contains("<h1>Contracts of the mission cities</h1>") } == true)
        #expect(after["pl/about/contracts/index.html"] != before["pl/about/contracts/index.html"], "its fallback copy")
        try await expectFullBuild(of: fixture, equals: after)
    }

    @Test("a text edit re-renders only the outputs that show the text, and they equal a full build's")
    func incrementalRebuild() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let lines = LogLines()
        let server = PreviewServer(options: fixture.options(), log: { lines.append($0) })
        await server.rebuild()
        let before = await server.store.files
        try fixture.write("Content/en/about/contracts.md", page("Climate City Contracts", "date: 2024-11-09\ndescription: What a contract is.", body: "Rewritten: contracts [about](/en/about/#citizens-at-the-centre)."))
        await server.rebuild(changed: [fixture.content + "/en/about/contracts.md"])
        let after = await server.store.files
        let last = try #require(lines.all.last)
        #expect(last.hasPrefix("Rebuilt after a change to"))
        let count = Int(last.components(separatedBy: ": ").last?.split(separator: " ").first ?? "") ?? 0
        #expect(count > 0 && count < 40, "only the affected outputs: \(last)")
        let changed = after.keys.filter { after[$0] != before[$0] }.sorted()
        #expect(changed.contains("en/about/contracts/index.html"))
        #expect(changed.contains("pl/about/contracts/index.html"), "its fallback copies")
        #expect(changed.contains("en/search/index.json"))
        // The same bytes as a full build of the edited content.
        try await expectFullBuild(of: fixture, equals: after)
    }

    @Test("requests outside the site root are refused; unknown pages get the language's 404")
    func paths() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        try fixture.write("secret.txt", "not for readers")
        let port = freePort()
        let server = PreviewServer(options: fixture.options(), port: port, log: { _ in })
        let task = Task { try await server.run() }
        defer { task.cancel() }
        #expect(await eventually(300) { await httpGet(port: port, "/en/").status == 200 })
        for path in ["/../secret.txt", "/en/../../secret.txt", "/%2e%2e/secret.txt", "/en/%2E%2E/%2E%2E/secret.txt"] {
            let response = await httpGet(port: port, path)
            #expect(response.status == 403 || response.status == 400 || response.status == 404, "\(path) → \(response.status)")
            #expect(!response.body.contains("not for readers"), Comment(rawValue: path))
        }
        let missing = await httpGet(port: port, "/pl/nie-ma/")
        #expect(missing.status == 404)
        #expect(missing.body.contains("<html lang=\"pl-PL\""))
        #expect(await httpGet(port: port, "/en/about").status == 301)
    }

    @Test("an open page reloads when what it shows changes, not when another page does")
    func longPoll() async throws {
        let store = SiteStore()
        let page = RenderedFile(path: "en/about/index.html", bytes: Array("about".utf8))
        let other = RenderedFile(path: "en/news/index.html", bytes: Array("news".utf8))
        await store.replace(with: [page, other])
        let known = await store.version
        // Another page changes; the same bytes are written again: no reload.
        async let quiet = store.waitForChange(after: known, path: page.path, seconds: 0.5)
        try await Task.sleep(nanoseconds: 100_000_000)
        await store.update([RenderedFile(path: other.path, bytes: Array("news, edited".utf8)), page], removing: [])
        #expect(await quiet == false)
        // Its own bytes change: it reloads.
        async let own = store.waitForChange(after: known, path: page.path, seconds: 60)
        try await Task.sleep(nanoseconds: 100_000_000)
        await store.update([RenderedFile(path: page.path, bytes: Array("about, edited".utf8))], removing: [])
        #expect(await own == true)
        // A broken build shows its diagnostics on every page; so does the recovery.
        let afterEdit = await store.version
        async let broken = store.waitForChange(after: afterEdit, path: other.path, seconds: 60)
        try await Task.sleep(nanoseconds: 100_000_000)
        await store.fail([.error("Content/en/_index.md", line: 2, "broken")])
        #expect(await broken == true)
        let whileBroken = await store.version
        await store.update([], removing: [])
        #expect(await store.lastChange(of: other.path) > whileBroken, "the overlay goes away")
        // A page that is not part of the site (a 404) reloads on any change.
        #expect(await store.lastChange(of: "en/missing/index.html") == store.version)
    }
}

/// `blockingExchange` on a Dispatch thread (see `httpGet`). The wait is long for what it
/// waits for: the listener's handler runs on the tasks' pool, which the other suites keep
/// busy; on a loaded machine an answer took over five seconds to come.
func rawExchange(port: UInt16, _ request: String, seconds: Int = 60) async -> String {
    await withCheckedContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(returning: blockingExchange(port: port, request, seconds: seconds)) }
    }
}

@Suite("The preview server's HTTP")
struct HTTPTests {
    /// A listener whose handler answers with what it was asked.
    func echo() async throws -> (port: UInt16, task: Task<Void, Never>) {
        let port = freePort()
        let listener = try HTTPListener(host: "127.0.0.1", port: port)
        let task = Task {
            await listener.run { request in
                let query = request.query.map { "\($0.name)=\($0.value)" }.joined(separator: ";")
                return HTTPResponse(status: 200, headers: [("Content-Type", "text/plain")], body: Array("\(request.method) \(request.path) [\(query)]".utf8))
            }
        }
        return (port, task)
    }

    @Test("requests on one connection are answered in turn; HEAD has no body; Connection: close ends it")
    func keepAlive() async throws {
        let (port, task) = try await echo()
        defer { task.cancel() }
        let answer = await rawExchange(port: port, "GET /en/a/?v=3&p=%252Fpl%252F HTTP/1.1\r\nHost: x\r\n\r\n"
            + "HEAD /en/b/ HTTP/1.1\r\nHost: x\r\n\r\n"
            + "GET /en/c/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            + "GET /never/ HTTP/1.1\r\n\r\n")
        let body = "GET /en/a/ [v=3;p=%2Fpl%2F]"
        #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: \(body.utf8.count)\r\nConnection: keep-alive\r\n\r\n\(body)HTTP/1.1 200 OK\r\n"),
                "the query decoded once, the path as sent: \(answer)")
        #expect(answer.contains("Content-Length: 14\r\nConnection: keep-alive\r\n\r\nHTTP/1.1 200 OK"), "HEAD: the length of what GET sends, no body")
        #expect(answer.hasSuffix("Connection: close\r\n\r\nGET /en/c/ []"), "nothing after the request that closed: \(answer)")
        #expect(!answer.contains("/never/"))
    }

    @Test("other methods, broken request lines, huge heads and bodies get their error and the connection closes")
    func refusals() async throws {
        let (port, task) = try await echo()
        defer { task.cancel() }
        let post = await rawExchange(port: port, "POST /en/ HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /en/ HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(post.hasPrefix("HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\n"), "\(post)")
        #expect(post.hasSuffix("GET /en/ []"), "the body is skipped, the next request answered: \(post)")
        #expect(await rawExchange(port: port, "nonsense\r\n\r\n").hasPrefix("HTTP/1.1 400 Bad Request\r\n"))
        #expect(await rawExchange(port: port, "GET /en/ HTTP/1.1\r\nX: " + String(repeating: "a", count: 70_000) + "\r\n\r\n").hasPrefix("HTTP/1.1 431 "))
        #expect(await rawExchange(port: port, "GET /en/ HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n").hasPrefix("HTTP/1.1 413 "))
        #expect(await rawExchange(port: port, "GET /en/ HTTP/1.0\r\n\r\n").contains("Connection: close\r\n"), "HTTP/1.0 closes unless asked")
    }

    @Test("a port in use is told before anything is built; a stopped server frees its port")
    func portInUse() async throws {
        let (port, task) = try await echo()
        #expect(throws: HTTPListener.Failure.self) { try HTTPListener(host: "127.0.0.1", port: port) }
        #expect(throws: HTTPListener.Failure.self) { try HTTPListener(host: "not-an-address", port: port) }
        task.cancel()
        await task.value
        #expect(await rawExchange(port: port, "GET / HTTP/1.1\r\n\r\n", seconds: 1) == "", "nothing answers once stopped")
        _ = try HTTPListener(host: "127.0.0.1", port: port)
    }
}

/// The served files are exactly what a full build of the fixture's content gives.
func expectFullBuild(of fixture: Fixture, equals served: [String: [UInt8]]) async throws {
    let full = try await Builder(options: fixture.options()).renderSite()
    var expected: [String: [UInt8]] = [:]
    for file in full.files { expected[file.path] = file.bytes }
    #expect(Set(served.keys) == Set(expected.keys))
    let different = served.keys.filter { served[$0] != expected[$0] }.sorted()
    #expect(different.isEmpty, "differs from a full build: \(different.prefix(5))")
}

@Suite("portal check, translations, new")
struct CommandTests {
    @Test("check finds problems without writing; strict and JSON forms")
    func check() async throws {
        let fixture = try Fixture(fiveLanguageSite().merging(["Content/en/about/contracts.md": page("Contracts", body: "[gone](/en/gone/)")]) { $1 })
        defer { fixture.remove() }
        let renderer = try await Builder(options: fixture.options()).prepare()
        #expect(renderer.warnings.contains { $0.message == "link to '/en/gone/' leads to no page of the site" && $0.line == 4 })
        #expect(!FileManager.default.fileExists(atPath: fixture.output))
    }

    @Test("check follows links in what templates render (front matter, menus, data files) and lists untranslated pages")
    func checkRenderedOutput() async throws {
        let fixture = try Fixture(fiveLanguageSite().merging([
            "Content/data/links.yaml": "- {title: Gone, url: /en/gone/}\n- {title: Anchor, url: \"/en/about/#no-such-heading\"}\n- {title: Fine, url: \"/en/about/#citizens-at-the-centre\"}\n",
            "Templates/partials/footer.mustache": "<footer><ul>{{#data.links}}<li><a href=\"{{url}}\">{{title}}</a></li>{{/data.links}}</ul></footer>\n",
        ]) { $1 })
        defer { fixture.remove() }
        let renderer = try await Builder(options: fixture.options()).prepare()
        let rendered = await Builder.render(renderer, start: Date())
        let warnings = OutputCheck.links(in: rendered, renderer: renderer).map(\.message)
        #expect(warnings.contains { $0.hasSuffix("links to '/en/gone/', which is not part of the site") })
        #expect(warnings.contains { $0.hasSuffix("links to '/en/about/#no-such-heading', but that page has no id 'no-such-heading'") })
        #expect(!warnings.contains { $0.contains("citizens-at-the-centre") })
        let missing = OutputCheck.missingTranslations(renderer).map { "\($0.file.replacingOccurrences(of: fixture.root + "/", with: "")): \($0.message)" }
        #expect(missing.contains("Content/en/about/contracts.md: not translated into pl, sl, ro, hr"))
    }

    @Test("translations: translated, missing, outdated from one git log pass, fallback")
    func translations() async throws {
        let fixture = try Fixture([
            "Content/site.yaml": "title: Cities\nbaseURL: https://cities.example.eu/\n",
            "Content/en/_language.yaml": language("English", code: "en-GB", weight: 1),
            "Content/pl/_language.yaml": language("Polski", code: "pl-PL", weight: 2),
            "Content/en/_index.md": page("Home"),
            "Content/pl/_index.md": page("Start"),
            "Content/en/about.md": page("About"),
            "Content/pl/about.md": page("O misji"),
            "Content/en/news.md": page("News"),
        ], theme: false)
        defer { fixture.remove() }
        // (git runs synchronously: a short process, and this suite starts no server)
        func git(_ arguments: String...) throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["git", "-C", fixture.root, "-c", "user.name=Editor", "-c", "user.email=editor@example.eu"] + arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0, "git \(arguments.joined(separator: " "))")
        }
        // Without history: outdated cannot be told, and the report says why.
        let noHistory = try await TranslationReport.make(contentDirectory: fixture.content)
        #expect(noHistory.historyNote?.contains("not in a git repository") == true)

        try git("init", "-q")
        try git("add", ".")
        try git("commit", "-q", "-m", "first", "--date=2024-01-01T10:00:00Z")
        // The English source changes after its translation.
        try fixture.write("Content/en/about.md", page("About the mission"))
        try git("add", ".")
        try git("commit", "-q", "-m", "source changed")
        let report = try await TranslationReport.make(contentDirectory: fixture.content)
        #expect(report.historyNote == nil)
        let polish = try #require(report.languages.first { $0.code == "pl" })
        #expect(polish.translated.map(\.key) == ["", "about"])
        #expect(polish.outdated.map(\.key) == ["about"])
        #expect(polish.missing.map(\.key) == ["news"])
        #expect(polish.fallback.map(\.key) == ["news"])
        #expect(report.text.contains("pl Polski           2        1         1         1"))
        #expect(report.json.contains("\"outdated\":[{\"key\":\"about\""))

        // Translating it again makes it current.
        try fixture.write("Content/pl/about.md", page("O misji miast"))
        let after = try await TranslationReport.make(contentDirectory: fixture.content)
        #expect(after.languages.first { $0.code == "pl" }?.outdated.isEmpty == true)
    }

    @Test("new page writes front matter with the title and today's date, and refuses to overwrite")
    func newPage() throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let date = ISO8601DateFormatter().date(from: "2026-11-25T12:00:00Z")!
        let path = try Scaffold.newPage("pl/news/nowy-kontrakt-klimatyczny", contentDirectory: fixture.content, today: date)
        #expect(path == fixture.content + "/pl/news/nowy-kontrakt-klimatyczny.md")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.hasPrefix("---\ntitle: \"Nowy kontrakt klimatyczny\"\ndate: 2026-11-25\n"))
        #expect(throws: BuildFailure.self) { try Scaffold.newPage("pl/news/nowy-kontrakt-klimatyczny", contentDirectory: fixture.content) }
        #expect(throws: BuildFailure.self) { try Scaffold.newPage("xx/page", contentDirectory: fixture.content) }
    }

    @Test("new language writes _language.yaml with the default strings to translate, and the site builds with it")
    func newLanguage() async throws {
        let fixture = try Fixture(fiveLanguageSite())
        defer { fixture.remove() }
        let (path, steps) = try await Scaffold.newLanguage("de", contentDirectory: fixture.content, templatesDirectory: fixture.templates)
        #expect(path == fixture.content + "/de/_language.yaml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("languageName: \"Deutsch\""))
        #expect(text.contains("  skipToContent: \"Skip to main content\""))
        #expect(text.contains("  cityCount:\n    one: \"{count} city\"\n    other: \"{count} cities\""))
        #expect(steps.contains("portal translations"))
        try await fixture.build()
        #expect(fixture.exists("de/about/index.html"))
        await #expect(throws: BuildFailure.self) { try await Scaffold.newLanguage("de", contentDirectory: fixture.content, templatesDirectory: fixture.templates) }
    }
}
