import Foundation
import Mustache
import PortalContent
import PortalCore

/// `Templates/`: Mustache layouts and partials, assets, and default interface strings.
public struct Theme: Sendable {
    public var directory: String
    public var library: MustacheLibrary
    /// Template names (`page`, `partials/header`) → display path.
    public var templateFiles: [String: String]
    /// Default interface strings per language code.
    public var strings: [String: [String: InterfaceString]]
    /// Interface strings the templates use: key → where it is first used.
    public var usedStrings: [String: StringUse]
    /// Files of `Templates/assets/`, relative to it, sorted.
    public var assets: [String]
    /// Template name → its text.
    public var sources: [String: String] = [:]
    /// The templates a partial or parent tag names (read with the references below).
    public var includedTemplates: Set<String> = []

    public struct StringUse: Sendable, Hashable {
        public var file: String
        public var line: Int
        public var column: Int
        public var plural: Bool
    }

    /// The layouts every theme must have, one for each kind of output.
    public static let requiredTemplates = ["home", "section", "page", "cities", "city", "search", "404", "root"]

    public static func load(from directory: String) throws(BuildFailure) -> Theme {
        var diagnostics = DiagnosticList()
        let display = { (relative: String) in directory.hasSuffix("/") ? directory + relative : directory + "/" + relative }
        guard FileSystem.isDirectory(directory) else {
            throw BuildFailure([.error(directory, "the templates folder does not exist", hint: "pass --templates DIR")])
        }
        HTMLEscaping.registered
        var library = MustacheLibrary()
        var files: [String: String] = [:]
        var sources: [String: String] = [:]
        let (all, escaping) = FileSystem.walk(directory)
        for link in escaping {
            diagnostics.error(display(link), "symbolic link points outside the templates folder")
        }
        for relative in all where relative.hasSuffix(".mustache") && !relative.hasPrefix("assets/") {
            let name = String(relative.dropLast(".mustache".count))
            let file = display(relative)
            do {
                let text = try SourceText.read(directory + "/" + relative, display: file)
                let template = try MustacheTemplate(string: HTMLEscaping.pragma + text)
                library.register(template, named: name)
                files[name] = file
                sources[name] = text
            } catch let error as BuildFailure {
                diagnostics.append(contentsOf: error.diagnostics)
            } catch let error as MustacheTemplate.ParserError {
                diagnostics.error(file, line: error.context.lineNumber - 1, column: error.context.columnNumber,
                                  "template syntax: \(describe(error.error))", hint: "near: \(error.context.line.trimmingCharacters(in: .whitespaces))")
            } catch {
                diagnostics.error(file, "template cannot be read: \(error)")
            }
        }
        for name in requiredTemplates where files[name] == nil && !diagnostics.items.contains(where: { $0.file == display(name + ".mustache") }) {
            diagnostics.error(display(name + ".mustache"), "the theme has no '\(name)' template", hint: "every theme needs: \(requiredTemplates.joined(separator: ", "))")
        }

        // Partials and parents must exist: Mustache would silently render nothing.
        var usedStrings: [String: StringUse] = [:]
        var included = Set<String>()
        for name in sources.keys.sorted() {
            let text = sources[name]!
            let file = files[name]!
            for reference in TemplateScanner.references(in: text) {
                switch reference.kind {
                case .partial, .parent:
                    included.insert(reference.name)
                    if files[reference.name] == nil {
                        diagnostics.error(file, line: reference.line, column: reference.column,
                                          "\(reference.kind == .partial ? "partial" : "parent template") '\(reference.name)' does not exist",
                                          hint: "templates found: \(files.keys.sorted().joined(separator: ", "))")
                    }
                case .string, .plural:
                    if usedStrings[reference.name] == nil {
                        usedStrings[reference.name] = StringUse(file: file, line: reference.line, column: reference.column, plural: reference.kind == .plural)
                    }
                }
            }
        }

        var strings: [String: [String: InterfaceString]] = [:]
        for name in FileSystem.list(directory + "/strings") where name.hasSuffix(".yaml") {
            let file = display("strings/" + name)
            let code = String(name.dropLast(5)).lowercased()
            do {
                let text = try SourceText.read(directory + "/strings/" + name, display: file)
                if let node = try YAMLDocument.parse(text, file: file) {
                    strings[code] = SiteLoader.parseStrings(node, file: file, diagnostics: &diagnostics)
                }
            } catch {
                diagnostics.append(contentsOf: error.diagnostics)
            }
        }
        let assets = FileSystem.walk(directory + "/assets").files
        if diagnostics.hasErrors { throw BuildFailure(diagnostics.sorted) }
        return Theme(directory: directory, library: library, templateFiles: files, strings: strings, usedStrings: usedStrings, assets: assets, sources: sources, includedTemplates: included)
    }

