import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// The player's byte ranges and the thumbnail, from a local vault and from an S3 one.
@Suite struct ByteRangeTests {
    enum Store: String, CaseIterable, Sendable { case local, s3 }

    @Test(arguments: Store.allCases)
    func rangesSuffixesAndUnsatisfiableRequests(store: Store) async throws {
        var vault: (any Vault)? = nil
        if store == .s3 {
            guard let s3 = TestObjectStore.current else {
                if TestObjectStore.isRequired { Issue.record("CUSTODY_S3_ENDPOINT is not set: .ci/run starts the object store") }
                return
            }
            let remote = S3Vault(S3VaultConfiguration(
                endpoint: s3.endpoint, bucket: "custody-media", prefix: "run-\(UUID().uuidString.prefix(8))",
                region: s3.region, accessKey: s3.accessKey, secretKey: s3.secretKey))
            try await remote.createBucketIfMissing()
            vault = remote
        }
        let fx = try await ServerFixture(vault: vault)
        defer { fx.cleanUp() }
        let sha = try await fx.clip(of: "012345")
        let evidence = try await #require(try fx.catalog.evidence(sha256: sha))
        let stored = fx.folder.root.appendingPathComponent(evidence.storedPath)
        // From S3 the data folder holds no originals: the bytes come from the store.
        #expect(FileManager.default.fileExists(atPath: stored.path) == (store == .local))
        let bytes: Data
        if let vault = vault {
            let size = try #require(try await vault.size(of: evidence.storedPath))
            bytes = Data(try await vault.read(evidence.storedPath, range: 0..<size))
            #expect(bytes.count == Int(evidence.size))
        } else {
            bytes = try Data(contentsOf: stored)
        }
        let size = bytes.count
        try await fx.application.test(.router) { client async throws in
            func get(_ range: String?, extra: HTTPFields = [:]) async throws -> TestResponse {
                var headers = fx.headers("rita")
                if let range { headers[.range] = range }
                for field in extra { headers[field.name] = field.value }
                return try await client.execute(uri: "/api/clips/\(sha)/media", method: .get, headers: headers)
            }
            let whole = try await get(nil)
            #expect(whole.status == .ok)
            #expect(Data(whole.body.readableBytesView) == bytes)
            #expect(whole.headers[.contentType] == "video/mp4")
            #expect(whole.headers[.eTag] == "\"\(sha)\"")
            #expect(whole.headers[.lastModified]?.hasSuffix("GMT") == true)
            #expect(whole.headers[.acceptRanges] == "bytes")

            let first = try await get("bytes=0-99")
            #expect(first.status == .partialContent)
            #expect(Data(first.body.readableBytesView) == bytes.prefix(100))
            #expect(first.headers[.contentRange] == "bytes 0-99/\(size)")

            let suffix = try await get("bytes=-500")
            #expect(suffix.status == .partialContent)
            #expect(Data(suffix.body.readableBytesView) == bytes.suffix(500))
            #expect(suffix.headers[.contentRange] == "bytes \(size - 500)-\(size - 1)/\(size)")

            let open = try await get("bytes=\(size - 10)-")
            #expect(Data(open.body.readableBytesView) == bytes.suffix(10))

            let beyond = try await get("bytes=\(size)-\(size + 10)")
            #expect(beyond.status == .rangeNotSatisfiable)
            #expect(beyond.headers[.contentRange] == "bytes */\(size)")

            let clamped = try await get("bytes=100-\(size * 2)")
            #expect(clamped.status == .partialContent)
            #expect(clamped.headers[.contentRange] == "bytes 100-\(size - 1)/\(size)")

            var ifNoneMatch = HTTPFields()
            ifNoneMatch[.ifNoneMatch] = "\"\(sha)\""
            #expect(try await get(nil, extra: ifNoneMatch).status == .notModified)
            var staleIfRange = HTTPFields()
            staleIfRange[.ifRange] = "\"something-else\""
            #expect(try await get("bytes=0-99", extra: staleIfRange).status == .ok)

            let thumb = try await client.execute(uri: "/api/clips/\(sha)/thumbnail", method: .get, headers: fx.headers("rita"))
            #expect(thumb.status == .ok)
            #expect(thumb.headers[.contentType] == "image/jpeg")
            #expect(Array(thumb.body.readableBytesView.prefix(2)) == [0xFF, 0xD8])
        }
    }
}

@Suite struct BadRequestTests {
    @Test func malformedUnknownClosedAndOversizedRequestsChangeNothing() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let id = try await #require(try fx.catalog.queue(state: "open", limit: 1, offset: 0).items.first?.id)
        let auditBefore = try await fx.catalog.auditEntries().count
        try await fx.application.test(.router) { client async throws in
            let rita = fx.headers("rita")
            func check(_ r: TestResponse, _ status: HTTPResponse.Status, _ label: String) {
                #expect(r.status == status, "\(label): \(r.status) \(r.text)")
                #expect((r.json["error"] as? String)?.isEmpty == false, "\(label): no error sentence")
            }
            check(try await client.execute(uri: "/api/session", method: .post, body: ByteBuffer(string: "{not json")), .badRequest, "malformed login")
            check(try await client.execute(uri: "/api/queue/999999/claim", method: .post, headers: rita), .notFound, "unknown item")
            check(try await client.execute(uri: "/api/queue/abc/claim", method: .post, headers: rita), .badRequest, "bad id")
            check(try await client.execute(uri: "/api/queue?limit=100000", method: .get, headers: rita), .badRequest, "limit")
            check(try await client.execute(uri: "/api/clips/xyz", method: .get, headers: rita), .badRequest, "bad sha")
            check(try await client.execute(uri: "/api/clips/\(String(repeating: "0", count: 64))", method: .get, headers: rita), .notFound, "unknown clip")
            check(try await client.execute(uri: "/api/incidents/nope", method: .get, headers: rita), .notFound, "unknown incident")
            check(try await client.execute(uri: "/api/findings?since=yesterday", method: .get, headers: rita), .badRequest, "bad time")
            check(try await client.execute(uri: "/api/nothing-here", method: .get, headers: rita), .notFound, "unknown route")

            // Verdict problems: not held, bad verdict, bad checklist, oversized body.
            check(try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: rita, body: jsonBody(["verdict": "compliant"])), .conflict, "not held")
            _ = try await client.execute(uri: "/api/queue/\(id)/claim", method: .post, headers: rita)
            check(try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: rita, body: jsonBody(["verdict": "great"])), .badRequest, "bad verdict")
            check(try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: rita, body: jsonBody(["verdict": "violation", "checklist": ["made_up"]])), .badRequest, "bad code")
            check(try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: rita, body: ByteBuffer(string: "[1,2]")), .badRequest, "not an object")
            let huge = jsonBody(["verdict": "violation", "note": String(repeating: "x", count: 10_000)])
            check(try await client.execute(uri: "/api/queue/\(id)/verdict", method: .post, headers: rita, body: huge), .contentTooLarge, "oversized")
            // The item is still claimed and unjudged; a closed one refuses a claim.
            let item = try await #require(try fx.catalog.reviewItem(id))
            #expect(item.state == "claimed" && item.verdict == nil)
            _ = try await fx.catalog.recordVerdict(id, by: "rita", verdict: "compliant", checklist: [], note: nil)
            check(try await client.execute(uri: "/api/queue/\(id)/claim", method: .post, headers: fx.headers("remy")), .conflict, "closed item")
        }
        // Only the claim and the final verdict were recorded.
        let actions = try await fx.catalog.auditEntries().dropFirst(auditBefore).map(\.action)
        #expect(actions == ["claimed", "verdict"])
    }
}
