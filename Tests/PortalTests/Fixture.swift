import Foundation
import PortalBuild
import PortalCore
import Testing

/// A small site written into a temporary folder from path → text, built with the real
/// generator; tests assert on the files written and on the diagnostics.
struct Fixture {
    let root: String
    var content: String { root + "/Content" }
    var templates: String { root + "/Templates" }
    var output: String { root + "/Public" }

    /// The repository's own theme, so fixture sites also check the real templates.
    static let repositoryTemplates: String = {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Templates").path
    }()

    /// - Parameters:
    ///   - files: paths below the fixture root (`Content/en/_index.md`) → text.
    ///   - theme: copy the repository's Templates/ first (files may override single templates).
    init(_ files: [String: String], theme: Bool = true) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("portal-test-" + UUID().uuidString).path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        Self.leftovers.add(root)
        if theme {
            try FileManager.default.copyItem(atPath: Self.repositoryTemplates, toPath: templates)
        }
        for (path, text) in files { try write(path, text) }
    }

    func write(_ path: String, _ text: String) throws {
        try write(path, Data(text.utf8))
    }

    func write(_ path: String, _ data: Data) throws {
        let url = URL(fileURLWithPath: root + "/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    /// Every fixture's folder, removed when the test process exits: also those of tests
    /// that stop early or keep their fixture to the end.
    private static let leftovers = Leftovers()

    private final class Leftovers: @unchecked Sendable {
        private let lock = NSLock()
        private var roots: [String] = []

        init() {
            atexit { Fixture.leftovers.removeAll() }
        }

        func add(_ root: String) { lock.withLock { roots.append(root) } }

        func removeAll() {
            for root in lock.withLock({ roots }) { try? FileManager.default.removeItem(atPath: root) }
        }
    }

    func options(_ configure: (inout BuildOptions) -> Void = { _ in }) -> BuildOptions {
        var options = BuildOptions()
        options.contentDirectory = content
        options.templatesDirectory = templates
        options.outputDirectory = output
        configure(&options)
        return options
    }

    /// Builds and returns the report; fails the test with the diagnostics when the build fails.
    @discardableResult
    func build(_ configure: (inout BuildOptions) -> Void = { _ in }) async throws -> BuildReport {
        do {
            return try await Builder(options: options(configure)).build()
        } catch {
            Issue.record("build failed:\n\(error.description)")
            throw error
        }
    }

    /// Builds expecting failure; returns the diagnostics with paths relative to the fixture root.
    func failingBuild(_ configure: (inout BuildOptions) -> Void = { _ in }) async -> [String] {
        do {
            _ = try await Builder(options: options(configure)).build()
            Issue.record("the build succeeded but should have failed")
            return []
        } catch {
            return error.diagnostics.filter { $0.severity == .error }.map { $0.description.replacingOccurrences(of: root + "/", with: "") }
        }
    }

    func read(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: output + "/" + path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: output + "/" + path) }

    /// Every file below the output folder, relative, sorted.
    func outputFiles() -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: output) else { return [] }
        var files: [String] = []
        for case let path as String in enumerator {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: output + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { files.append(path) }
        }
        return files.sorted()
    }

    /// Path → bytes of the whole output tree.
    func snapshot() -> [String: Data] {
        var tree: [String: Data] = [:]
        for file in outputFiles() { tree[file] = FileManager.default.contents(atPath: output + "/" + file) }
        return tree
    }

    /// Changes a file's bytes by hand (`<h1` becomes `<h2`: the same size) and sets its
    /// modification time back to what it was, to the nanosecond, as `cp -a` or `rsync -a`
    /// would leave it.
    static func changeKeepingTime(_ path: String) throws {
        var info = stat()
        try #require(stat(path, &info) == 0)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let heading = try #require(bytes.firstRange(of: Data("<h1".utf8))).lowerBound
        bytes.replaceSubrange(heading..<heading + 3, with: Data("<h2".utf8))
        try bytes.write(to: URL(fileURLWithPath: path))
        let times = [info.st_atim, info.st_mtim]
        try #require(utimensat(AT_FDCWD, path, times, 0) == 0)
        var after = stat()
        try #require(stat(path, &after) == 0 && after.st_mtim.tv_sec == info.st_mtim.tv_sec && after.st_mtim.tv_nsec == info.st_mtim.tv_nsec && after.st_size == info.st_size)
    }
}

