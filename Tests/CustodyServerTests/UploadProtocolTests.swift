import Crypto
import CustodyCore
import CustodyIngest
import CustodyServer
import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// tus 1.0.0 at /api/uploads (issue 6): the protocol, its refusals, its limits, and what
/// becomes of a finished upload.
@Suite struct UploadProtocolTests {
    static func field(_ name: String) -> HTTPField.Name { HTTPField.Name(name)! }

    /// A clip no sample has (so it is not a duplicate of what the fixture stored).
    static func freshClip() throws -> (URL, Data) {
        let dir = try TestEnvironment.temporaryFolder("upload-clip")
        let url = try Fixtures.distinctClips(Fixtures.readableClips.count + 1, in: dir).last!
        return (url, try Data(contentsOf: url))
    }

    static func tus(_ fx: ServerFixture, _ user: String?, _ extra: [String: String] = [:]) -> HTTPFields {
        var h = fx.headers(user)
        h[field("Tus-Resumable")] = "1.0.0"
        for (k, v) in extra { h[field(k)] = v }
        return h
    }

    static func metadata(_ pairs: [(String, String)]) -> String {
        pairs.map { "\($0.0) \(Data($0.1.utf8).base64EncodedString())" }.joined(separator: ",")
    }

    static func sha256(_ data: Data) -> String { SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined() }

    static func patch(_ client: some TestClientProtocol, _ fx: ServerFixture, _ user: String, _ location: String, offset: Int,
                      _ chunk: Data, checksum: String? = nil) async throws -> TestResponse {
        var extra = ["Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream"]
        if let checksum { extra["Upload-Checksum"] = checksum }
        return try await client.execute(uri: location, method: .patch, headers: tus(fx, user, extra), body: ByteBuffer(bytes: chunk))
    }

