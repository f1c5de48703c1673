import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import Hummingbird

/// Disclosure from the pages (issue 17): a supervisor exports an incident or a clip with a
/// reason; the package goes to `DATA/exports/<subject>-<time>/`; supervisors and auditors see
/// the packages made, and the installation's signing key with its fingerprint.
extension CustodyServer {
    var exportsFolder: URL { folder.root.appendingPathComponent("exports") }

    func addExportRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/exports") { request, context in
            switch pageUser(request, context, Access.readExports) { case .user: break; case .response(let r): return r }
            return try await exportsPage(page(request, context), done: request.uri.queryParameters["done"].map(String.init))
        }
        router.post("/incidents/{incident_id}/export") { request, context in
            let user: User
            switch pageUser(request, context, Access.export) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            guard let id = try context.path("incident_id") else { throw APIError(.notFound, "No such incident.") }
            return try await exportFromPage(incidents: [id], clips: [], label: id, fields: fields, user: user)
        }
        router.post("/clips/{sha256}/export") { request, context in
            let user: User
            switch pageUser(request, context, Access.export) { case .user(let u): user = u; case .response(let r): return r }
            let fields = try await formBody(request, context)
            try checkCSRF(request, fields)
            guard let sha = try context.path("sha256"), sha.count == 64, sha.allSatisfy(\.isHexDigit) else { throw APIError(.notFound, "No such clip.") }
            return try await exportFromPage(incidents: [], clips: [sha.lowercased()], label: String(sha.prefix(12)), fields: fields, user: user)
        }
    }

    func exportFromPage(incidents: [String], clips: [String], label: String, fields: [String: [String]], user: User) async throws -> Response {
        let reason = (fields["reason"]?.first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= Self.maxReasonCharacters else { throw FormRefusal("err_reason_needed") }
        let stamp = Timestamp.format(Date()).filter { $0.isNumber }.prefix(14)
        let name = "\(EvidenceExport.safeName(label))-\(stamp)"
        try FileManager.default.createDirectory(at: exportsFolder, withIntermediateDirectories: true)
        let request = EvidenceExport.Request(
            incidents: incidents, clips: clips, reason: reason, out: exportsFolder.appendingPathComponent(name), actor: user.name,
            version: "custody", zone: config.timeZone)
        do {
            _ = try await EvidenceExport.run(request, catalog: catalog, vault: vault, folder: folder)
        } catch let failure as EvidenceExport.Failure {
            throw APIError(.badRequest, failure.description)
        }
        return Self.redirect("/exports?" + Self.query([("done", name)]))
    }

    func exportsPage(_ p: Page, done: String?) async throws -> Response {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: exportsFolder.path)) ?? [])
            .filter { !$0.hasSuffix(".partial") && !$0.hasPrefix(".") }.sorted(by: >)
        var rows: [[String: Any]] = []
        for name in names {
            let dir = exportsFolder.appendingPathComponent(name)
            guard let sums = FileManager.default.contents(atPath: dir.appendingPathComponent("SHA256SUMS").path),
                  let manifest = FileManager.default.contents(atPath: dir.appendingPathComponent("manifest.json").path),
                  let object = try? JSONSerialization.jsonObject(with: manifest) as? [String: Any]
            else { continue }
            let files = (object["files"] as? [[String: Any]]) ?? []
            let bytes = files.compactMap { $0["size"] as? Int }.reduce(0, +)
            rows.append([
                "name": name, "sha": AxisCredentials.hash(String(decoding: sums, as: UTF8.self)),
                "reason": object["reason"] as? String ?? "", "by": object["exported_by"] as? String ?? "",
                "at": HTML.localTime((object["exported_at"] as? String).flatMap { Timestamp.parse($0, zone: config.timeZone) }?.timeIntervalSince1970, zone: config.timeZone),
                "files": files.count, "size": String(format: "%.1f MB", Double(bytes) / 1_048_576),
                "path": dir.path, "done": name == done,
            ])
        }
        let key = try await OffLoop.run { try SigningKey.loadOrCreate(self.folder) }
        let values: [String: Any] = [
            "exports": rows, "empty": rows.isEmpty, "fingerprint": key.fingerprint, "public_key": key.publicKeyPEM,
            "done": done ?? "", "has_done": done != nil,
        ]
        return render("exports", values, page: p, title: p.language["exports"])
    }
}

