public import CustodyCore
public import CustodyStore
public import Foundation
import Crypto

/// `custody export` (issue 17): a disclosure package anyone can check with standard tools.
///
///     files/<incident>/<officer>_<start>_<sha8>.<ext>   the originals, byte-identical
///     manifest.json        each file's SHA-256, size, probe record, receipts, links, findings;
///                          the incidents' dispatch rows; who exported, when, why; the chain of
///                          custody (every audit entry about these files and incidents, with
///                          what its hash covers), the chain's head and the latest anchor
///     manifest.json.sig    raw 64-byte Ed25519 signature of manifest.json
///     summary.zh.html, summary.en.html   the calls, findings, files and events, printable
///     VERIFY.md            how to check it with sha256sum and openssl only
///     signing-key.pem      the installation's public key
///     SHA256SUMS           `sha256sum -c` format, every file above
///     SHA256SUMS.sig       raw Ed25519 signature of SHA256SUMS
///
/// The package is written into `<out>.partial` and renamed to `<out>` once complete, so a
/// folder named `<out>` is always a whole package. Files are streamed, never held in memory.
public enum EvidenceExport {
    public struct Request: Sendable {
        public var incidents: [String]
        public var clips: [String]
        public var reason: String
        public var out: URL
        public var actor: String
        public var version: String
        public var zone: TimeZone
        public init(incidents: [String], clips: [String], reason: String, out: URL, actor: String, version: String, zone: TimeZone) {
            self.incidents = incidents
            self.clips = clips
            self.reason = reason
            self.out = out
            self.actor = actor
            self.version = version
            self.zone = zone
        }
    }

