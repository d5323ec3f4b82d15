import PortalContent
import PortalCore
import PortalMarkdown

/// A page whose text changed while its front matter stayed the same: only the outputs
/// that show its text need rendering again.
extension SiteRenderer {
    /// True when `new` differs from `old` in its body only.
    public static func sameFrontMatter(_ old: Page, _ new: Page) -> Bool {
        old.title == new.title && old.description == new.description && old.summary == new.summary
            && old.date == new.date && old.lastmod == new.lastmod && old.draft == new.draft && old.weight == new.weight
            && old.tags == new.tags && old.aliases == new.aliases && old.layout == new.layout
            && old.translationKey == new.translationKey && old.params == new.params && old.kind == new.kind
            && old.urlPath == new.urlPath && old.contentPath == new.contentPath && old.language == new.language
    }

    /// Whether a page of the site is an ordinary page (not a city narrative or the
    /// introduction of a generated page), so that `replaceBody` applies to it.
    public func isOrdinaryPage(_ index: Int) -> Bool {
        plan.plannedPages.contains { $0.pageIndex == index }
    }

    /// Replaces page `index` by `page` (same front matter, new text). Returns the page's
    /// own outputs (with its fallback copies), and all outputs that show its text.
    public mutating func replaceBody(of index: Int, with page: Page) -> (own: [OutputJob], all: [OutputJob]) {
        plan.replacePage(index, with: page)
        markdown[index] = MarkdownRenderer(unsafeHTML: site.config.unsafeHTML).render(page.body)
        let folded = searchText(index)
        for (plannedIndex, entry) in plan.plannedPages.enumerated() where entry.pageIndex == index {
            searchEntries[plannedIndex] = searchEntry(plannedIndex, folded: folded)
        }
        var jobs = Set<OutputJob>()
        var own: [OutputJob] = []
        var languages = Set<String>()
        for (plannedIndex, entry) in plan.plannedPages.enumerated() where entry.pageIndex == index {
            jobs.insert(.page(plannedIndex))
            own.append(.page(plannedIndex))
            languages.insert(entry.language)
            // The list it appears in, and the home (recent pages).
            if let parent = plan.pathLookup[entry.language]?[page.parentPath] { jobs.insert(.page(parent)) }
            if let home = plan.pathLookup[entry.language]?[""] { jobs.insert(.page(home)) }
        }
        for language in languages {
            jobs.insert(.feed(language))
            jobs.insert(.searchIndex(language))
        }
        return (own, jobs.sorted { "\($0)" < "\($1)" })
    }
}

extension SitePlan {
    mutating func replacePage(_ index: Int, with page: Page) {
        site.pages[index] = page
    }
}
