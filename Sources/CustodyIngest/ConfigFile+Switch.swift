public import Foundation
#if canImport(Glibc)
internal import Glibc
#endif

/// Rewrites one section of config.toml in place — the last step of `custody catalog migrate`
/// and `custody vault migrate` — keeping every other line, comment and blank line as it was.
extension ConfigFile {
    /// Sets (or, with nil, comments out) `keys` in `[section]` of the file at `path`, then
    /// replaces the file atomically (a temporary file beside it, fsynced, renamed over it), so
    /// a crash leaves the old file or the new one, never half of one. The new text must parse.
    public static func switchSection(path: String, section: String, _ keys: [(key: String, value: String?)]) throws(Failure) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw Failure(description: "\(path) cannot be read.")
        }
        let rewritten = rewrite(text, section: section, keys)
        _ = try parse(rewritten, path: path)
        try replaceAtomically(path: path, with: rewritten)
    }

    /// The text with `keys` set in `[section]`: an active `key = …` line is replaced; a missing
    /// key is added after the section's header (the section is appended when there is none); a
    /// nil value comments the active line out. Comments, including the commented examples of the
    /// template, are left alone.
    public static func rewrite(_ text: String, section: String, _ keys: [(key: String, value: String?)]) -> String {
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        func header(_ line: String) -> String? {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard t.hasPrefix("["), !t.hasPrefix("[["), let close = t.firstIndex(of: "]") else { return nil }
            return t[t.index(after: t.startIndex)..<close].trimmingCharacters(in: .whitespaces)
        }
        func assigned(_ line: String) -> String? {
            let t = line.trimmingCharacters(in: .whitespaces)
            guard !t.hasPrefix("#"), let eq = t.firstIndex(of: "=") else { return nil }
            return t[..<eq].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }
        var start = lines.firstIndex { header($0) == section }
        if start == nil {
            if let last = lines.last, !last.trimmingCharacters(in: .whitespaces).isEmpty { lines.append("") }
            lines.append("[\(section)]")
            start = lines.count - 1
        }
        let begin = start! + 1
        var end = lines[begin...].firstIndex { header($0) != nil } ?? lines.count
        var insertAt = begin
        for (key, value) in keys {
            let line = value.map { "\(key) = \(quoted($0))" }
            if let k = lines[begin..<end].firstIndex(where: { assigned($0) == key }) {
                lines[k] = line ?? "# " + lines[k]
                insertAt = max(insertAt, k + 1)
            } else if let line {
                lines.insert(line, at: insertAt)
                insertAt += 1
                end += 1
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A TOML basic string.
    static func quoted(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += String(format: "\\u%04X", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Writes `text` to a temporary file beside `path` with `path`'s permissions, fsyncs it,
    /// renames it over `path` and fsyncs the folder.
    static func replaceAtomically(path: String, with text: String) throws(Failure) {
        let folder = (path as NSString).deletingLastPathComponent
        let temporary = (folder.isEmpty ? "." : folder) + "/.\((path as NSString).lastPathComponent).\(UUID().uuidString.prefix(8)).tmp"
        var st = stat()
        let mode = stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0o644
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Failure(description: "\(temporary) cannot be created: \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        var written = 0
        var failure: Int32 = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, bytes.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failure = n < 0 ? errno : EIO; break }
            written += n
        }
        if failure == 0, fsync(fd) != 0 { failure = errno }
        close(fd)
        if failure == 0, rename(temporary, path) != 0 { failure = errno }
        guard failure == 0 else {
            unlink(temporary)
            throw Failure(description: "\(path) could not be rewritten: \(String(cString: strerror(failure))); it was left as it was.")
        }
        let dir = open(folder.isEmpty ? "." : folder, O_RDONLY | O_CLOEXEC)
        if dir >= 0 {
            _ = fsync(dir)
            close(dir)
        }
    }
}