    @Test func discoveryIsOpenAndAdvertisesTheExtensions() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let options = try await client.execute(uri: "/api/uploads", method: .options)
            #expect(options.status == .noContent)
            #expect(options.headers[Self.field("Tus-Version")] == "1.0.0")
            #expect(options.headers[Self.field("Tus-Resumable")] == "1.0.0")
            let extensions = Set((options.headers[Self.field("Tus-Extension")] ?? "").split(separator: ",").map(String.init))
            #expect(extensions.isSuperset(of: ["creation", "termination", "checksum"]))
            #expect(options.headers[Self.field("Tus-Checksum-Algorithm")]?.contains("sha256") == true)
            #expect(options.headers[Self.field("Tus-Max-Size")] == String(CustodyConfiguration().uploads.maxBytes))
        }
    }

    @Test func anOfficerUploadsInChunksAndTheFileIsStoredOnce() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let (clip, bytes) = try Self.freshClip()
        let name = clip.lastPathComponent
        try await fx.application.test(.router) { client async throws in
            let created = try await client.execute(
                uri: "/api/uploads", method: .post,
                headers: Self.tus(fx, "olga", ["Upload-Length": String(bytes.count), "Upload-Metadata": Self.metadata([("filename", name)])]))
            #expect(created.status == .created)
            let location = try #require(created.headers[.location])
            #expect(location.hasPrefix("/api/uploads/"))
            #expect(created.headers[Self.field("Upload-Expires")]?.hasSuffix("GMT") == true)

            let head = try await client.execute(uri: location, method: .head, headers: Self.tus(fx, "olga"))
            #expect(head.status == .ok)
            #expect(head.headers[Self.field("Upload-Offset")] == "0")
            #expect(head.headers[Self.field("Upload-Length")] == String(bytes.count))
            #expect(head.headers[.cacheControl] == "no-store")

            // First third, with the right sha256.
            let third = bytes.count / 3
            let first = bytes.prefix(third)
            let ok = try await Self.patch(client, fx, "olga", location, offset: 0, Data(first),
                                          checksum: "sha256 " + Data(SHA256.hash(data: first)).base64EncodedString())
            #expect(ok.status == .noContent)
            #expect(ok.headers[Self.field("Upload-Offset")] == String(third))

            // A chunk whose checksum is wrong: 460, and none of it is kept.
            let second = bytes[third..<(2 * third)]
            let wrong = try await Self.patch(client, fx, "olga", location, offset: third, Data(second),
                                             checksum: "sha256 " + Data(SHA256.hash(data: Data("other".utf8))).base64EncodedString())
            #expect(wrong.status.code == 460)
            #expect(wrong.headers[Self.field("Tus-Resumable")] == "1.0.0")
            let after = try await client.execute(uri: location, method: .head, headers: Self.tus(fx, "olga"))
            #expect(after.headers[Self.field("Upload-Offset")] == String(third))
            let id = String(location.split(separator: "/").last!)
            let partial = fx.folder.uploads.appendingPathComponent("\(id).part")
            #expect((try FileManager.default.attributesOfItem(atPath: partial.path)[.size] as? NSNumber)?.intValue == third)

            // The wrong offset: 409 with the right one.
            let conflict = try await Self.patch(client, fx, "olga", location, offset: third + 5, Data(second))
            #expect(conflict.status == .conflict)
            #expect(conflict.headers[Self.field("Upload-Offset")] == String(third))

            // The rest, with sha1 (tuspy's default); the last byte starts the ingest.
            let rest = bytes[third...]
            let done = try await Self.patch(client, fx, "olga", location, offset: third, Data(rest),
                                            checksum: "sha1 " + Data(Insecure.SHA1.hash(data: rest)).base64EncodedString())
            #expect(done.status == .noContent)
            #expect(done.headers[Self.field("Upload-Offset")] == String(bytes.count))
            #expect(done.headers[Self.field("Custody-SHA256")] == Self.sha256(bytes))
            #expect(done.headers[Self.field("Custody-Status")] == "ingested")

            // Stored once, as olga's, under its original name, and nothing left behind.
            let evidence = try await #require(try fx.catalog.evidence(sha256: Self.sha256(bytes)))
            #expect(evidence.officerID == "012345")
            #expect(evidence.location == .vault)
            let receipts = try await fx.catalog.receipts(sha256: evidence.sha256)
            #expect(receipts.count == 1)
            #expect(receipts.first?.method == "upload")
            #expect(receipts.first?.handedInBy == "olga")
            #expect(receipts.first?.originalName == name)
            #expect(TestEnvironment.files(in: fx.folder.uploads).isEmpty)
            await #expect(try fx.catalog.auditEntries().contains { $0.action == "upload-created" && $0.subject == id && $0.actor == "olga" })

            // A repeated last PATCH (the client lost the answer) is answered, not refused.
            let again = try await Self.patch(client, fx, "olga", location, offset: bytes.count, Data())
            #expect(again.status == .noContent)
            #expect(again.headers[Self.field("Custody-SHA256")] == Self.sha256(bytes))
            await #expect(try fx.catalog.receipts(sha256: evidence.sha256).count == 1)

            let list = try await client.execute(uri: "/api/uploads", method: .get, headers: fx.headers("olga"))
            let uploads = try #require(list.json["uploads"] as? [[String: Any]])
            #expect(uploads.count == 1)
            #expect(uploads.first?["state"] as? String == "ingested")
            #expect(uploads.first?["sha256"] as? String == evidence.sha256)
        }
    }

    @Test func refusals() async throws {
        let fx = try await ServerFixture { $0.uploads.maxBytes = 1000 }
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            func create(_ user: String?, length: Int = 100, _ extra: [String: String] = [:]) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/uploads", method: .post, headers: Self.tus(fx, user, ["Upload-Length": String(length)].merging(extra) { $1 }))
            }
            // No credentials: 401 everywhere.
            #expect(try await create(nil).status == .unauthorized)
            let mine = try await create("olga", length: 100)
            let location = try #require(mine.headers[.location])
            #expect(try await client.execute(uri: location, method: .head, headers: Self.tus(fx, nil)).status == .unauthorized)
            #expect(try await Self.patchAnonymous(client, fx, location).status == .unauthorized)

            // Roles that do not upload: 403.
            for user in ["rita", "sam", "ada", "root"] {
                let refused = try await create(user)
                #expect(refused.status == .forbidden, "\(user): \(refused.status)")
                #expect(refused.json["error"] is String)
            }
            // An officer naming someone else: 403; naming themselves is fine.
            let other = try await create("olga", ["Upload-Metadata": Self.metadata([("filename", "x.mp4"), ("officer", "023456")])])
            #expect(other.status == .forbidden)
            #expect((other.json["error"] as? String)?.contains("023456") == true)
            #expect(try await create("olga", ["Upload-Metadata": Self.metadata([("officer", "012345")])]).status == .created)
            // Someone else's upload: 403.
            #expect(try await client.execute(uri: location, method: .head, headers: Self.tus(fx, "oscar")).status == .forbidden)
            #expect(try await Self.patch(client, fx, "oscar", location, offset: 0, Data([1])).status == .forbidden)

            // Too large: 413 at creation, and for a chunk that goes past Upload-Length.
            let large = try await create("olga", length: 1001)
            #expect(large.status == .contentTooLarge)
            #expect(large.headers[Self.field("Tus-Resumable")] == "1.0.0")
            let past = try await Self.patch(client, fx, "olga", location, offset: 0, Data(repeating: 7, count: 101))
            #expect(past.status == .contentTooLarge)
            let head = try await client.execute(uri: location, method: .head, headers: Self.tus(fx, "olga"))
            #expect(head.headers[Self.field("Upload-Offset")] == "0")

            // Protocol mistakes, each with its status and a sentence.
            var noVersion = fx.headers("olga")
            noVersion[Self.field("Upload-Length")] = "10"
            let version = try await client.execute(uri: "/api/uploads", method: .post, headers: noVersion)
            #expect(version.status == .preconditionFailed)
            #expect(version.headers[Self.field("Tus-Version")] == "1.0.0")
            #expect(try await create("olga", ["Upload-Length": ""]).status == .badRequest)
            #expect(try await create("olga", ["Upload-Metadata": "filename !!!notbase64"]).status == .badRequest)
            let wrongType = try await client.execute(
                uri: location, method: .patch, headers: Self.tus(fx, "olga", ["Upload-Offset": "0", "Content-Type": "text/plain"]),
                body: ByteBuffer(bytes: [1, 2, 3]))
            #expect(wrongType.status == .unsupportedMediaType)
            let badChecksum = try await Self.patch(client, fx, "olga", location, offset: 0, Data([1]), checksum: "md5 AAAA")
            #expect(badChecksum.status == .badRequest)
            #expect(try await client.execute(uri: "/api/uploads/" + String(repeating: "0", count: 32), method: .head, headers: Self.tus(fx, "olga")).status == .notFound)

            // A docking station cannot sign in, read the queue or see clips.
            let signIn = try await client.execute(uri: "/api/session", method: .post, body: jsonBody(["username": "dock", "password": ServerFixture.password]))
            #expect(signIn.status == .unauthorized)
            #expect(try await client.execute(uri: "/api/queue", method: .get, headers: fx.headers("dock")).status == .forbidden)
            #expect(try await client.execute(uri: "/api/clips/\(try fx.clip(of: "012345"))", method: .get, headers: fx.headers("dock")).status == .forbidden)
        }
    }

    static func patchAnonymous(_ client: some TestClientProtocol, _ fx: ServerFixture, _ location: String) async throws -> TestResponse {
        try await client.execute(
            uri: location, method: .patch,
            headers: tus(fx, nil, ["Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"]), body: ByteBuffer(bytes: [1]))
    }

    @Test func aStationUploadsForTheOfficerItNames() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let (clip, bytes) = try Self.freshClip()
        try await fx.application.test(.router) { client async throws in
            let created = try await client.execute(
                uri: "/api/uploads", method: .post,
                headers: Self.tus(fx, "dock", [
                    "Upload-Length": String(bytes.count),
                    "Upload-Metadata": Self.metadata([("filename", clip.lastPathComponent), ("officer", "023456"), ("device", "DOCK-CAM-9")]),
                ]))
            #expect(created.status == .created)
            let location = try #require(created.headers[.location])
            let done = try await Self.patch(client, fx, "dock", location, offset: 0, bytes)
            #expect(done.headers[Self.field("Custody-Status")] == "ingested")
            let evidence = try await #require(try fx.catalog.evidence(sha256: Self.sha256(bytes)))
            #expect(evidence.officerID == "023456")
            #expect(evidence.attribution == "ingest")
            #expect(evidence.probe.deviceID == "DOCK-CAM-9")
            await #expect(try fx.catalog.receipts(sha256: evidence.sha256).first?.handedInBy == "dock")
        }
    }

    @Test func notEnoughDiskGives507() async throws {
        let fx = try await ServerFixture { $0.uploads.minFreeBytes = Int64.max / 2 }
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let response = try await client.execute(uri: "/api/uploads", method: .post, headers: Self.tus(fx, "olga", ["Upload-Length": "100"]))
            #expect(response.status.code == 507)
            #expect((response.json["error"] as? String)?.contains("disk") == true)
            await #expect(try fx.catalog.uploads(userID: 6).isEmpty)
        }
    }

    @Test func tooManyAtOnceAreAskedToRetry() async throws {
        let fx = try await ServerFixture { $0.uploads.maxConcurrent = 1 }
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            var locations: [String] = []
            for _ in 0..<2 {
                let r = try await client.execute(uri: "/api/uploads", method: .post, headers: Self.tus(fx, "olga", ["Upload-Length": "10"]))
                locations.append(try #require(r.headers[.location]))
            }
            // One upload is receiving (its writer is open): the other waits its turn.
            let busy = try await #require(try fx.catalog.upload(id: String(locations[0].split(separator: "/").last!)))
            let writer = try fx.server.uploads.writer(for: busy)
            let refused = try await Self.patch(client, fx, "olga", locations[1], offset: 0, Data([1, 2]))
            #expect(refused.status == .serviceUnavailable)
            #expect(refused.headers[.retryAfter] != nil)
            writer.close()
            let accepted = try await Self.patch(client, fx, "olga", locations[1], offset: 0, Data([1, 2]))
            #expect(accepted.status == .noContent)
        }
    }

    @Test func terminationAndExpiryRemoveThePartAndAreAudited() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            func start() async throws -> (String, String) {
                let r = try await client.execute(uri: "/api/uploads", method: .post, headers: Self.tus(fx, "olga", ["Upload-Length": "100"]))
                let location = try #require(r.headers[.location])
                #expect(try await Self.patch(client, fx, "olga", location, offset: 0, Data(repeating: 1, count: 40)).status == .noContent)
                return (location, String(location.split(separator: "/").last!))
            }
            let (cancelled, cancelledID) = try await start()
            #expect(try await client.execute(uri: cancelled, method: .delete, headers: Self.tus(fx, "oscar")).status == .forbidden)
            let deleted = try await client.execute(uri: cancelled, method: .delete, headers: Self.tus(fx, "olga"))
            #expect(deleted.status == .noContent)
            #expect(!FileManager.default.fileExists(atPath: fx.server.uploads.path(cancelledID)))
            #expect(try await client.execute(uri: cancelled, method: .head, headers: Self.tus(fx, "olga")).status == .notFound)

            let (stale, staleID) = try await start()
            await #expect(fx.server.uploads.expireStale(now: Date().addingTimeInterval(71 * 3600)) == 0)
            await #expect(fx.server.uploads.expireStale(now: Date().addingTimeInterval(73 * 3600)) == 1)
            #expect(!FileManager.default.fileExists(atPath: fx.server.uploads.path(staleID)))
            let gone = try await client.execute(uri: stale, method: .head, headers: Self.tus(fx, "olga"))
            #expect(gone.status == .gone)

            let entries = try await fx.catalog.auditEntries()
            let terminated = try #require(entries.first { $0.action == "upload-terminated" && $0.subject == cancelledID })
            #expect(terminated.actor == "olga")
            let expired = try #require(entries.first { $0.action == "upload-expired" && $0.subject == staleID })
            #expect(expired.detail.contains(#""received":40"#))
            #expect(expired.detail.contains("untouched for more than 72 hours"))
            await #expect(try fx.catalog.verifyAuditChain().isEmpty)
        }
    }

    @Test func anEmptyUploadIsCompleteAtOnceAndQuarantined() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client async throws in
            let r = try await client.execute(
                uri: "/api/uploads", method: .post,
                headers: Self.tus(fx, "olga", ["Upload-Length": "0", "Upload-Metadata": Self.metadata([("filename", "empty.mp4")])]))
            #expect(r.status == .created)
            #expect(r.headers[Self.field("Custody-Status")] == "quarantined")
        }
    }

    /// A crash after the last byte but before (or during) the ingest: the next start finishes
    /// it, exactly once.
    @Test func completeUploadsLeftByACrashAreStoredOnceOnResume() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let olga = try await #require(try fx.catalog.credentials(name: "olga")?.0)
        let spool = fx.server.uploads
        func completeUpload(_ bytes: Data, name: String) async throws -> UploadRecord {
            let upload = try await spool.create(user: olga, officer: "012345", device: nil, filename: name, metadata: "", length: Int64(bytes.count))
            let writer = try spool.writer(for: upload)
            try bytes.withUnsafeBytes { try writer.write($0) }
            _ = try await writer.commit()
            writer.close()
            return try await #require(try fx.catalog.upload(id: upload.id))
        }
        let dir = try TestEnvironment.temporaryFolder("resume")
        let clips = try Fixtures.distinctClips(Fixtures.readableClips.count + 2, in: dir).suffix(2).map { ($0, try Data(contentsOf: $0)) }

        // (a) The crash came before the ingest started.
        let notStarted = try await completeUpload(clips[0].1, name: clips[0].0.lastPathComponent)
        #expect(notStarted.state == .complete)
        // (b) The crash came after the ingest stored it but before the upload was marked.
        let stored = try await completeUpload(clips[1].1, name: clips[1].0.lastPathComponent)
        let result = await spool.ingestor.ingest(IngestRequest(
            source: RawPath(spool.path(stored.id)), officer: "012345", move: true, method: "upload", handedInBy: "olga",
            originalName: stored.filename))
        #expect(result.status == .ingested)

        await #expect(spool.resumeComplete() == 2)
        await #expect(spool.resumeComplete() == 0)
        for (upload, bytes) in [(notStarted, clips[0].1), (stored, clips[1].1)] {
            let now = try await #require(try fx.catalog.upload(id: upload.id))
            #expect(now.state == .ingested)
            #expect(now.sha256 == Self.sha256(bytes))
            await #expect(try fx.catalog.receipts(sha256: Self.sha256(bytes)).count == 1)
        }
    }
}
