import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation

/// One run of the nightly compliance audit for one day (issue 7): relink the day and bring
/// its queue items up to date; re-hash the day's hand-ins and the rotation's share of the
/// store; walk the audit chain and check it against its anchors; list (and with `purge`,
/// delete) footage whose retention has run out; write the day's report, and the week's on
/// the configured weekday. Progress goes to `announce` (stderr); the run is itself audited.
struct NightlyAudit {
    let context: Context
    let day: CalendarDay
    var purge = false
    /// Where reports go besides `DATA/reports`.
    var outFolders: [URL] = []
    /// Who runs it: the tombstones' and the audit log's actor.
    var actor = "audit"
    var announce: (String) -> Void = { Console.error("custody audit: " + $0) }

    struct Outcome {
        var integrityProblems: [(item: String, problem: String)] = []
        var officers = 0
        var analysed = 0
        var queueChanges = 0
        var fixityChecked = 0
        var fixityWhy: [FixityTarget.Why: Int] = [:]
        var chainEntries: Int64 = 0
        var anchorsChecked = 0
        var due: [RetentionItem] = []
        var kept: [RetentionItem] = []
        var purged: [Tombstone] = []
        var purgeRefused: String?
        var reportFiles: [String] = []
        var daily: PeriodReport?
    }

    var catalog: Catalog { context.catalog }
    var reportsFolder: URL { context.folder.reports }
    var zone: TimeZone { context.zone }

    func run(now: Date = Date()) async throws -> Outcome {
        var outcome = Outcome()
        let (start, end) = ReportPeriod.day(day).interval(in: zone)
        announce("auditing \(day) (\(zone.configName)): \(Timestamp.format(start)) to \(Timestamp.format(end))")

        // 1. The audit chain and its anchors, before this run adds to it: a log that lost its
        // last entries would otherwise grow new ones under the anchored ids.
        let chain = try await catalog.verifyAuditChain()
        let anchorFile = reportsFolder.appendingPathComponent(ChainAnchor.fileName)
        let (anchors, unreadable) = ChainAnchor.load(anchorFile)
        let anchorProblems = await unreadable + (try catalog.checkAnchors(anchors))
        outcome.anchorsChecked = anchors.count
        outcome.chainEntries = try await catalog.chainHead().entries
        for problem in chain + anchorProblems { outcome.integrityProblems.append(("audit log", problem)) }
        announce("audit chain: \(outcome.chainEntries) entries walked, \(anchors.count) anchor(s) checked, \(chain.count + anchorProblems.count) problem(s)")

        // 2. Clips still waiting for their content analysis (issue 14; watch and serve work the
        // queue as clips arrive, this catches up with what they left), their officers' findings
        // updated; then the day's links, findings and queue items.
        let waiting = try await catalog.analysisCounts()
        if waiting.pending - waiting.working > 0 {
            let analysed = try await ContentAnalysis.workAndRelink(
                catalog: catalog, vault: context.vault, policy: context.config.policy, node: context.config.node.id,
                scratch: context.folder.staging, actor: actor)
            outcome.analysed = analysed.analyzed
            announce("content analysis: \(analysed.analyzed) clip(s) analysed, \(analysed.stretches) stretch(es)"
                + (analysed.gaveUp > 0 ? ", \(analysed.gaveUp) could not be analysed" : ""))
        }
        let officers = try await catalog.officersActive(from: start, to: end)
        outcome.officers = officers.count
        if !officers.isEmpty {
            let summary = try await catalog.relink(officers: officers, policy: context.config.policy, actor: actor)
            outcome.queueChanges = try await catalog.refreshQueue(officers: officers, handling: context.config.policy.handling)
            announce("relinked \(officers.count) officer(s): \(summary.links) link(s), \(summary.findings) finding(s); \(outcome.queueChanges) queue item(s) added or withdrawn")
        } else {
            announce("no calls or clips on \(day): nothing to relink")
        }

        // 3. Fixity, after finishing any purge a crash interrupted.
        try await finishUnfinishedPurges()
        try await checkFixity(now: now, into: &outcome)

        // 4. Retention, as of the end of the audited day.
        try await applyRetention(reference: end, into: &outcome)

        // 5. Reports.
        let daily = try await catalog.periodReport(.day(day), zone: zone, handling: context.config.policy.handling)
        outcome.daily = daily
        outcome.reportFiles += try write(daily)
        if let week = context.config.audit.weeklyPeriod(for: day) {
            await outcome.reportFiles += try write(try catalog.periodReport(week, zone: zone, handling: context.config.policy.handling))
        }
        announce("reports: \(outcome.reportFiles.joined(separator: ", ")) in \(reportsFolder.path)\(outFolders.map { " and \($0.path)" }.joined())")

        // 6. The run on the record, then the chain's new head anchored outside the catalog.
        for (item, problem) in outcome.integrityProblems { announce("INTEGRITY: \(item): \(problem)") }
        try await catalog.audit(actor: actor, action: "audited", subject: "day:\(day)", detail: summaryDetail(outcome))
        let head = try await catalog.chainHead()
        try ChainAnchor.append(ChainAnchor(day: day.description, entries: head.entries, head: head.head, writtenAt: now), to: anchorFile)
        try writeEverywhere("audit-\(day).json", await Data((record(outcome, now: now).rendered + "\n").utf8), alsoInReports: true)
        for folder in outFolders {
            if let anchors = FileManager.default.contents(atPath: anchorFile.path) {
                try DurableFile.write(anchors, to: folder.appendingPathComponent(ChainAnchor.fileName))
            }
        }
        return outcome
    }

