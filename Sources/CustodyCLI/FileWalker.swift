import Foundation

/// Expands command-line paths: files as given, folders walked in name order, hidden files
/// skipped. Problems (missing paths, unreadable folders) are reported, not fatal.
enum FileWalker {
    struct Listing {
        var files: [String] = []
        var problems: [String] = []
    }

    static func expand(_ paths: [String]) -> Listing {
        var listing = Listing()
        let fm = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
                listing.problems.append("\(path): no such file or folder")
                continue
            }
            guard isDirectory.boolValue else {
                listing.files.append(path)
                continue
            }
            guard let enumerator = fm.enumerator(atPath: path) else {
                listing.problems.append("\(path): folder cannot be read")
                continue
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    enumerator.skipDescendants()
                    continue
                }
                let full = (path as NSString).appendingPathComponent(relative)
                var sub: ObjCBool = false
                if fm.fileExists(atPath: full, isDirectory: &sub), !sub.boolValue {
                    found.append(full)
                }
            }
            listing.files.append(contentsOf: found.sorted())
        }
        return listing
    }
}