/// Front matter and body as a page file.
func page(_ title: String, _ extra: String = "", body: String = "") -> String {
    "---\ntitle: \(title)\n\(extra.isEmpty ? "" : extra + "\n")---\n\(body)\n"
}

/// `_language.yaml` text.
func language(_ name: String, code: String, weight: Int, strings: String = "") -> String {
    "languageName: \(name)\nlanguageCode: \(code)\nweight: \(weight)\n" + (strings.isEmpty ? "" : "strings:\n" + strings)
}

/// A multilingual site of the shape the contract describes: en, pl, sl, ro, and hr present
/// only as a folder with its `_language.yaml`.
func fiveLanguageSite() -> [String: String] {
    [
        "Content/site.yaml": """
        title: {en: Climate Cities, pl: Miasta klimatyczne}
        baseURL: https://cities.example.eu/
        defaultContentLanguage: en
        menus:
          main: [about, cities, news]
        """,
        "Content/en/_language.yaml": language("English", code: "en-GB", weight: 1),
        "Content/pl/_language.yaml": language("Polski", code: "pl-PL", weight: 2),
        "Content/sl/_language.yaml": language("Slovenščina", code: "sl-SI", weight: 3),
        "Content/ro/_language.yaml": language("Română", code: "ro-RO", weight: 4),
        "Content/hr/_language.yaml": language("Hrvatski", code: "hr-HR", weight: 5),
        "Content/en/_index.md": page("Welcome", body: "The portal of the mission."),
        "Content/pl/_index.md": page("Witamy", body: "Portal misji."),
        "Content/sl/_index.md": page("Dobrodošli", body: "Portal misije."),
        "Content/ro/_index.md": page("Bun venit", body: "Portalul misiunii."),
        "Content/en/about/_index.md": page("The mission", "weight: 1", body: "## Citizens at the centre\n\nPeople first."),
        "Content/pl/about/_index.md": page("Misja", "weight: 1", body: "## Mieszkańcy w centrum\n\nLudzie."),
        "Content/en/about/contracts.md": page("Climate City Contracts", "date: 2024-11-09\ndescription: What a contract is.", body: "Contracts [about](/en/about/#citizens-at-the-centre)."),
        "Content/en/news/_index.md": page("News", "weight: 3"),
        "Content/en/news/Łódź Transport Plan.md": page("Łódź transport plan", "date: 2024-09-16\nsummary: Trams and buses.", body: "Text."),
        "Content/pl/news/plan-lodz.md": page("Plan transportowy Łodzi", "date: 2024-09-16\ntranslationKey: lodz-plan", body: "Tekst."),
        "Content/en/news/lodz-plan-key.md": page("Lodz plan (keyed)", "date: 2024-09-17\ntranslationKey: lodz-plan", body: "Keyed."),
        "Content/pl/only-polish.md": page("Tylko po polsku", body: "Strona tylko po polsku."),
        "Content/en/cities/_index.md": page("Mission cities", "weight: 2", body: "All cities."),
        "Content/en/cities/krakow.md": page("Kraków", body: "## Climate contract\n\nKraków's narrative."),
        "Content/cities/krakow.yaml": """
        name: Kraków
        names: {en: Krakow, ro: Cracovia}
        country: PL
        population: 804237
        coordinates: [50.0647, 19.9450]
        targetYear: 2030
        missionLabel: 2024
        pilotCity: true
        sectors: [energy, mobility]
        website: https://www.krakow.pl/
        summary: {en: "A **Polish** mission city.", pl: "Polskie miasto misji."}
        """,
        "Content/cities/ljubljana.yaml": """
        name: Ljubljana
        country: SI
        population: 272220
        coordinates: [46.0511, 14.5051]
        sectors: [energy, buildings]
        summary: {en: "A *Slovenian* mission city."}
        """,
        "Content/cities/cluj-napoca.yaml": """
        name: Cluj-Napoca
        country: RO
        coordinates: [46.7667, 23.6]
        """,
        "Content/data/projects.yaml": """
        - id: netzerocities
          name: NetZeroCities
          summary: {en: The mission platform, pl: Platforma misji}
        """,
        "Content/media/logo.svg": "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    ]
}
