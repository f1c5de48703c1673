import CustodyCore
import CustodyStore
import Foundation
import Hummingbird
import Mustache

/// Builds each page's template values.
extension CustodyServer {
    func incidentPage(_ request: Request, _ p: Page, _ user: User, _ id: String, _ detail: JSONValue) async throws -> Response {
        let zone = config.timeZone
        let l = p.language
        let clips = detail["clips"]?.arrayValue ?? []
        let findings = detail["findings"]?.arrayValue ?? []
        func time(_ v: JSONValue?) -> Double? { v?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }?.timeIntervalSince1970 }
        let rows = detail["officers"]?.arrayValue ?? []
        let officers: [[String: Any]] = rows.map { row in
            let officer = row["officer_id"]?.stringValue ?? ""
            let mine = clips.filter { $0["officer_id"]?.stringValue == officer }
            var window: (Double, Double)? = nil
            if let a = time(row["arrived_at"]), let c = time(row["cleared_at"]) {
                window = (config.policy.windowStart == .dispatched ? (time(row["dispatched_at"]) ?? a) : a, c)
            }
            // A unit dispatched more than once: each attendance shows the findings about its own window.
            let attendance = row["attendance"]?.intValue
            let theirFindings = findings.filter { f in
                guard f["officer_id"]?.stringValue == officer else { return false }
                guard attendance != nil, let window, let s = time(f["start"]), let e = time(f["end"]) else { return true }
                return e >= window.0 - 600 && s <= window.1 + 600
            }
            let clipMarks = mine.compactMap { c -> Timeline.Mark? in
                guard let s = time(c["start"]), let e = time(c["end"]) else { return nil }
                return Timeline.Mark(start: s, end: e, label: "\(HTML.clock(s, zone: zone)) – \(HTML.clock(e, zone: zone))")
            }
            let stretchMarks = mine.flatMap { c -> [(kind: String, mark: Timeline.Mark)] in
                (c["stretches"]?.arrayValue ?? []).compactMap { st in
                    guard let kind = st["kind"]?.stringValue, let s = time(st["start"]), let e = time(st["end"]) else { return nil }
                    return (kind, Timeline.Mark(start: s, end: e, label: "\(l["stretch_" + kind]) \(HTML.clock(s, zone: zone)) – \(HTML.clock(e, zone: zone)) (\(HTML.span(e - s, l)))"))
                }
            }
            let gapMarks = theirFindings.compactMap { f -> Timeline.Mark? in
                // Gaps are the coverage kinds: what the camera saw is drawn over the clips.
                // (A short pre-event buffer is about the recorder's settings, not a gap.)
                guard f["kind"]?.stringValue != "late_upload", f["kind"]?.stringValue != "no_prebuffer",
                      !(FindingKind(rawValue: f["kind"]?.stringValue ?? "")?.isContent ?? false),
                      let s = time(f["start"]), let e = time(f["end"]) else { return nil }
                return Timeline.Mark(start: s, end: e, label: "\(l["reason_" + (f["kind"]?.stringValue ?? "")]) \(HTML.span(e - s, l))")
            }
            let rows: [[String: Any]] = theirFindings.map { f in
                let kind = f["kind"]?.stringValue ?? ""
                let s = time(f["start"]) ?? 0, e = time(f["end"]) ?? 0
                let corrected = f["clock_corrected_seconds"]?.doubleValue.map { " · " + l["clock_corrected"].replacingOccurrences(of: "{s}", with: String(format: "%+.0f", $0)) } ?? ""
                var r: [String: Any] = [
                    "label": l["reason_\(kind)"] + corrected, "priority": Review.priorities[kind] ?? 4,
                    "start": HTML.localTime(s, zone: zone), "end": HTML.localTime(e, zone: zone), "length": HTML.span(e - s, l),
                    "jump_label": l["jump_to_gap"],
                ]
                if kind == "late_upload" {
                    // Not a gap in the footage: the clip reached the vault late. Its start is
                    // when the recording ended, its end when the file arrived.
                    r["start"] = l["recording_ended"] + " " + HTML.localTime(s, zone: zone)
                    r["end"] = l["uploaded_at"] + " " + HTML.localTime(e, zone: zone)
                    r["length"] = l["late_by"].replacingOccurrences(of: "{span}", with: HTML.span(e - s, l))
                    if let sha = f["clip_sha256"]?.stringValue {
                        r["jump_clip"] = sha
                        r["jump_at"] = "0"
                        r["jump_label"] = l["play_clip"]
                    }
                } else if kind == "no_prebuffer", let sha = f["clip_sha256"]?.stringValue {
                    // The recording that began with too little buffer: play it from its start.
                    r["jump_clip"] = sha
                    r["jump_at"] = "0"
                    r["jump_label"] = l["play_clip"]
                } else if FindingKind(rawValue: kind)?.isContent == true, let sha = f["clip_sha256"]?.stringValue,
                          let clip = mine.first(where: { $0["sha256"]?.stringValue == sha }), let cs = time(clip["start"]) {
                    // What the camera saw: play the clip from the start of the stretch.
                    r["jump_clip"] = sha
                    r["jump_at"] = String(format: "%.0f", max(0, s - cs))
                    r["jump_label"] = l["watch_stretch"]
                } else if let before = mine.last(where: { (time($0["end"]) ?? 0) <= s + 2 && (time($0["end"]) ?? 0) >= s - 5 }),
                          let sha = before["sha256"]?.stringValue, let cs = time(before["start"]) {
                    // Jump to a few seconds before the gap, in the clip that ends where it begins.
                    r["jump_clip"] = sha
                    r["jump_at"] = String(format: "%.0f", max(0, s - cs - 5))
                } else if let after = mine.first(where: { abs((time($0["start"]) ?? 0) - e) <= 2 }), let sha = after["sha256"]?.stringValue {
                    // A late start: the recording that finally began.
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
                    "label": l["reason_\(kind)"], "priority": Review.priorities[kind] ?? 4,
                    "start": HTML.localTime(s, zone: zone), "end": HTML.localTime(e, zone: zone), "length": HTML.span(e - s, l),
                ]
            }
            var values: [String: Any] = [
                "officer_id": officer, "judged": row["judged"]?.boolValue ?? false,
                "svg": Timeline(
                    window: window, clips: clipMarks, gaps: gapMarks, zone: zone, stretches: stretchMarks,
                    legend: Dictionary(uniqueKeysWithValues: ContentKind.allCases.map { ($0.rawValue, l["stretch_" + $0.rawValue]) }),
                    bookmarks: (detail["bookmarks"]?.arrayValue ?? []).filter { $0["officer_id"]?.stringValue == officer }.compactMap { b in
                        guard let at = time(b["start"]) else { return nil }
                        return Timeline.Mark(start: at, end: at, label: "\(l["bookmarks"]) \(HTML.clock(at, zone: zone)) \(b["label"]?.stringValue ?? "")")
                    }
                ).svg(),
                "findings": rows + handlingRows,
            ]
            if let attendance { values["attendance"] = l["attendance_n"].replacingOccurrences(of: "{n}", with: String(attendance)) }
            if let c = row["coverage"]?.doubleValue { values["coverage"] = String(format: "%.0f%%", c * 100) }
            if let u = row["usable_coverage"]?.doubleValue { values["usable_coverage"] = String(format: "%.0f%%", u * 100) }
            return values
        }
        let dispatch: [[String: Any]] = rows.map { row in
            var r: [String: Any] = ["officer_id": row["officer_id"]?.stringValue ?? ""]
            if let n = row["attendance"]?.intValue {
                r["attendance"] = l["attendance_n"].replacingOccurrences(of: "{n}", with: String(n))
                r["repeat"] = n > 1
            }
            for (key, column) in [("received", "received_at"), ("dispatched", "dispatched_at"), ("arrived", "arrived_at"), ("cleared", "cleared_at")] {
                r[key] = HTML.localTime(time(row[column]), zone: zone)
            }
            if let a = time(row["arrived_at"]), let c = time(row["cleared_at"]) { r["on_scene"] = HTML.span(c - a, l) } else { r["on_scene"] = "—" }
            return r
        }
        let clipCards: [[String: Any]] = clips.map { c in
            ["sha": c["sha256"]?.stringValue ?? "", "officer": c["officer_id"]?.stringValue ?? "—",
             "start": HTML.clock(time(c["start"]) ?? 0, zone: zone), "length": HTML.span(c["duration"]?.doubleValue ?? 0, l),
             "estimate": c["time_source"]?.stringValue == "mtime"]
        }
        let asked = request.uri.queryParameters["item"].flatMap { Int64($0) }
        let itemID = if let asked { asked } else { try await db { c in try await c.reviewItemID(incident: id, officer: nil) } }
        let saved = request.uri.queryParameters["saved"] != nil
        let item = if let itemID { try await db { c in try await c.reviewItem(itemID) } } else { nil as ReviewItem? }
        var values: [String: Any] = [
            "incident_id": id, "officers": officers, "clips": clipCards, "zone": zone.configName, "dispatch": dispatch,
            "review": try await reviewPanel(item, p, user, saved: saved),
            "can_request": Access.requestReview.contains(user.role), "can_export": Access.export.contains(user.role),
        ]
        if let item {
            values["item_about"] = "#\(item.id) · \(l["reason_\(item.reason)"])" + (item.officerID.map { " · \(l["officer"]) \($0)" } ?? "")
        } else {
            values["no_open_item"] = true
        }
        if Access.readHolds.contains(user.role) {
            let shas = Set(clips.compactMap { $0["sha256"]?.stringValue })
            let holds = try await db { c in try await c.holds(activeOnly: true) }.filter { $0.incidentID == id || $0.clipSHA256.map(shas.contains) == true }
            values["holds"] = holds.map { holdRow($0, p) }
            values["has_holds"] = !holds.isEmpty
        }
        for key in ["category", "station", "location", "priority"] { if let v = detail[key]?.stringValue { values[key] = v } }
        return render("incident", values, page: p, title: "\(l["incident"]) \(id)")
    }

    /// A hold as a line on the clip, incident and holds pages.
    func holdRow(_ hold: Hold, _ p: Page) -> [String: Any] {
        var row: [String: Any] = [
            "id": hold.id, "kind": p.language["hold_\(hold.kind.rawValue)"], "reason": hold.reason, "placed_by": hold.placedBy,
            "placed_at": HTML.localTime(hold.placedAt.timeIntervalSince1970, zone: config.timeZone), "active": hold.isActive,
            "what": hold.incidentID.map { "\(p.language["incident"]) \($0)" } ?? hold.clipSHA256.map { "\(p.language["clip"]) \($0.prefix(12))…" } ?? "",
        ]
        if let incident = hold.incidentID { row["incident_link"] = Link.incident(incident) }
        if let clip = hold.clipSHA256 { row["clip_link"] = Link.clip(clip) }
        if let by = hold.releasedBy { row["released"] = "\(by) · \(HTML.localTime(hold.releasedAt?.timeIntervalSince1970, zone: config.timeZone)) · \(hold.releaseReason ?? "")" }
        return row
    }

    func clipPage(_ request: Request, _ p: Page, _ user: User, _ evidence: EvidenceRecord) async throws -> Response {
        let detail = try await db { c in try await c.clipDetail(evidence) }
        let zone = config.timeZone
        let receipts: [[String: Any]] = (detail["receipts"]?.arrayValue ?? []).map { r in
            ["received": HTML.localTime(r["received_at"]?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }?.timeIntervalSince1970, zone: zone),
             "name": r["original_name"]?.stringValue ?? "", "method": p.language["method_\(r["method"]?.stringValue ?? "")"]]
        }
        let asked = request.uri.queryParameters["item"].flatMap { Int64($0) }
        let itemID = if let asked { asked } else { try await db { c in try await c.reviewItemID(clip: evidence.sha256) } }
        var review = ""
        if Access.read.contains(user.role) {
            let item = if let itemID { try await db { c in try await c.reviewItem(itemID) } } else { nil as ReviewItem? }
            review = try await reviewPanel(item, p, user, saved: request.uri.queryParameters["saved"] != nil)
        }
        var values: [String: Any] = [
            "sha": evidence.sha256, "sha_short": String(evidence.sha256.prefix(16)), "officer": evidence.officerID ?? "—",
            "start": HTML.localTime(evidence.probe.startTime?.timeIntervalSince1970, zone: zone),
            "length": HTML.span(evidence.probe.duration ?? 0, p.language), "integrity": p.language["integrity_\(evidence.probe.integrity.rawValue)"],
            "estimate": evidence.probe.timeSource == .mtime, "can_custody": Access.audit.contains(user.role) || Access.read.contains(user.role),
            "incidents": (detail["incidents"]?.arrayValue ?? []).compactMap(\.stringValue).map { ["id": $0, "link": Link.incident($0)] }, "receipts": receipts,
            "review": review, "can_export": Access.export.contains(user.role),
        ]
        contentValues(detail["content"], evidence, p.language, into: &values)
        recorderValues(detail["recorder"], evidence, p.language, into: &values)
        if Access.readHolds.contains(user.role) {
            let incidents = Set((detail["incidents"]?.arrayValue ?? []).compactMap(\.stringValue))
            let holds = try await db { c in try await c.holds(activeOnly: true) }
                .filter { $0.clipSHA256 == evidence.sha256 || $0.incidentID.map(incidents.contains) == true }
            values["holds"] = holds.map { holdRow($0, p) }
            values["has_holds"] = !holds.isEmpty
        }
        return render("clip", values, page: p, title: p.language["clip"])
    }

    /// The clip page's "what the recorder reported" (issue 16): why and when it started and
    /// stopped, its pre-event buffer, model, firmware and zone, its GNSS trail drawn as a track,
    /// and its bookmarks, each with a button that plays the clip from there.
    func recorderValues(_ recorder: JSONValue?, _ evidence: EvidenceRecord, _ l: Language, into values: inout [String: Any]) {
        guard let recorder, recorder != .null else { return }
        let zone = config.timeZone
        func time(_ key: String) -> String {
            HTML.localTime(recorder[key]?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }?.timeIntervalSince1970, zone: zone)
        }
        values["recorder"] = true
        values["trigger_on"] = [recorder["trigger_on"]?.stringValue ?? "—", time("trigger_on_time")].joined(separator: " · ")
        values["trigger_off"] = [recorder["trigger_off"]?.stringValue ?? "—", time("trigger_off_time")].joined(separator: " · ")
        if let seconds = recorder["prebuffer_seconds"]?.doubleValue {
            var text = HTML.span(seconds, l)
            let required = config.policy.prebufferRequiredSeconds
            if required > 0 && seconds < required {
                text += " (" + l["prebuffer_short"].replacingOccurrences(of: "{n}", with: String(format: "%.0f", required)) + ")"
                values["prebuffer_short"] = true
            }
            values["prebuffer"] = text
        }
        values["camera_model"] = [recorder["model"]?.stringValue, recorder["firmware"]?.stringValue].compactMap { $0 }.joined(separator: " / ")
        values["camera_zone"] = recorder["time_zone"]?.stringValue ?? "—"
        let points = (recorder["gnss"]?.arrayValue ?? []).compactMap { p -> (lon: Double, lat: Double, label: String)? in
            guard let lon = p["lon"]?.doubleValue, let lat = p["lat"]?.doubleValue else { return nil }
            let at = p["time"]?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }.map { HTML.clock($0.timeIntervalSince1970, zone: zone) } ?? ""
            return (lon, lat, at)
        }
        if !points.isEmpty {
            values["gnss_svg"] = Self.trackSVG(points)
            values["gnss_count"] = l["track_points"].replacingOccurrences(of: "{n}", with: String(points.count))
        }
        let clipStart = evidence.probe.startTime?.timeIntervalSince1970
        let bookmarks: [[String: Any]] = (recorder["bookmarks"]?.arrayValue ?? []).map { b in
            let at = b["start"]?.stringValue.flatMap { Timestamp.parse($0, zone: zone) }?.timeIntervalSince1970
            var row: [String: Any] = [
                "at": HTML.localTime(at, zone: zone), "category": b["category"]?.stringValue ?? "", "text": b["text"]?.stringValue ?? "",
                "tags": b["tags"]?.stringValue ?? "",
            ]
            if let at, let clipStart, at >= clipStart, at <= clipStart + (evidence.probe.duration ?? 0) {
                row["offset"] = String(format: "%.1f", at - clipStart)
            }
            return row
        }
        values["bookmarks"] = bookmarks
        values["has_bookmarks"] = !bookmarks.isEmpty
    }

    /// A GNSS trail as a small SVG track: north up, equal scale both ways, start and end marked.
    static func trackSVG(_ points: [(lon: Double, lat: Double, label: String)]) -> String {
        let w = 320.0, h = 200.0, pad = 12.0
        let lats = points.map(\.lat), lons = points.map(\.lon)
        let midLat = (lats.min()! + lats.max()!) / 2
        let kx = cos(midLat * .pi / 180)  // a degree of longitude is shorter away from the equator
        let spanX = max((lons.max()! - lons.min()!) * kx, 1e-6), spanY = max(lats.max()! - lats.min()!, 1e-6)
        let scale = min((w - 2 * pad) / spanX, (h - 2 * pad) / spanY)
        func x(_ p: (lon: Double, lat: Double, label: String)) -> Double { pad + (p.lon - lons.min()!) * kx * scale }
        func y(_ p: (lon: Double, lat: Double, label: String)) -> Double { h - pad - (p.lat - lats.min()!) * scale }
        let line = points.map { String(format: "%.1f,%.1f", x($0), y($0)) }.joined(separator: " ")
        var svg = "<svg id=\"gnss-track\" viewBox=\"0 0 \(Int(w)) \(Int(h))\" width=\"100%\" role=\"img\">"
        svg += "<rect width=\"\(Int(w))\" height=\"\(Int(h))\" fill=\"#f4f6f8\"/>"
        svg += "<polyline points=\"\(line)\" fill=\"none\" stroke=\"#2c7be5\" stroke-width=\"2.5\" stroke-linejoin=\"round\"/>"
        for (i, p) in points.enumerated() {
            let r = i == 0 || i == points.count - 1 ? 5.0 : 2.5
            let fill = i == 0 ? "#27ae60" : i == points.count - 1 ? "#e74c3c" : "#2c7be5"
            svg += "<circle cx=\"\(String(format: "%.1f", x(p)))\" cy=\"\(String(format: "%.1f", y(p)))\" r=\"\(r)\" fill=\"\(fill)\">"
            svg += "<title>\(HTML.escape(p.label)) \(String(format: "%.6f, %.6f", p.lat, p.lon))</title></circle>"
        }
        return svg + "</svg>"
    }

    /// The clip page's "what the camera saw" (issue 14): the analysis state, a chart of the
    /// picture's brightness and the sound's level over the clip with its stretches shaded, and
    /// the stretches with a button that plays each.
    func contentValues(_ content: JSONValue?, _ evidence: EvidenceRecord, _ l: Language, into values: inout [String: Any]) {
        guard let content, content != .null else { return }
        switch content["state"]?.stringValue {
        case "done": values["content_done"] = true
        case "failed":
            values["content_failed"] = true
            values["content_error"] = content["error"]?.stringValue ?? ""
            return
        default:
            values["content_pending"] = true
            return
        }
        let zone = config.timeZone
        let start = evidence.probe.startTime?.timeIntervalSince1970
        let stretches = (content["stretches"]?.arrayValue ?? []).compactMap { s -> (kind: String, start: Double, end: Double)? in
            guard let kind = s["kind"]?.stringValue, let a = s["start"]?.doubleValue, let b = s["end"]?.doubleValue else { return nil }
            return (kind, a, b)
        }
        values["has_stretches"] = !stretches.isEmpty
        values["stretches"] = stretches.map { s -> [String: Any] in
            let finding = FindingKind(ContentKind(rawValue: s.kind) ?? .muted)
            return [
                "kind": s.kind, "label": l["stretch_" + s.kind], "priority": Review.priorities[finding.rawValue] ?? 3,
                "from": start.map { HTML.clock($0 + s.start, zone: zone) } ?? String(format: "%.0f s", s.start),
                "to": start.map { HTML.clock($0 + s.end, zone: zone) } ?? String(format: "%.0f s", s.end),
                "length": HTML.span(s.end - s.start, l), "at": String(format: "%.1f", s.start),
            ]
        }
        func list(_ key: String) -> [Double?] { (content[key]?.arrayValue ?? []).map(\.doubleValue) }
        values["content_chart"] = ProfileChart(
            luma: list("luma"), level: list("level"), stretches: stretches, duration: content["duration"]?.doubleValue ?? 0,
            lumaLabel: l["chart_luma"], levelLabel: l["chart_level"], legend: Dictionary(uniqueKeysWithValues: ContentKind.allCases.map { ($0.rawValue, l["stretch_" + $0.rawValue]) })
        ).svg()
    }

    /// The review box: claim, the verdict form for the holder (with its lease, renewable), the
    /// recorded verdict, a supervisor's release / reassign / reopen, and the item's history.
    func reviewPanel(_ item: ReviewItem?, _ p: Page, _ user: User, saved: Bool = false) async throws -> String {
        var values: [String: Any] = ["t": p.language.strings, "csrf": csrf(for: p.sessionToken)]
        guard let item else {
            values["no_item"] = true
            return Self.library.render(values, withTemplate: "review") ?? ""
        }
        let id = item.id
        values["id"] = id
        values["saved"] = saved && item.state == "closed"
        let reviewer = Access.review.contains(user.role)
        let supervisor = Access.supervise.contains(user.role)
        if let lease = item.leaseUntil {
            values["lease_iso"] = Timestamp.format(lease)
            values["lease_clock"] = HTML.localTime(lease.timeIntervalSince1970, zone: config.timeZone)
        }
        switch item.state {
        case "closed":
            values["reviewed"] = true
            values["verdict_label"] = p.language["verdict_\(item.verdict ?? "")"]
            values["reviewed_by"] = item.reviewedBy ?? ""
            values["reviewed_at"] = HTML.localTime(item.reviewedAt?.timeIntervalSince1970, zone: config.timeZone)
            values["checklist"] = item.checklist.map { p.language["check_\($0)"] }
            if let note = item.note { values["note"] = note }
            values["can_reopen"] = supervisor
        case "claimed" where item.claimedBy == user.name:
            values["mine"] = true
            values["verdicts"] = ["violation", "compliant", "justified"].map { ["code": $0, "label": p.language["verdict_\($0)"]] }
            values["codes"] = Review.checklistCodes.map { ["code": $0, "label": p.language["check_\($0)"]] }
        case "claimed":
            values["held_by_other"] = true
            values["claimed_by"] = item.claimedBy ?? ""
            values["supervise_claimed"] = supervisor
        default:
            values["claimable"] = reviewer
        }
        if supervisor, item.state != "closed" {
            let names = try await db { c in try await c.accounts() }
                .filter { !$0.isDisabled && ($0.user.role == .reviewer || $0.user.role == .supervisor) && $0.user.name != item.claimedBy }
                .map(\.user.name)
            values["reviewers"] = names
            values["can_reassign"] = !names.isEmpty
        }
        let history = try await db { c in try await c.itemHistory(id) }
        values["history"] = history.map { e in historyRow(e, p) }
        values["has_history"] = !history.isEmpty
        return Self.library.render(values, withTemplate: "review") ?? ""
    }

    /// One line of an item's history: when, who, what, and the words that go with it (the
    /// verdict and its note, a reopening's reason and the verdict it set aside, who it went to).
    func historyRow(_ e: AuditEntry, _ p: Page) -> [String: Any] {
        let l = p.language
        var parts: [String] = []
        let d = Self.detail(e)
        if let v = d["verdict"] as? String { parts.append(l["verdict_\(v)"]) }
        if let list = d["checklist"] as? [String], !list.isEmpty { parts.append(list.map { l["check_\($0)"] }.joined(separator: "、")) }
        if let n = d["note"] as? String { parts.append("“\(n)”") }
        if let to = d["to"] as? String { parts.append("→ \(to)") }
        if let r = d["reason"] as? String { parts.append(l["reason_given"] + ": " + r) }
        if let earlier = (d["previous_verdict"] ?? d["reopened_verdict"]) as? String {
            parts.append(l["set_aside"] + ": " + l["verdict_\(earlier)"] + ((d["reviewed_by"] as? String).map { " (\($0))" } ?? ""))
        }
        var row: [String: Any] = [
            "at": HTML.localTime(e.at.timeIntervalSince1970, zone: config.timeZone), "actor": e.actor,
            "action": l.action(e.action),
        ]
        if !parts.isEmpty { row["detail"] = parts.joined(separator: " · ") }
        return row
    }
}

extension CustodyServer {
    /// An audit entry's detail object (its JSON text, parsed).
    static func detail(_ e: AuditEntry) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(e.detail.utf8)) as? [String: Any]) ?? [:]
    }
}
