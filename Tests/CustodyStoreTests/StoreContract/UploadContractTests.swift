import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Resumable uploads (tus): the durable offset only moves forward, a complete upload waits for
    /// its ingest, an untouched one expires.
    @Suite struct UploadContractTests {
        let t = Given.t0

        func newUpload(_ c: Catalog, id: String = "up-1", length: Int64 = 1000, at created: Date? = nil) async throws -> (User, UploadRecord) {
            let officer: User
            if let known = try await c.credentials(name: "olly")?.0 { officer = known } else { officer = try await Given.user(c, "olly", .officer, officer: "A") }
            let upload = UploadRecord(
                id: id, userID: officer.id, uploader: officer.name, officerID: "A", deviceID: "CAM-1", filename: "\(id).mp4",
                metadata: "filename ZmlsZS5tcDQ=", length: length, createdAt: created ?? t)
            try await c.addUpload(upload)
            return (officer, upload)
        }

        @Test(arguments: Backend.allCases)
        func aNewUploadIsReceivingAtOffsetZeroAndAudited(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let (officer, _) = try await newUpload(c)
                let stored = try await #require(try c.upload(id: "up-1"))
                #expect(stored.state == .receiving && stored.offset == 0 && stored.length == 1000)
                #expect(stored.userID == officer.id && stored.officerID == "A" && stored.deviceID == "CAM-1")
                #expect(stored.metadata == "filename ZmlsZS5tcDQ=" && stored.createdAt == t && stored.updatedAt == t)
                await #expect(try c.upload(id: "nope") == nil)
                let entry = try await #require(try c.auditEntries().last)
                #expect(entry.action == "upload-created" && entry.actor == "olly" && entry.subject == "up-1")
            }
        }

        @Test(arguments: Backend.allCases)
        func theOffsetAdvancesOnlyFromWhereItIs(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await newUpload(c)
                await #expect(try c.advanceUpload(id: "up-1", from: 0, to: 400, complete: false, now: t.addingTimeInterval(1)))
                // A late writer that still thinks the offset is 0 cannot move it back.
                await #expect(try !c.advanceUpload(id: "up-1", from: 0, to: 200, complete: false, now: t.addingTimeInterval(2)))
                await #expect(try !c.advanceUpload(id: "up-1", from: 300, to: 500, complete: false, now: t.addingTimeInterval(2)))
                var stored = try await #require(try c.upload(id: "up-1"))
                #expect(stored.offset == 400 && stored.updatedAt == t.addingTimeInterval(1))
                await #expect(try c.advanceUpload(id: "up-1", from: 400, to: 700, complete: false, now: t.addingTimeInterval(3)))
                stored = try await #require(try c.upload(id: "up-1"))
                #expect(stored.offset == 700 && stored.state == .receiving)
                await #expect(try !c.advanceUpload(id: "nope", from: 0, to: 1, complete: false))
            }
        }

        @Test(arguments: Backend.allCases)
        func aCompleteUploadTakesNoMoreBytesAndWaitsForItsIngest(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await newUpload(c)
                await #expect(try c.advanceUpload(id: "up-1", from: 0, to: 1000, complete: true, now: t))
                await #expect(try c.upload(id: "up-1")?.state == .complete)
                await #expect(try !c.advanceUpload(id: "up-1", from: 1000, to: 1000, complete: true, now: t))
                await #expect(try c.completeUploads().map(\.id) == ["up-1"])
                try await c.noteUploadProblem(id: "up-1", reason: "disk full", now: t.addingTimeInterval(5))
                #expect(try await c.upload(id: "up-1")?.state == .complete)
                #expect(try await c.upload(id: "up-1")?.reason == "disk full")
                // Neither expiry nor termination touches a complete upload.
                await #expect(try !c.endUpload(id: "up-1", state: .expired, actor: "system", reason: "idle", now: t))
                await #expect(try !c.endUpload(id: "up-1", state: .terminated, actor: "olly", reason: "cancel", now: t))

                try await c.finishUpload(id: "up-1", sha256: Given.sha(1), status: "new", reason: nil, now: t.addingTimeInterval(9))
                let done = try await #require(try c.upload(id: "up-1"))
                #expect(done.state == .ingested && done.sha256 == Given.sha(1) && done.status == "new" && done.reason == nil)
                await #expect(try c.completeUploads().isEmpty)
            }
        }

        @Test(arguments: Backend.allCases)
        func finishingAnUploadThatIsNotCompleteChangesNothing(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await newUpload(c)
                try await c.finishUpload(id: "up-1", sha256: Given.sha(1), status: "new", reason: nil, now: t)
                let stored = try await #require(try c.upload(id: "up-1"))
                #expect(stored.state == .receiving && stored.sha256 == nil && stored.status == nil)
            }
        }

        @Test(arguments: Backend.allCases)
        func anUntouchedUploadIsStaleAndExpiresOnceAudited(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await newUpload(c, id: "idle", at: t)
                _ = try await newUpload(c, id: "busy", at: t)
                _ = try await newUpload(c, id: "done", at: t)
                await #expect(try c.advanceUpload(id: "busy", from: 0, to: 10, complete: false, now: t.addingTimeInterval(3000)))
                await #expect(try c.advanceUpload(id: "idle", from: 0, to: 10, complete: false, now: t.addingTimeInterval(10)))
                await #expect(try c.advanceUpload(id: "done", from: 0, to: 1000, complete: true, now: t.addingTimeInterval(10)))
                await #expect(try c.staleUploads(before: t.addingTimeInterval(1000)).map(\.id) == ["idle"])

                await #expect(try c.endUpload(id: "idle", state: .expired, actor: "system", reason: "untouched for 24 h", now: t.addingTimeInterval(2000)))
                let expired = try await #require(try c.upload(id: "idle"))
                #expect(expired.state == .expired && expired.reason == "untouched for 24 h" && expired.offset == 10)
                await #expect(try !c.endUpload(id: "idle", state: .expired, actor: "system", reason: "again", now: t.addingTimeInterval(2001)))
                await #expect(try !c.advanceUpload(id: "idle", from: 10, to: 20, complete: false, now: t.addingTimeInterval(2002)))
                await #expect(try c.staleUploads(before: t.addingTimeInterval(5000)).map(\.id) == ["busy"])
                let entries = try await c.auditEntries().filter { $0.action == "upload-expired" }
                #expect(entries.map(\.subject) == ["idle"] && entries[0].detail.contains("\"received\":10"))
            }
        }

        @Test(arguments: Backend.allCases)
        func theUploaderMayTerminateAnUnfinishedUpload(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                _ = try await newUpload(c)
                await #expect(try c.endUpload(id: "up-1", state: .terminated, actor: "olly", reason: "cancelled", now: t))
                await #expect(try c.upload(id: "up-1")?.state == .terminated)
                await #expect(try Given.actions(c).last == "upload-terminated")
            }
        }

        @Test(arguments: Backend.allCases)
        func anAccountsUploadsAreListedNewestFirstAndTheirReceiptIsFoundByPath(_ backend: Backend) async throws {
            try await backend.withCatalog { c in
                let (officer, _) = try await newUpload(c, id: "old", at: t)
                _ = try await newUpload(c, id: "new", at: t.addingTimeInterval(60))
                let other = try await Given.user(c, "otto", .officer, officer: "B")
                await #expect(try c.uploads(userID: officer.id).map(\.id) == ["new", "old"])
                await #expect(try c.uploads(userID: officer.id, limit: 1).map(\.id) == ["new"])
                await #expect(try c.uploads(userID: other.id).isEmpty)

                await #expect(try c.uploadReceipt(sourcePath: "/staging/uploads/new") == nil)
                let sha = Given.sha(5)
                let probe = ProbeRecord(path: "new.mp4", size: 10, sha256: sha, duration: 5, startTime: t, integrity: .ok)
                let evidence = EvidenceRecord(sha256: sha, size: 10, ext: "mp4", location: .vault, storedPath: "vault/5.mp4", quarantineReason: nil, probe: probe, storedAt: t)
                try await c.record(evidence: evidence, receipt: Given.receipt(sha, 5, received: t, method: "upload", source: "/staging/uploads/new"), actor: "olly")
                let found = try await #require(try c.uploadReceipt(sourcePath: "/staging/uploads/new"))
                #expect(found.sha256 == sha && found.duplicate == false)
            }
        }
    }
}