    public struct Outcome: Sendable {
        public var folder: URL
        public var packageSHA256: String
        public var files: Int
        public var bytes: Int64
        public var purged: [String]
    }

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Writes the package; `progress` hears each file as it is copied.
    public static func run(
        _ request: Request, catalog: Catalog, vault: any Vault, folder: DataFolder, progress: @Sendable (String) -> Void = { _ in }
    ) async throws -> Outcome {
        let fm = FileManager.default
        if fm.fileExists(atPath: request.out.path) {
            throw Failure(description: "\(request.out.path) exists already: name a new folder (a package is never written over another).")
        }
        // What goes in: the incidents' linked clips, and clips named on their own.
        var incidentDetails: [(id: String, detail: JSONValue)] = []
        var clipIncident: [String: String] = [:]
        var order: [String] = []
        for id in request.incidents {
            guard let detail = try await catalog.incidentDetail(id) else { throw Failure(description: "no incident \(id) in the catalog.") }
            incidentDetails.append((id, detail))
            for c in detail["clips"]?.arrayValue ?? [] {
                guard let sha = c["sha256"]?.stringValue else { continue }
                if clipIncident[sha] == nil { clipIncident[sha] = id; order.append(sha) }
            }
        }
        var purged: [Tombstone] = []
        for sha in request.clips where !order.contains(sha) {
            if try await catalog.evidence(sha256: sha) != nil {
                order.append(sha)
            } else if let tomb = try await catalog.tombstone(sha256: sha) {
                purged.append(tomb)
            } else {
                throw Failure(description: "no clip \(sha) in the catalog (give its full SHA-256).")
            }
        }
        // Footage under a legal hold or marked as case evidence says so, in the manifest.
        let holds = try await catalog.holds(activeOnly: true)
        func holdsOf(_ sha: String, _ incidents: [String]) -> JSONValue {
            .array(holds.filter { $0.clipSHA256 == sha || $0.incidentID.map(incidents.contains) == true }.map { h in
                .object([("kind", .string(h.kind.rawValue)), ("reason", .string(h.reason)), ("placed_by", .string(h.placedBy)),
                         ("placed_at", .string(Timestamp.format(h.placedAt)))])
            })
        }
        let key = try SigningKey.loadOrCreate(folder)
        let partial = request.out.deletingLastPathComponent().appendingPathComponent(request.out.lastPathComponent + ".partial")
        try? fm.removeItem(at: partial)
        try fm.createDirectory(at: partial.appendingPathComponent("files"), withIntermediateDirectories: true)
        var written: [String] = []  // paths relative to the package root
        var fileEntries: [JSONValue] = []
        var summaryFiles: [(path: String, sha: String, officer: String, start: String)] = []
        var bytes: Int64 = 0
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = request.zone
        for (n, sha) in order.enumerated() {
            guard let evidence = try await catalog.evidence(sha256: sha) else { continue }
            let group = clipIncident[sha] ?? "clips"
            let start = evidence.probe.startTime.map { d -> String in
                let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: d)
                return String(format: "%04d%02d%02d-%02d%02d%02d", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
            } ?? "unknown-time"
            let name = "\(safe(evidence.officerID ?? "unattributed"))_\(start)_\(sha.prefix(8)).\(safe(evidence.ext))"
            let relative = "files/\(safe(group))/\(name)"
            let target = partial.appendingPathComponent(relative)
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            progress("[\(n + 1)/\(order.count)] \(relative)")
            try await vault.withLocalFile(evidence.storedPath, scratch: folder.staging) { source in
                try fm.copyItem(at: source, to: target)
            }
            // Byte-identical: the copy hashes to the catalog's SHA-256.
            let copied = try FileHasher.sha256(path: target.path)
            guard copied.sha256 == sha else {
                throw Failure(description: "the copy of \(sha) hashes to \(copied.sha256): the stored file does not match its record; run custody verify.")
            }
            bytes += copied.size
            written.append(relative)
            let detail = try await catalog.clipDetail(evidence)
            fileEntries.append(.object([
                ("path", .string(relative)), ("sha256", .string(sha)), ("size", .int(copied.size)),
                ("officer_id", evidence.officerID.map { .string($0) } ?? .null), ("probe", detail["probe"] ?? .null),
                ("receipts", detail["receipts"] ?? .null), ("incidents", detail["incidents"] ?? .null), ("findings", detail["findings"] ?? .null),
                ("recorder", detail["recorder"] ?? .null),
                ("holds", holdsOf(sha, (detail["incidents"]?.arrayValue ?? []).compactMap(\.stringValue))),
            ]))
            summaryFiles.append((relative, sha, evidence.officerID ?? "—", evidence.probe.startTime.map(Timestamp.format) ?? "—"))
        }
        let chain = try await catalog.auditExcerpt(clips: order + purged.map(\.sha256), incidents: request.incidents)
        let head = try await catalog.chainHead()
        let anchors = ChainAnchor.load(folder.reports.appendingPathComponent(ChainAnchor.fileName)).anchors
        let anchor: JSONValue = anchors.last.map { a in
            .object([("day", .string(a.day)), ("entries", .int(a.entries)), ("head", .string(a.head)), ("written_at", .string(Timestamp.format(a.writtenAt)))])
        } ?? .null
        let now = Date()
        let manifest: JSONValue = .object([
            ("package", .string("custody-export")), ("custody_version", .string(request.version)),
            ("exported_at", .string(Timestamp.format(now))), ("exported_by", .string(request.actor)), ("reason", .string(request.reason)),
            ("time_zone", .string(request.zone.configName)),
            ("signing_key_fingerprint", .string(key.fingerprint)),
            ("incidents", .array(incidentDetails.map { $0.detail })),
            ("files", .array(fileEntries)),
            ("purged", .array(purged.map { t in
                .object([("sha256", .string(t.sha256)), ("size", .int(t.size)), ("purged_at", .string(Timestamp.format(t.purgedAt))),
                         ("purged_by", .string(t.purgedBy)), ("reason", .string(t.reason)), ("retention_class", .string(t.retentionClass))])
            })),
            ("chain_of_custody", .object([
                ("hash_recipe", .string("SHA-256 (hex) of the fields id, at, actor, action, subject, detail, prev_hash, each written as <UTF-8 byte count>:<text> and a newline")),
                ("entries", .array(chain)), ("head", .object([("entries", .int(head.entries)), ("hash", .string(head.head))])),
                ("latest_anchor", anchor),
            ])),
        ])
        let manifestData = Data(manifest.utf8 + [0x0A])
        try write(manifestData, "manifest.json", in: partial, into: &written)
        try write(try key.sign(manifestData), "manifest.json.sig", in: partial, into: &written)
        for lang in ["zh", "en"] {
            let html = ExportSummary.html(
                lang: lang, reason: request.reason, actor: request.actor, at: now, zone: request.zone, incidents: incidentDetails.map(\.detail),
                files: summaryFiles, purged: purged.map(\.sha256), chain: chain, fingerprint: key.fingerprint)
            try write(Data(html.utf8), "summary.\(lang).html", in: partial, into: &written)
        }
        try write(Data(verifyText(fingerprint: key.fingerprint).utf8), "VERIFY.md", in: partial, into: &written)
        try write(Data(key.publicKeyPEM.utf8), "signing-key.pem", in: partial, into: &written)
        var sums = ""
        for path in written.sorted() {
            let digest = try FileHasher.sha256(path: partial.appendingPathComponent(path).path).sha256
            sums += "\(digest)  \(path)\n"
        }
        let sumsData = Data(sums.utf8)
        try sumsData.write(to: partial.appendingPathComponent("SHA256SUMS"))
        try key.sign(sumsData).write(to: partial.appendingPathComponent("SHA256SUMS.sig"))
        let packageSHA = SHA256.hash(data: sumsData).map { String(format: "%02x", $0) }.joined()
        try fm.moveItem(at: partial, to: request.out)
        try await catalog.recordExport(
            packageSHA256: packageSHA, files: order, incidents: request.incidents, purged: purged.map(\.sha256), reason: request.reason,
            destination: request.out.path, actor: request.actor)
        return Outcome(folder: request.out, packageSHA256: packageSHA, files: written.filter { $0.hasPrefix("files/") }.count, bytes: bytes,
                       purged: purged.map(\.sha256))
    }

