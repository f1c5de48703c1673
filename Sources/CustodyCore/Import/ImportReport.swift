/// The validation report of one imported file, like the ones CAD integrations print: rows
/// read, imported, rejected (grouped by reason, with line numbers), new and updated records.
public struct ImportReport: Sendable {
    public var file: String
    /// The text encoding the file was read in (detected or named), once it was read.
    public var encoding: String?
    public var rowsRead = 0
    public var imported = 0
    public var new = 0
    public var updated = 0
    public var rejections: [(line: Int, reason: RejectionReason)] = []
    /// Set when nothing could be imported (unreadable file, missing required column).
    public var fileError: String?
    /// Further figures a command adds (e.g. clips re-attributed, calls with footage).
    public var extra: [(String, Int)] = []
    /// The zone local times were read in (the dispatch import states it).
    public var timeZone: String?
    /// Sentences the human report adds after the figures (e.g. which units were re-dispatched).
    public var notes: [String] = []

    public init(file: String) { self.file = file }

    public var rejected: Int { rejections.count }

    /// Rows that matched what was already stored.
    public var unchanged: Int { imported - new - updated }

    /// Nothing imported: the file could not be read, or it had rows and every one was rejected.
    public var importedNothing: Bool { fileError != nil || (rowsRead > 0 && imported == 0) }

    /// Reasons with the lines that failed for them, most frequent first.
    public var groupedRejections: [(reason: String, lines: [Int])] {
        var groups: [String: [Int]] = [:]
        var order: [String] = []
        for r in rejections {
            if groups[r.reason.group] == nil { order.append(r.reason.group) }
            groups[r.reason.group, default: []].append(r.line)
        }
        return order.map { ($0, groups[$0]!) }.sorted { $0.lines.count > $1.lines.count }
    }

    public var human: String {
        if let fileError { return "\(file): nothing imported: \(fileError)" }
        let read = encoding.map { $0 == "UTF-8" ? "" : " (\($0))" } ?? ""
        var text = "\(file): \(rowsRead) rows read\(read), \(imported) imported (\(new) new, \(updated) updated, \(unchanged) unchanged), \(rejected) rejected"
        if importedNothing { text += " — nothing imported: every row was rejected" }
        for (name, value) in extra { text += "\n  \(name): \(value)" }
        for note in notes { text += "\n  \(note)" }
        if !rejections.isEmpty {
            text += "\n  rejected rows, by reason:"
            for group in groupedRejections {
                let shown = group.lines.prefix(12).map(String.init).joined(separator: ", ")
                let more = group.lines.count > 12 ? " … (+\(group.lines.count - 12) more)" : ""
                text += "\n    \(group.reason) (\(group.lines.count)): line\(group.lines.count > 1 ? "s" : "") \(shown)\(more)"
            }
            let examples = rejections.prefix(5).map { "line \($0.line): \($0.reason.description)" }
            text += "\n  first rejected: " + examples.joined(separator: "; ")
        }
        return text
    }
}

extension ImportReport: JSONLineConvertible {
    public var jsonValue: JSONValue {
        var o = JSONObjectBuilder()
        o.add("file", file)
        o.add("encoding", encoding, null: true)
        if let timeZone { o.add("time_zone", timeZone) }
        o.add("rows", rowsRead)
        o.add("imported", imported)
        o.add("new", new)
        o.add("updated", updated)
        o.add("unchanged", unchanged)
        o.add("rejected", rejected)
        o.add("rejected_by_reason", .object(groupedRejections.map { ($0.reason, .array($0.lines.map { .int(Int64($0)) })) }))
        o.add("rejections", .array(rejections.map {
            .object([("line", .int(Int64($0.line))), ("reason", .string($0.reason.description))])
        }))
        for (name, value) in extra { o.add(name, value) }
        o.add("error", fileError, null: true)
        return o.value
    }

    /// SPEC §1: 0 all rows valid; 3 some rows rejected; 1 nothing imported (a file unreadable,
    /// or every one of its rows rejected).
    public static func exitStatus(_ reports: [ImportReport]) -> Int32 {
        if reports.contains(where: \.importedNothing) { return 1 }
        if reports.contains(where: { $0.rejected > 0 }) { return 3 }
        return 0
    }
}
