import Foundation

/// The few file operations the generator needs, in one place.
public enum FileSystem {
    public static func read(_ path: String) -> [UInt8]? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.readToEnd() else { return [] }
        return [UInt8](data)
    }

    /// Size in bytes, following symbolic links.
    public static func size(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Int(info.st_size)
    }

    public static func exists(_ path: String) -> Bool {
        FileManager.default.fileExists(atPath: path)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Names in a folder, sorted; empty when it does not exist.
    public static func list(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    /// Every regular file below `root` as a path relative to it, sorted. Hidden files
    /// (`.DS_Store`, editors' swap files) are skipped. Symbolic links are followed only
    /// when they stay inside `root`; the others are returned in `escaping`.
    public static func walk(_ root: String) -> (files: [String], escaping: [String]) {
        var files: [String] = []
        var escaping: [String] = []
        let realRoot = URL(fileURLWithPath: root).resolvingSymlinksInPath().path
        func visit(_ relative: String) {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            for name in list(absolute) where !name.hasPrefix(".") {
                let childRelative = relative.isEmpty ? name : relative + "/" + name
                let childPath = root + "/" + childRelative
                if let attributes = try? FileManager.default.attributesOfItem(atPath: childPath),
                   attributes[.type] as? FileAttributeType == .typeSymbolicLink {
                    let target = URL(fileURLWithPath: childPath).resolvingSymlinksInPath().path
                    if !(target == realRoot || target.hasPrefix(realRoot + "/")) {
                        escaping.append(childRelative)
                        continue
                    }
                }
                if isDirectory(childPath) { visit(childRelative) } else { files.append(childRelative) }
            }
        }
        visit("")
        return (files.sorted(), escaping.sorted())
    }
}