    static func write(_ data: Data, _ name: String, in root: URL, into written: inout [String]) throws {
        try data.write(to: root.appendingPathComponent(name))
        written.append(name)
    }

    /// A package folder's name from an incident id or a clip prefix.
    public static func safeName(_ s: String) -> String { safe(s) }

    /// A name safe as one path component: letters, digits, `-`, `_`, `.`, and CJK kept.
    static func safe(_ s: String) -> String {
        let cleaned = s.unicodeScalars.map { u -> String in
            if u.properties.isAlphabetic || ("0"..."9").contains(Character(u)) || "-_.".unicodeScalars.contains(u) { return String(u) }
            return "-"
        }.joined()
        let trimmed = cleaned.trimmingCharacters(in: CharacterSet(charactersIn: ".-"))
        return trimmed.isEmpty ? "x" : String(trimmed.prefix(80))
    }

    static func verifyText(fingerprint: String) -> String {
        """
        # How to check this package

        Everything here can be checked with standard tools, without Custody.

        1. **The files are unchanged.** In this folder run

               sha256sum -c SHA256SUMS

           Every line must say `OK`. `SHA256SUMS` lists every file of the package (the originals
           under `files/`, `manifest.json` and its signature, the summaries, this file, the key).

        2. **The list is the one Custody signed.** With OpenSSL 3:

               openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig
               openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.json.sig

           Each must print `Signature Verified Successfully`. The signatures are raw Ed25519.

        3. **The key is the installation's.** `signing-key.pem` is in the package, so check it
           against the one the department publishes (its admin page and `GET /api/signing-key`):
           its fingerprint (SHA-256 of the key's DER form) is

               \(fingerprint)

           and `openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum` prints it
           without the colons, in lower case.

        4. **The chain of custody fits the installation's audit log.** `manifest.json` →
           `chain_of_custody.entries` holds every audit entry about these files and incidents.
           Each entry's `hash` is the SHA-256 of its fields `id`, `at`, `actor`, `action`,
           `subject`, `detail`, `prev_hash`, each written as `<UTF-8 byte count>:<text>` and a
           newline; its `prev_hash` is the hash of the entry before it in the full log. The
           `head` and `latest_anchor` let the department's auditor confirm, on the live log
           (`custody verify`), that these entries are still there, unaltered.
        """
    }
}

/// The package's human-readable summary, in Chinese or English, printable to PDF.
enum ExportSummary {
    static let words: [String: [String]] = [
        "title": ["证据披露包", "Evidence disclosure package"], "reason": ["导出理由", "Reason"], "by": ["导出人", "Exported by"],
        "at": ["导出时间", "Exported at"], "zone": ["时区", "Time zone"], "calls": ["警情", "Calls"], "officer": ["民警", "Officer"],
        "arrived": ["到场", "Arrived"], "cleared": ["处警结束", "Cleared"], "coverage": ["覆盖率", "Coverage"], "findings": ["问题", "Findings"],
        "files": ["文件", "Files"], "start": ["开始", "Start"], "path": ["文件名", "File"], "events": ["证据保管链", "Chain of custody"],
        "when": ["时间", "When"], "who": ["操作人", "Who"], "what": ["事项", "What"], "subject": ["对象", "Subject"],
        "purged": ["已依规销毁，无法导出（留有销毁记录）", "Purged under retention, not exportable (tombstones listed)"],
        "key": ["签名公钥指纹", "Signing key fingerprint"], "check": ["核验方法见 VERIFY.md。", "See VERIFY.md for how to check this package."],
        "none": ["无", "none"], "kind": ["类型", "Kind"], "seconds": ["秒数", "Seconds"],
    ]

