import CustodyCore
import CustodyStore
import Foundation
import Hummingbird
import Mustache

/// Builds each page's template values.
extension CustodyServer {
    func queuePage(_ request: Request, _ p: Page, _ user: User) async throws -> Response {
        let q = request.uri.queryParameters
        let state = q["state"].map(String.init).flatMap { ["open", "claimed", "closed", "all"].contains($0) ? $0 : nil } ?? "open"
        let pageNumber = max(1, q["page"].flatMap { Int($0) } ?? 1)
        let size = 50
        let result = try await db { c in try await c.queue(state: state == "all" ? nil : state, limit: size, offset: (pageNumber - 1) * size) }
        let counts = try await db { c in try await c.serverFigures() }.queue
        let tabs: [[String: Any]] = ["open", "claimed", "closed", "all"].map { key in
            ["key": key, "label": p.language[key], "active": key == state,
             "count": key == "all" ? counts.values.reduce(0, +) : counts[key] ?? 0]
        }
        let items: [[String: Any]] = result.items.map { item in
            var row: [String: Any] = [
                "id": item.id, "priority": item.priority, "reason_label": p.language["reason_\(item.reason)"],
                "officer": item.officerID ?? "—", "occurred": HTML.localTime(item.occurredAt?.timeIntervalSince1970, zone: config.timeZone),
                "state_label": p.language[item.state], "claimed_by": item.claimedBy ?? "",
                "can_claim": item.state == "open" && Access.review.contains(user.role),
                "view_link": (item.incidentID.map { Link.incident($0, item: item.id) } ?? item.clipSHA256.map { Link.clip($0, item: item.id) }) ?? "/queue",
            ]
            if let incident = item.incidentID { row["incident_id"] = incident; row["incident_link"] = Link.incident(incident, item: item.id) }
            if item.incidentID == nil, let sha = item.clipSHA256 { row["clip_link"] = Link.clip(sha, item: item.id); row["clip_short"] = String(sha.prefix(12)) }
            if let lease = item.leaseUntil { row["lease"] = HTML.clock(lease.timeIntervalSince1970, zone: config.timeZone) }
            return row
        }
        let first = (pageNumber - 1) * size
        var values: [String: Any] = [
            "items": items, "empty": items.isEmpty, "total": result.total, "tabs": tabs,
            "items_word": p.language[result.total == 1 ? "item" : "items"],
            "range": items.isEmpty ? "" : "\(first + 1)–\(first + items.count) / \(result.total)",
        ]
        if pageNumber > 1 { values["prev"] = "/queue?state=\(state)&page=\(pageNumber - 1)" }
        if first + items.count < result.total { values["next"] = "/queue?state=\(state)&page=\(pageNumber + 1)" }
        return render("queue", values, page: p, title: p.language["queue"])
    }

