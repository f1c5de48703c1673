import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the files to ingest under the paths given: files as named, folders walked in name
/// order. Hidden files and names that writers use while a file is incomplete (`.part`, `.tmp`,
/// `.crdownload`, `.partial`, `.download`, `~` at either end) are skipped; symlinks are followed
/// only when they stay inside the folder given; a folder reached twice (a symlink loop) is
/// walked once. Every skip that a person should know about is reported.
public struct SourceWalker {
    public struct Listing: Sendable {
        public var files: [RawPath] = []
        public var problems: [(path: String, reason: String)] = []
    }

    public static func isIgnorableName(_ name: [UInt8]) -> Bool {
        guard let first = name.first else { return true }
        if first == UInt8(ascii: ".") || first == UInt8(ascii: "~") || name.last == UInt8(ascii: "~") { return true }
        let lower = String(decoding: name, as: UTF8.self).lowercased()
        return [".part", ".tmp", ".crdownload", ".partial", ".download"].contains { lower.hasSuffix($0) }
    }

    public static func expand(_ paths: [RawPath]) -> Listing {
        var listing = Listing()
        for path in paths {
            var st = stat()
            guard path.withCString({ stat($0, &st) }) == 0 else {
                listing.problems.append((path.display, "no such file or folder"))
                continue
            }
            if (st.st_mode & S_IFMT) == S_IFDIR {
                guard let root = path.resolved() else {
                    listing.problems.append((path.display, "folder cannot be resolved"))
                    continue
                }
                var visited = Set<[UInt64]>()
                walk(path, root: root, visited: &visited, into: &listing)
            } else if (st.st_mode & S_IFMT) == S_IFREG {
                listing.files.append(path)
            } else {
                listing.problems.append((path.display, "not a regular file"))
            }
        }
        return listing
    }

    private static func walk(_ folder: RawPath, root: RawPath, visited: inout Set<[UInt64]>, into listing: inout Listing) {
        var st = stat()
        guard folder.withCString({ stat($0, &st) }) == 0 else { return }
        let key = [UInt64(st.st_dev), UInt64(st.st_ino)]
        guard visited.insert(key).inserted else {
            listing.problems.append((folder.display, "folder already walked (symlink loop); skipped"))
            return
        }
        guard let dir = folder.withCString({ opendir($0) }) else {
            listing.problems.append((folder.display, "folder cannot be read: \(String(cString: strerror(errno)))"))
            return
        }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        closedir(dir)
        for name in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            if isIgnorableName(name) { continue }
            let child = folder.appending(name)
            var lst = stat()
            guard child.withCString({ lstat($0, &lst) }) == 0 else { continue }
            var isLink = (lst.st_mode & S_IFMT) == S_IFLNK
            var target = lst
            if isLink {
                guard let real = child.resolved(), real.isInside(root) else {
                    listing.problems.append((child.display, "symlink leads outside \(root.display) or nowhere; skipped"))
                    continue
                }
                guard child.withCString({ stat($0, &target) }) == 0 else { continue }
                isLink = false
            }
            switch target.st_mode & S_IFMT {
            case S_IFDIR: walk(child, root: root, visited: &visited, into: &listing)
            case S_IFREG: listing.files.append(child)
            default: listing.problems.append((child.display, "not a regular file; skipped"))
            }
        }
    }
}