    // MARK: - Fixity

    private func finishUnfinishedPurges() async throws {
        for tombstone in try await catalog.unfinishedPurges() {
            try await removeStored(tombstone.storedPath)
            try await catalog.fileRemoved(sha256: tombstone.sha256)
            announce("finished removing \(tombstone.storedPath), purged \(Timestamp.format(tombstone.purgedAt))")
        }
    }

    private func checkFixity(now: Date, into outcome: inout Outcome) async throws {
        let cycle = context.config.audit.fixityCycleDays
        let due = try await catalog.fixityDue(day: day, zone: zone, cycleDays: cycle, now: now)
        for target in due { outcome.fixityWhy[target.why, default: 0] += 1 }
        let why = FixityTarget.Why.allCases.compactMap { w in outcome.fixityWhy[w].map { "\($0) \(w.rawValue.replacingOccurrences(of: "_", with: " "))" } }
        announce("fixity: \(due.count) stored file(s) to re-hash (\(why.isEmpty ? "none due" : why.joined(separator: ", ")); cycle \(cycle) days)")
        let vault = context.vault
        var results: [(target: FixityTarget, problem: String?)] = []
        let progress = Progress(total: due.count, label: "custody audit: fixity: re-hashed")
        await OrderedParallel.forEach(count: due.count, width: Verify.width(vault), work: { i in
            await Fixity.problem(vault: vault, key: due[i].storedPath, sha256: due[i].sha256, size: due[i].size)
        }) { i, problem in
            results.append((due[i], problem))
            if let problem { outcome.integrityProblems.append((due[i].storedPath, problem)) }
            progress.step(bytes: due[i].size)
        }
        progress.finish()
        try await catalog.recordFixity(results, actor: actor, now: now)
        outcome.fixityChecked = due.count
    }

    // MARK: - Retention

    /// Deletes a purged original (and a quarantine note beside it) from the vault.
    private func removeStored(_ key: String) async throws {
        try await context.vault.remove(key)
        if key.hasPrefix("quarantine/") { try? await context.vault.remove(key + ".reason.txt") }
    }

    private func applyRetention(reference: Date, into outcome: inout Outcome) async throws {
        let policy = context.config.retention
        let (due, kept) = try await catalog.retentionReview(policy: policy, reference: reference)
        outcome.due = due
        outcome.kept = kept
        announce("retention (default \(policy.defaultDays) days, as of \(Timestamp.format(reference))): \(due.count) clip(s) due, \(kept.count) past the default kept by a longer class")
        for item in due.prefix(50) {
            announce("  due: \(item.storedPath) recorded \(Timestamp.format(item.recordedAt)), \(item.retentionClass), expired \(item.expires.map(Timestamp.format) ?? "-")")
        }
        if due.count > 50 { announce("  … and \(due.count - 50) more (reports/audit-\(day).json lists them all)") }
        guard purge, !due.isEmpty else { return }
        guard outcome.integrityProblems.isEmpty else {
            // Deletions are recorded in the audit log: not into a log or a store that fails its checks.
            outcome.purgeRefused = "integrity problems were found; nothing was deleted"
            announce("--purge refused: \(outcome.purgeRefused!)")
            return
        }
        for item in due {
            let context = "deleted by custody audit --purge for \(day)"
            guard let tombstone = try await catalog.recordPurge(sha256: item.sha256, policy: policy, reference: reference, by: actor, context: context) else {
                announce("  kept \(item.storedPath): no longer due (a hold or a link was added)")
                continue
            }
            try await removeStored(tombstone.storedPath)
            try await catalog.fileRemoved(sha256: tombstone.sha256)
            outcome.purged.append(tombstone)
        }
        announce("purged \(outcome.purged.count) clip(s), each with a tombstone and an audit entry")
    }

    // MARK: - Output

