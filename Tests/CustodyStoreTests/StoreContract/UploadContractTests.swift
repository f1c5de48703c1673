import CustodyCore
import CustodyStore
import Foundation
import Testing

extension StoreContract {
    /// Resumable uploads (tus): the durable offset only moves forward, a complete upload waits for
    /// its ingest, an untouched one expires.
    @Suite struct UploadContractTests {
        let t = Given.t0

        func newUpload(_ c: Catalog, id: String = "up-1", length: Int64 = 1000, at created: Date? = nil) throws -> (User, UploadRecord) {
            let officer = try c.credentials(name: "olly")?.0 ?? Given.user(c, "olly", .officer, officer: "A")
            let upload = UploadRecord(
                id: id, userID: officer.id, uploader: officer.name, officerID: "A", deviceID: "CAM-1", filename: "\(id).mp4",
                metadata: "filename ZmlsZS5tcDQ=", length: length, createdAt: created ?? t)
            try c.addUpload(upload)
            return (officer, upload)
        }

        @Test(arguments: Backend.allCases)
        func aNewUploadIsReceivingAtOffsetZeroAndAudited(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let (officer, _) = try newUpload(c)
                let stored = try #require(try c.upload(id: "up-1"))
                #expect(stored.state == .receiving && stored.offset == 0 && stored.length == 1000)
                #expect(stored.userID == officer.id && stored.officerID == "A" && stored.deviceID == "CAM-1")
                #expect(stored.metadata == "filename ZmlsZS5tcDQ=" && stored.createdAt == t && stored.updatedAt == t)
                #expect(try c.upload(id: "nope") == nil)
                let entry = try #require(try c.auditEntries().last)
                #expect(entry.action == "upload-created" && entry.actor == "olly" && entry.subject == "up-1")
            }
        }

        @Test(arguments: Backend.allCases)
        func theOffsetAdvancesOnlyFromWhereItIs(_ backend: Backend) throws {
            try backend.withCatalog { c in
                _ = try newUpload(c)
                #expect(try c.advanceUpload(id: "up-1", from: 0, to: 400, complete: false, now: t.addingTimeInterval(1)))
                // A late writer that still thinks the offset is 0 cannot move it back.
                #expect(try !c.advanceUpload(id: "up-1", from: 0, to: 200, complete: false, now: t.addingTimeInterval(2)))
                #expect(try !c.advanceUpload(id: "up-1", from: 300, to: 500, complete: false, now: t.addingTimeInterval(2)))
                var stored = try #require(try c.upload(id: "up-1"))
                #expect(stored.offset == 400 && stored.updatedAt == t.addingTimeInterval(1))
                #expect(try c.advanceUpload(id: "up-1", from: 400, to: 700, complete: false, now: t.addingTimeInterval(3)))
                stored = try #require(try c.upload(id: "up-1"))
                #expect(stored.offset == 700 && stored.state == .receiving)
                #expect(try !c.advanceUpload(id: "nope", from: 0, to: 1, complete: false))
            }
        }

        @Test(arguments: Backend.allCases)
        func aCompleteUploadTakesNoMoreBytesAndWaitsForItsIngest(_ backend: Backend) throws {
            try backend.withCatalog { c in
                _ = try newUpload(c)
                #expect(try c.advanceUpload(id: "up-1", from: 0, to: 1000, complete: true, now: t))
                #expect(try c.upload(id: "up-1")?.state == .complete)
                #expect(try !c.advanceUpload(id: "up-1", from: 1000, to: 1000, complete: true, now: t))
                #expect(try c.completeUploads().map(\.id) == ["up-1"])
                try c.noteUploadProblem(id: "up-1", reason: "disk full", now: t.addingTimeInterval(5))
                #expect(try c.upload(id: "up-1")?.state == .complete && c.upload(id: "up-1")?.reason == "disk full")
                // Neither expiry nor termination touches a complete upload.
                #expect(try !c.endUpload(id: "up-1", state: .expired, actor: "system", reason: "idle", now: t))
                #expect(try !c.endUpload(id: "up-1", state: .terminated, actor: "olly", reason: "cancel", now: t))

                try c.finishUpload(id: "up-1", sha256: Given.sha(1), status: "new", reason: nil, now: t.addingTimeInterval(9))
                let done = try #require(try c.upload(id: "up-1"))
                #expect(done.state == .ingested && done.sha256 == Given.sha(1) && done.status == "new" && done.reason == nil)
                #expect(try c.completeUploads().isEmpty)
            }
        }

