import CustodyCore
import CustodyIngest
import CustodyServer
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 11, item 11: tus, bytes past a complete upload, and X-HTTP-Method-Override.
@Suite struct TusCompletionTests {

    @Test func bytesSentToACompleteUploadAreRefusedWith413AndNothingIsKept() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let bytes = Data("not a video at all".utf8)
        try await fx.application.test(.router) { client async throws in
            let created = try await client.execute(uri: "/api/uploads", method: .post, headers: HostileInput.tus(fx, "dock", ["Upload-Length": String(bytes.count)]))
            let location = try #require(created.headers[.location])
            let octets = ["Content-Type": "application/offset+octet-stream"]
            let done = try await client.execute(uri: location, method: .patch, headers: HostileInput.tus(fx, "dock", octets.merging(["Upload-Offset": "0"]) { $1 }),
                                                body: ByteBuffer(bytes: bytes))
            #expect(done.status == .noContent)
            let sha = try #require(done.headers[HostileInput.field("Custody-SHA256")])
            let id = String(location.split(separator: "/").last!)
            let stored = try await #require(try fx.catalog.upload(id: id))

            let more = try await client.execute(uri: location, method: .patch, headers: HostileInput.tus(fx, "dock", octets.merging(["Upload-Offset": String(bytes.count)]) { $1 }),
                                                body: ByteBuffer(string: "extra bytes"))
            #expect(more.status == .contentTooLarge)
            #expect(more.headers[HostileInput.field("Upload-Offset")] == String(bytes.count))
            #expect(more.headers[HostileInput.field("Tus-Resumable")] == "1.0.0")
            let after = try await #require(try fx.catalog.upload(id: id))
            #expect(after.offset == stored.offset)
            #expect(after.sha256 == sha)
            let evidence = try await #require(try fx.catalog.evidence(sha256: sha))
            let size = try FileManager.default.attributesOfItem(atPath: fx.folder.root.appendingPathComponent(evidence.storedPath).path)[.size] as? NSNumber
            #expect(size?.intValue == bytes.count)
            // An empty PATCH at the end is still answered as before.
            let empty = try await client.execute(uri: location, method: .patch, headers: HostileInput.tus(fx, "dock", octets.merging(["Upload-Offset": String(bytes.count)]) { $1 }),
                                                 body: ByteBuffer())
            #expect(empty.status == .noContent)
        }
    }

    @Test func postWithXHTTPMethodOverrideIsTreatedAsPatchHeadAndDelete() async throws {
        let fx = try await ServerFixture()
        defer { fx.cleanUp() }
        let bytes = Data("twenty bytes of junk".utf8)
        try await fx.application.test(.router) { client async throws in
            let created = try await client.execute(uri: "/api/uploads", method: .post, headers: HostileInput.tus(fx, "dock", ["Upload-Length": String(bytes.count)]))
            let location = try #require(created.headers[.location])
            // The same rules as the real methods: anonymous 401, another account 403.
            var anonymous = HTTPFields()
            anonymous[HostileInput.field("Tus-Resumable")] = "1.0.0"
            anonymous[HostileInput.field("X-HTTP-Method-Override")] = "HEAD"
            #expect(try await client.execute(uri: location, method: .post, headers: anonymous).status == .unauthorized)
            #expect(try await client.execute(uri: location, method: .post, headers: HostileInput.tus(fx, "olga", ["X-HTTP-Method-Override": "DELETE"])).status == .forbidden)
            let patch = try await client.execute(uri: location, method: .post, headers: HostileInput.tus(fx, "dock", [
                "X-HTTP-Method-Override": "PATCH", "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
            ]), body: ByteBuffer(bytes: bytes.prefix(8)))
            #expect(patch.status == .noContent, "\(patch.status) \(patch.text)")
            #expect(patch.headers[HostileInput.field("Upload-Offset")] == "8")
            let head = try await client.execute(uri: location, method: .post, headers: HostileInput.tus(fx, "dock", ["X-HTTP-Method-Override": "HEAD"]))
            #expect(head.status == .ok)
            #expect(head.headers[HostileInput.field("Upload-Offset")] == "8")
            #expect(head.headers[HostileInput.field("Upload-Length")] == String(bytes.count))
            let delete = try await client.execute(uri: location, method: .post, headers: HostileInput.tus(fx, "dock", ["X-HTTP-Method-Override": "delete"]))
            #expect(delete.status == .noContent)
            #expect(try await client.execute(uri: location, method: .head, headers: HostileInput.tus(fx, "dock")).status == .notFound)
            let odd = try await client.execute(uri: location, method: .post, headers: HostileInput.tus(fx, "dock", ["X-HTTP-Method-Override": "PUT"]))
            #expect(odd.status == .badRequest)
        }
    }
}