    static func html(
        lang: String, reason: String, actor: String, at: Date, zone: TimeZone, incidents: [JSONValue],
        files: [(path: String, sha: String, officer: String, start: String)], purged: [String], chain: [JSONValue], fingerprint: String
    ) -> String {
        let i = lang == "zh" ? 0 : 1
        func t(_ k: String) -> String { words[k]?[i] ?? k }
        func e(_ s: String) -> String { HTMLText.escape(s) }
        var h = "<!DOCTYPE html><html lang=\"\(lang == "zh" ? "zh-CN" : "en")\"><head><meta charset=\"utf-8\"><title>\(t("title"))</title>"
        h += "<style>body{font:13px/1.45 'Noto Sans CJK SC',sans-serif;margin:24px;color:#1d2733}table{border-collapse:collapse;width:100%;margin:8px 0 18px}"
        h += "th,td{border:1px solid #cfd6de;padding:4px 6px;text-align:left;vertical-align:top}th{background:#eef2f6}.mono{font-family:monospace;word-break:break-all}"
        h += "h1{font-size:20px}h2{font-size:16px;margin-top:22px}@media print{body{margin:0}}</style></head><body>"
        h += "<h1>\(t("title"))</h1><table><tr><th>\(t("reason"))</th><td>\(e(reason))</td></tr><tr><th>\(t("by"))</th><td>\(e(actor))</td></tr>"
        h += "<tr><th>\(t("at"))</th><td>\(e(Timestamp.format(at)))</td></tr><tr><th>\(t("zone"))</th><td>\(e(zone.configName))</td></tr>"
        h += "<tr><th>\(t("key"))</th><td class=\"mono\">\(e(fingerprint))</td></tr></table><p>\(t("check"))</p>"
        h += "<h2>\(t("calls"))</h2>"
        for incident in incidents {
            h += "<h3>\(e(incident["incident_id"]?.stringValue ?? ""))</h3><table><tr><th>\(t("officer"))</th><th>\(t("arrived"))</th><th>\(t("cleared"))</th><th>\(t("coverage"))</th></tr>"
            for o in incident["officers"]?.arrayValue ?? [] {
                let cov = o["coverage"]?.doubleValue.map { String(format: "%.0f%%", $0 * 100) } ?? "—"
                h += "<tr><td>\(e(o["officer_id"]?.stringValue ?? ""))</td><td>\(e(o["arrived_at"]?.stringValue ?? "—"))</td><td>\(e(o["cleared_at"]?.stringValue ?? "—"))</td><td>\(cov)</td></tr>"
            }
            h += "</table>"
            let findings = incident["findings"]?.arrayValue ?? []
            if !findings.isEmpty {
                h += "<table><tr><th>\(t("findings"))</th><th>\(t("officer"))</th><th>\(t("start"))</th><th>\(t("seconds"))</th></tr>"
                for f in findings {
                    h += "<tr><td>\(e(f["kind"]?.stringValue ?? ""))</td><td>\(e(f["officer_id"]?.stringValue ?? ""))</td><td>\(e(f["start"]?.stringValue ?? ""))</td><td>\(f["seconds"]?.doubleValue.map { String(Int($0)) } ?? "")</td></tr>"
                }
                h += "</table>"
            }
        }
        h += "<h2>\(t("files"))</h2><table><tr><th>\(t("path"))</th><th>\(t("officer"))</th><th>\(t("start"))</th><th>SHA-256</th></tr>"
        for f in files {
            h += "<tr><td class=\"mono\">\(e(f.path))</td><td>\(e(f.officer))</td><td>\(e(f.start))</td><td class=\"mono\">\(e(f.sha))</td></tr>"
        }
        h += "</table>"
        if !purged.isEmpty {
            h += "<p>\(t("purged")):</p><ul>" + purged.map { "<li class=\"mono\">\(e($0))</li>" }.joined() + "</ul>"
        }
        h += "<h2>\(t("events"))</h2><table><tr><th>#</th><th>\(t("when"))</th><th>\(t("who"))</th><th>\(t("what"))</th><th>\(t("subject"))</th></tr>"
        for c in chain {
            h += "<tr><td>\(c["id"]?.doubleValue.map { String(Int($0)) } ?? "")</td><td>\(e(c["time"]?.stringValue ?? ""))</td><td>\(e(c["actor"]?.stringValue ?? ""))</td>"
            h += "<td>\(e(c["action"]?.stringValue ?? ""))</td><td class=\"mono\">\(e(c["subject"]?.stringValue ?? ""))</td></tr>"
        }
        return h + "</table></body></html>\n"
    }
}