        @Test(arguments: Backend.allCases)
        func finishingAnUploadThatIsNotCompleteChangesNothing(_ backend: Backend) throws {
            try backend.withCatalog { c in
                _ = try newUpload(c)
                try c.finishUpload(id: "up-1", sha256: Given.sha(1), status: "new", reason: nil, now: t)
                let stored = try #require(try c.upload(id: "up-1"))
                #expect(stored.state == .receiving && stored.sha256 == nil && stored.status == nil)
            }
        }

        @Test(arguments: Backend.allCases)
        func anUntouchedUploadIsStaleAndExpiresOnceAudited(_ backend: Backend) throws {
            try backend.withCatalog { c in
                _ = try newUpload(c, id: "idle", at: t)
                _ = try newUpload(c, id: "busy", at: t)
                _ = try newUpload(c, id: "done", at: t)
                #expect(try c.advanceUpload(id: "busy", from: 0, to: 10, complete: false, now: t.addingTimeInterval(3000)))
                #expect(try c.advanceUpload(id: "idle", from: 0, to: 10, complete: false, now: t.addingTimeInterval(10)))
                #expect(try c.advanceUpload(id: "done", from: 0, to: 1000, complete: true, now: t.addingTimeInterval(10)))
                #expect(try c.staleUploads(before: t.addingTimeInterval(1000)).map(\.id) == ["idle"])

                #expect(try c.endUpload(id: "idle", state: .expired, actor: "system", reason: "untouched for 24 h", now: t.addingTimeInterval(2000)))
                let expired = try #require(try c.upload(id: "idle"))
                #expect(expired.state == .expired && expired.reason == "untouched for 24 h" && expired.offset == 10)
                #expect(try !c.endUpload(id: "idle", state: .expired, actor: "system", reason: "again", now: t.addingTimeInterval(2001)))
                #expect(try !c.advanceUpload(id: "idle", from: 10, to: 20, complete: false, now: t.addingTimeInterval(2002)))
                #expect(try c.staleUploads(before: t.addingTimeInterval(5000)).map(\.id) == ["busy"])
                let entries = try c.auditEntries().filter { $0.action == "upload-expired" }
                #expect(entries.map(\.subject) == ["idle"] && entries[0].detail.contains("\"received\":10"))
            }
        }

        @Test(arguments: Backend.allCases)
        func theUploaderMayTerminateAnUnfinishedUpload(_ backend: Backend) throws {
            try backend.withCatalog { c in
                _ = try newUpload(c)
                #expect(try c.endUpload(id: "up-1", state: .terminated, actor: "olly", reason: "cancelled", now: t))
                #expect(try c.upload(id: "up-1")?.state == .terminated)
                #expect(try Given.actions(c).last == "upload-terminated")
            }
        }

        @Test(arguments: Backend.allCases)
        func anAccountsUploadsAreListedNewestFirstAndTheirReceiptIsFoundByPath(_ backend: Backend) throws {
            try backend.withCatalog { c in
                let (officer, _) = try newUpload(c, id: "old", at: t)
                _ = try newUpload(c, id: "new", at: t.addingTimeInterval(60))
                let other = try Given.user(c, "otto", .officer, officer: "B")
                #expect(try c.uploads(userID: officer.id).map(\.id) == ["new", "old"])
                #expect(try c.uploads(userID: officer.id, limit: 1).map(\.id) == ["new"])
                #expect(try c.uploads(userID: other.id).isEmpty)

                #expect(try c.uploadReceipt(sourcePath: "/staging/uploads/new") == nil)
                let sha = Given.sha(5)
                let probe = ProbeRecord(path: "new.mp4", size: 10, sha256: sha, duration: 5, startTime: t, integrity: .ok)
                let evidence = EvidenceRecord(sha256: sha, size: 10, ext: "mp4", location: .vault, storedPath: "vault/5.mp4", quarantineReason: nil, probe: probe, storedAt: t)
                try c.record(evidence: evidence, receipt: Given.receipt(sha, 5, received: t, method: "upload", source: "/staging/uploads/new"), actor: "olly")
                let found = try #require(try c.uploadReceipt(sourcePath: "/staging/uploads/new"))
                #expect(found.sha256 == sha && found.duplicate == false)
            }
        }
    }
}