    func incidentPage(_ request: Request, _ p: Page, _ user: User, _ id: String, _ detail: JSONValue) async throws -> Response {
        let zone = config.timeZone
        let clips = detail["clips"]?.arrayValue ?? []
        let findings = detail["findings"]?.arrayValue ?? []
        func time(_ v: JSONValue?) -> Double? { v?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }?.timeIntervalSince1970 }
        let officers: [[String: Any]] = (detail["officers"]?.arrayValue ?? []).map { row in
            let officer = row["officer_id"]?.stringValue ?? ""
            let mine = clips.filter { $0["officer_id"]?.stringValue == officer }
            let theirFindings = findings.filter { $0["officer_id"]?.stringValue == officer }
            var window: (Double, Double)? = nil
            if let a = time(row["arrived_at"]), let c = time(row["cleared_at"]) {
                window = (config.policy.windowStart == .dispatched ? (time(row["dispatched_at"]) ?? a) : a, c)
            }
            let clipMarks = mine.compactMap { c -> Timeline.Mark? in
                guard let s = time(c["start"]), let e = time(c["end"]) else { return nil }
                return Timeline.Mark(start: s, end: e, label: "\(HTML.clock(s, zone: zone)) – \(HTML.clock(e, zone: zone))")
            }
            let gapMarks = theirFindings.compactMap { f -> Timeline.Mark? in
                guard f["kind"]?.stringValue != "late_upload", let s = time(f["start"]), let e = time(f["end"]) else { return nil }
                return Timeline.Mark(start: s, end: e, label: "\(p.language["reason_" + (f["kind"]?.stringValue ?? "")]) \(HTML.duration(e - s))")
            }
            let rows: [[String: Any]] = theirFindings.map { f in
                let kind = f["kind"]?.stringValue ?? ""
                let s = time(f["start"]) ?? 0, e = time(f["end"]) ?? 0
                var r: [String: Any] = [
                    "label": p.language["reason_\(kind)"], "priority": Review.priorities[kind] ?? 4,
                    "start": HTML.localTime(s, zone: zone), "end": HTML.localTime(e, zone: zone), "length": HTML.duration(e - s),
                ]
                // Jump to a few seconds before the gap, in the clip that ends where it begins.
                if kind != "late_upload", let before = mine.last(where: { (time($0["end"]) ?? 0) <= s + 2 && (time($0["end"]) ?? 0) >= s - 5 }),
                   let sha = before["sha256"]?.stringValue, let cs = time(before["start"]) {
                    r["jump_clip"] = sha
                    r["jump_at"] = String(format: "%.0f", max(0, s - cs - 5))
                } else if kind != "late_upload", let after = mine.first(where: { abs((time($0["start"]) ?? 0) - e) <= 2 }),
                          let sha = after["sha256"]?.stringValue {
                    // A late start: the recording that finally began.
                    r["jump_clip"] = sha
                    r["jump_at"] = "0"
                } else if kind == "late_upload", let sha = f["clip_sha256"]?.stringValue {
                    r["jump_clip"] = sha
                    r["jump_at"] = "0"
                }
                return r
            }
            // The call's handling (issue 15) under its recording findings: slow steps, and a
            // call never reached or never closed as of now.
            let handlingRows: [[String: Any]] = (detail["handling"]?.arrayValue ?? []).filter { $0["officer_id"]?.stringValue == officer }.map { f in
                let kind = f["kind"]?.stringValue ?? ""
                let s = time(f["start"]) ?? 0, e = time(f["end"]) ?? 0
                return [
                    "label": p.language["reason_\(kind)"], "priority": Review.priorities[kind] ?? 4,
                    "start": HTML.localTime(s, zone: zone), "end": HTML.localTime(e, zone: zone), "length": HTML.duration(e - s),
                ]
            }
            var values: [String: Any] = [
                "officer_id": officer, "judged": row["judged"]?.boolValue ?? false,
                "svg": Timeline(window: window, clips: clipMarks, gaps: gapMarks, zone: zone).svg(), "findings": rows + handlingRows,
            ]
            if let c = row["coverage"]?.doubleValue { values["coverage"] = String(format: "%.0f%%", c * 100) }
            return values
        }
        let clipCards: [[String: Any]] = clips.map { c in
            ["sha": c["sha256"]?.stringValue ?? "", "officer": c["officer_id"]?.stringValue ?? "—",
             "start": HTML.clock(time(c["start"]) ?? 0, zone: zone), "length": HTML.duration(c["duration"]?.doubleValue ?? 0)]
        }
        let asked = request.uri.queryParameters["item"].flatMap { Int64($0) }
        let itemID = if let asked { asked } else { try await db { c in try await c.reviewItemID(incident: id, officer: nil) } }
        var values: [String: Any] = [
            "incident_id": id, "officers": officers, "clips": clipCards, "zone": zone.identifier,
            "review": try await reviewPanel(itemID, p, user),
        ]
        for key in ["category", "station", "location"] { if let v = detail[key]?.stringValue { values[key] = v } }
        return render("incident", values, page: p, title: "\(p.language["incident"]) \(id)")
    }

    func clipPage(_ request: Request, _ p: Page, _ user: User, _ evidence: EvidenceRecord) async throws -> Response {
        let detail = try await db { c in try await c.clipDetail(evidence) }
        let zone = config.timeZone
        let receipts: [[String: Any]] = (detail["receipts"]?.arrayValue ?? []).map { r in
            ["received": HTML.localTime(r["received_at"]?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }?.timeIntervalSince1970, zone: zone),
             "name": r["original_name"]?.stringValue ?? "", "method": r["method"]?.stringValue ?? ""]
        }
        let asked = request.uri.queryParameters["item"].flatMap { Int64($0) }
        let itemID = if let asked { asked } else { try await db { c in try await c.reviewItemID(clip: evidence.sha256) } }
        let review = Access.read.contains(user.role) ? try await reviewPanel(itemID, p, user) : ""
        let values: [String: Any] = [
            "sha": evidence.sha256, "sha_short": String(evidence.sha256.prefix(16)), "officer": evidence.officerID ?? "—",
            "start": HTML.localTime(evidence.probe.startTime?.timeIntervalSince1970, zone: zone),
            "length": HTML.duration(evidence.probe.duration ?? 0), "integrity": evidence.probe.integrity.rawValue,
            "incidents": (detail["incidents"]?.arrayValue ?? []).compactMap(\.stringValue).map { ["id": $0, "link": Link.incident($0)] }, "receipts": receipts,
            "review": review,
        ]
        return render("clip", values, page: p, title: p.language["clip"])
    }

    /// The review box: claim, the verdict form for the holder, or the recorded verdict.
    func reviewPanel(_ id: Int64?, _ p: Page, _ user: User) async throws -> String {
        var values: [String: Any] = ["t": p.language.strings, "csrf": csrf(for: p.sessionToken)]
        guard let id, let item = try await db({ c in try await c.reviewItem(id) }) else {
            values["no_item"] = true
            return Self.library.render(values, withTemplate: "review") ?? ""
        }
        values["id"] = id
        let reviewer = Access.review.contains(user.role)
        switch item.state {
        case "closed":
            values["reviewed"] = true
            values["verdict_label"] = p.language["verdict_\(item.verdict ?? "")"]
            values["reviewed_by"] = item.reviewedBy ?? ""
            values["reviewed_at"] = HTML.localTime(item.reviewedAt?.timeIntervalSince1970, zone: config.timeZone)
            values["checklist"] = item.checklist.map { p.language["check_\($0)"] }
            if let note = item.note { values["note"] = note }
            values["can_reopen"] = user.role == .supervisor
        case "claimed" where item.claimedBy == user.name:
            values["mine"] = true
            values["verdicts"] = ["violation", "compliant", "justified"].map { ["code": $0, "label": p.language["verdict_\($0)"]] }
            values["codes"] = Review.checklistCodes.map { ["code": $0, "label": p.language["check_\($0)"]] }
        case "claimed":
            values["held_by_other"] = true
            values["claimed_by"] = item.claimedBy ?? ""
        default:
            values["claimable"] = reviewer
        }
        return Self.library.render(values, withTemplate: "review") ?? ""
    }
}
