import CustodyCore
public import Foundation

/// The audit chain's head as one nightly audit saw it: how many entries, and the last hash.
///
/// The hash chain shows any edit, deletion or reordering *inside* the log, but not the loss of
/// its last entries. Each audit writes the head it ends with to `reports/chain-anchors.jsonl`
/// (outside the catalog, and copied with the reports to `--out`), and each later audit and
/// `custody verify` check that the log still holds every anchored entry, unchanged.
public struct ChainAnchor: Sendable, Equatable {
    /// The audited day whose run wrote it.
    public var day: String
    /// The id of the last entry then (ids run 1, 2, 3 … without gaps).
    public var entries: Int64
    public var head: String
    public var writtenAt: Date

    public init(day: String, entries: Int64, head: String, writtenAt: Date) {
        self.day = day
        self.entries = entries
        self.head = head
        self.writtenAt = writtenAt
    }

    public static let fileName = "chain-anchors.jsonl"

    var line: String {
        var o = JSONObjectBuilder()
        o.add("day", day)
        o.add("entries", entries)
        o.add("head", head)
        o.add("written_at", Timestamp.format(writtenAt))
        return o.value.rendered
    }

    /// The anchors in `file`, and a problem for each line that cannot be read (no file: none).
    public static func load(_ file: URL) -> (anchors: [ChainAnchor], problems: [String]) {
        guard let data = FileManager.default.contents(atPath: file.path) else { return ([], []) }
        var anchors: [ChainAnchor] = [], problems: [String] = []
        for (i, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let day = object["day"] as? String, let entries = (object["entries"] as? NSNumber)?.int64Value,
                  let head = object["head"] as? String,
                  let written = (object["written_at"] as? String).flatMap({ Timestamp.parse($0, zone: TimeZone(identifier: "UTC")!) })
            else {
                problems.append("\(file.lastPathComponent) line \(i + 1) cannot be read: the anchors were altered")
                continue
            }
            anchors.append(ChainAnchor(day: day, entries: entries, head: head, writtenAt: written))
        }
        return (anchors, problems)
    }

    /// Adds `anchor` to `file` (rewritten durably).
    public static func append(_ anchor: ChainAnchor, to file: URL) throws {
        var text = FileManager.default.contents(atPath: file.path).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if !text.isEmpty && !text.hasSuffix("\n") { text += "\n" }
        text += anchor.line + "\n"
        try DurableFile.write(Data(text.utf8), to: file)
    }
}

extension Catalog {
    /// The last entry's id and hash (0 and the genesis hash when the log is empty).
    public func chainHead() async throws -> (entries: Int64, head: String) {
        try await backend.read { db in
            let row = try SQLRow.fetchOne(db, sql: "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1")
            return (row?[0] ?? 0, row?[1] ?? AuditLog.genesis)
        }
    }

    /// Checks that the log still holds every anchored entry with the anchored hash: a log that
    /// ends before an anchor lost its tail; a different hash means the log was rewritten.
    public func checkAnchors(_ anchors: [ChainAnchor]) async throws -> [String] {
        try await backend.read { db in
            var problems: [String] = []
            let last = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM audit_log") ?? 0
            if let beyond = anchors.filter({ $0.entries > last }).max(by: { $0.entries < $1.entries }) {
                let span = last + 1 == beyond.entries ? "\(beyond.entries) is" : "\(last + 1)–\(beyond.entries) are"
                problems.append("audit entries \(span) missing: the log ends at \(last), before the anchor written by the audit of \(beyond.day)")
            }
            for anchor in anchors where anchor.entries <= last && anchor.entries > 0 {
                let hash = try String.fetchOne(db, sql: "SELECT hash FROM audit_log WHERE id = ?", arguments: [anchor.entries])
                if hash != anchor.head {
                    problems.append("audit entry \(anchor.entries) does not match the anchor written by the audit of \(anchor.day): the log was rewritten")
                }
            }
            return problems
        }
    }
}
