/// One file the build writes, rendered independently of the others.
public enum OutputJob: Sendable, Hashable {
    case page(Int)                     // index in SitePlan.plannedPages
    case cityIndex(String)             // language
    case cityMap(String)               // language: the map of all cities as an SVG file
    case city(Int, String)             // index in Site.cities, language
    case search(String)
    case searchIndex(String)
    case feed(String)
    case notFound(String)
    case rootNotFound
    case rootIndex
    case sitemap
    case robots
    case alias(from: String, to: String, language: String)

    /// An ordinary page (most of a site's jobs).
    public var isPage: Bool {
        if case .page = self { return true }
        return false
    }
}

/// A rendered file: where it goes and what it holds.
public struct RenderedFile: Sendable {
    public var path: String
    public var bytes: [UInt8]
    public init(path: String, bytes: [UInt8]) {
        self.path = path
        self.bytes = bytes
    }
}