    /// Writes the report's four files; returns the JSON's name for the summary.
    private func write(_ report: PeriodReport) throws -> [String] {
        let stem = report.period.fileStem
        try writeEverywhere("\(stem).json", Data(report.jsonText.utf8), alsoInReports: true)
        try writeEverywhere("\(stem).csv", Data(report.csvText.utf8), alsoInReports: true)
        for language in ReportLanguage.allCases {
            try writeEverywhere("\(stem).\(language.rawValue).html", Data(report.htmlDocument(language).utf8), alsoInReports: true)
        }
        return [stem]
    }

    /// Writes durably; a file that already holds these bytes is left as it is.
    private func writeEverywhere(_ name: String, _ data: Data, alsoInReports: Bool) throws {
        for folder in (alsoInReports ? [reportsFolder] : []) + outFolders {
            let url = folder.appendingPathComponent(name)
            if FileManager.default.contents(atPath: url.path) == data { continue }
            try DurableFile.write(data, to: url)
        }
    }

    private func summaryDetail(_ o: Outcome) -> JSONValue {
        var d = JSONObjectBuilder()
        d.add("officers_relinked", o.officers)
        d.add("clips_analysed", o.analysed)
        d.add("fixity_checked", o.fixityChecked)
        d.add("integrity_problems", o.integrityProblems.count)
        d.add("retention_due", o.due.count)
        d.add("purged", o.purged.count)
        d.add("reports", .array(o.reportFiles.map { .string($0) }))
        return d.value
    }

    /// `reports/audit-DAY.json`: what this run checked and found (unlike the reports, it says when it ran).
    private func record(_ o: Outcome, now: Date) async throws -> JSONValue {
        var r = JSONObjectBuilder()
        r.add("day", day.description)
        r.add("time_zone", zone.configName)
        r.add("ran_at", Timestamp.format(now))
        r.add("actor", actor)
        r.add("officers_relinked", o.officers)
        r.add("clips_analysed", o.analysed)
        r.add("queue_items_changed", o.queueChanges)
        r.add("fixity", .object([
            ("checked", .int(Int64(o.fixityChecked))),
            ("by_reason", .object(FixityTarget.Why.allCases.map { ($0.rawValue, .int(Int64(o.fixityWhy[$0] ?? 0))) })),
            ("cycle_days", .int(Int64(context.config.audit.fixityCycleDays))),
        ]))
        let head = try await catalog.chainHead()
        r.add("chain", .object([("entries", .int(head.entries)), ("head", .string(head.head)), ("anchors_checked", .int(Int64(o.anchorsChecked)))]))
        r.add("integrity_problems", .array(o.integrityProblems.map { .object([("item", .string($0.item)), ("problem", .string($0.problem))]) }))
        var retention = JSONObjectBuilder()
        retention.add("default_days", context.config.retention.defaultDays)
        retention.add("due", .array(o.due.map(\.jsonValue)))
        // Counted, not listed: footage kept for good accumulates without end.
        let kept = Dictionary(grouping: o.kept, by: \.retentionClass.description).mapValues(\.count)
        retention.add("kept_by_longer_class", .object(kept.keys.sorted().map { ($0, .int(Int64(kept[$0]!))) }))
        retention.add("purge_requested", .bool(purge))
        retention.add("purge_refused", o.purgeRefused, null: true)
        retention.add("purged", .array(o.purged.map(\.jsonValue)))
        r.add("retention", retention.value)
        r.add("reports", .array(o.reportFiles.map { .string($0) }))
        return r.value
    }

    /// The one line `custody audit` prints on stdout.
    /// One line: the day and the zone it was cut in, then each part's figures.
    static func summaryLine(_ day: CalendarDay, zone: TimeZone, _ o: Outcome) -> String {
        var parts: [String] = []
        if let f = o.daily?.total.current {
            func share(_ v: Double?) -> String { v.map { String(format: " (%.1f%%)", $0 * 100) } ?? "" }
            parts.append("\(f.callsJudged) call(s) judged, \(f.withFootage) with footage\(share(f.withFootageShare)), \(f.fullyCovered) fully covered\(share(f.fullyCoveredShare)), \(f.findingsTotal) finding(s)")
        }
        parts.append("fixity \(o.fixityChecked) file(s) re-hashed")
        parts.append("audit chain \(o.chainEntries) entries")
        parts.append("retention \(o.due.count) due, \(o.purged.count) purged")
        parts.append("reports \(o.reportFiles.joined(separator: " "))")
        var line = "audit \(day) (\(zone.configName)): " + parts.joined(separator: "; ")
        if o.integrityProblems.isEmpty {
            line += "; integrity ok"
        } else {
            line += "; INTEGRITY FAILURE: " + o.integrityProblems.map { "\($0.item): \($0.problem)" }.joined(separator: "; ")
        }
        return line
    }
}