    private static func describe(_ error: Error) -> String {
        guard let error = error as? MustacheTemplate.Error else { return "\(error)" }
        switch error {
        case .sectionCloseNameIncorrect: return "a section is closed with a different name than it was opened with"
        case .unfinishedName: return "a tag is not closed with '}}'"
        case .expectedSectionEnd: return "a section is never closed ({{/name}} missing)"
        case .invalidSetDelimiter: return "invalid delimiter change"
        case .transformAppliedToInheritanceSection: return "a transform cannot be applied to an inheritance section"
        case .illegalTokenInsideInheritSection: return "only {{$block}} overrides may stand inside {{<parent}}"
        case .textInsideInheritSection: return "only {{$block}} overrides may stand inside {{<parent}}"
        case .invalidConfigVariableSyntax: return "invalid {{% config }} tag"
        case .unrecognisedConfigVariable: return "unknown {{% config }} setting"
        }
    }
}

/// Finds what a template refers to, with positions: partials, parents, interface strings.
enum TemplateScanner {
    struct Reference {
        enum Kind { case partial, parent, string, plural }
        var kind: Kind
        var name: String
        var line: Int
        var column: Int
    }

    static func references(in text: String) -> [Reference] {
        var references: [Reference] = []
        let bytes = Array(text.utf8)
        var line = 1
        var lineStart = 0
        var scanned = 0
        for tag in MemoPlan.tags(in: text) {
            // Tags are read by MemoPlan; lines and columns (in characters) counted here.
            for index in scanned..<tag.range.lowerBound where bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            scanned = tag.range.lowerBound
            let column = String(decoding: bytes[lineStart..<tag.range.lowerBound], as: UTF8.self).count + 1
            switch tag.kind {
            case .partial, .parent:
                references.append(Reference(kind: tag.kind == .partial ? .partial : .parent, name: tag.name, line: line, column: column))
                continue
            case .dynamicPartial:
                continue
            default:
                break
            }
            // A sigil other than `#^/&` stays in front of the name, so a name right after
            // it is not a use (`{{!t.x}}` is a comment).
            let body: Substring
            switch tag.kind {
            case .variable, .open, .inverted, .close: body = Substring(tag.name)
            default: body = Substring("!" + tag.name)
            }
            for (marker, kind) in [("t." as StaticString, Reference.Kind.string), ("plural.", .plural)] {
                // Most names hold neither marker: looked for in the bytes first.
                guard body.utf8.withContiguousStorageIfAvailable({ UnsafeRawBufferPointer($0).contains(bytesOf: marker) }) ?? true else { continue }
                var rest = body[...]
                while let range = rest.range(of: marker.description) {
                    let before = range.lowerBound == body.startIndex ? nil : body[body.index(before: range.lowerBound)]
                    let key = rest[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                    if (before == nil || before == "." || before == " ") && !key.isEmpty {
                        references.append(Reference(kind: kind, name: String(key), line: line, column: column))
                    }
                    rest = rest[range.upperBound...]
                }
            }
        }
        return references
    }
}
