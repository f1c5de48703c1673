import Crypto
import CustodyCore
import CustodyIngest
@testable import CustodyServer
import CustodyStore
import CustodyTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Issue 16, items 1 and 2: the Axis Body Worn Integration API's request sequence as its README
/// gives it (auth, capabilities, users and devices, a recording container with metadata, clips,
/// GNSS trail, bookmark, Status: Complete), each documented error status, the access rule, and
/// what the recorder said kept, shown and used (`no_prebuffer`).
@Suite struct AxisAPITests {
    static let uuid = "7f6c1a2e-9b1d-4c55-8a0e-3f2b1c4d5e6f"
    static let serial = "ABC123456"
    static let base = "/axis/v1/AUTH_custody"

    /// A 20 s clip FFmpeg makes (no creation-time tag, so the clip's name carries its start).
    static func clip(_ dir: URL, tone: Int) throws -> Data {
        let out = dir.appendingPathComponent("tone-\(tone).mkv")
        let made = try Run.program(URL(fileURLWithPath: "/usr/bin/ffmpeg"), [
            "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10:duration=20", "-f", "lavfi", "-i", "sine=f=\(tone):duration=20",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "10", "-c:a", "aac", "-shortest", "-map_metadata", "-1", "-fflags", "+bitexact", out.path,
        ], timeout: 120)
        guard made.status == 0 else { throw RawHTTP.Failure(description: "ffmpeg: \(made.stderr)") }
        return try Data(contentsOf: out)
    }

    static func epoch(_ iso: String) -> String { String(Int(Timestamp.parse(iso, zone: .gmt)!.timeIntervalSince1970)) }

    /// A fixture with an Axis account, a pre-event buffer policy of 30 s, and a call of olga's
    /// (badge 012345) from 06:00 to 06:05 UTC.
    static func fixture(_ adjust: @escaping (inout CustodyConfiguration) -> Void = { _ in }) async throws -> (ServerFixture, key: String) {
        let fx = try await ServerFixture(adjust: { c in
            c.policy.prebufferRequiredSeconds = 30
            adjust(&c)
        })
        let key = AxisCredentials.newKey()
        try await fx.catalog.setAxisAccount(userName: "axis-test", keyHash: AxisCredentials.hash(key), site: "Test", actor: "test")
        let call = DispatchRow(
            incidentID: "110-20240214-0900", officerID: "012345", dispatchedAt: Timestamp.parse("2024-02-14T05:58:00Z", zone: .gmt),
            arrivedAt: Timestamp.parse("2024-02-14T06:00:00Z", zone: .gmt), clearedAt: Timestamp.parse("2024-02-14T06:05:00Z", zone: .gmt))
        _ = try await fx.catalog.upsertDispatch([(line: 2, row: call)], source: "axis-test.csv", actor: "test")
        return (fx, key)
    }

    func token(_ client: some TestClientProtocol, key: String) async throws -> String {
        let auth = try await client.execute(uri: "/axis/auth/v1.0", method: .get, headers: [
            HTTPField.Name("X-Auth-User")!: "axis-test", HTTPField.Name("X-Auth-Key")!: key,
        ])
        #expect(auth.status == .ok)
        #expect(auth.headers[HTTPField.Name("X-Storage-Url")!]?.hasSuffix("/axis/v1/AUTH_custody") == true)
        return try #require(auth.headers[HTTPField.Name("X-Auth-Token")!])
    }

    func h(_ token: String?, _ pairs: [String: String] = [:]) -> HTTPFields {
        var fields = HTTPFields()
        if let token { fields[HTTPField.Name("X-Auth-Token")!] = token }
        for (k, v) in pairs { fields[HTTPField.Name(k)!] = v }
        return fields
    }

    @Test func theREADMEsSequenceStoresAttributesLinksAndShowsARecording() async throws {
        let (fx, key) = try await Self.fixture()
        defer { fx.cleanUp() }
        let first = try Self.clip(fx.root, tone: 440)
        let second = try Self.clip(fx.root, tone: 660)
        try await fx.application.test(.router) { client in
            // Auth: a wrong key is 401; the right one gives a token and the storage URL.
            let wrong = try await client.execute(uri: "/axis/auth/v1.0", method: .get, headers: [
                HTTPField.Name("X-Auth-User")!: "axis-test", HTTPField.Name("X-Auth-Key")!: "nope",
            ])
            #expect(wrong.status == .unauthorized)
            let t = try await token(client, key: key)
            // Capabilities, with the MD5 ETag the system checks.
            let caps = try await client.execute(uri: "\(Self.base)/System/Capabilities.json", method: .get, headers: h(t))
            #expect(caps.status == .ok)
            let md5 = Insecure.MD5.hash(data: Data(caps.body.readableBytesView)).map { String(format: "%02x", $0) }.joined()
            #expect(caps.headers[.eTag] == md5)
            let capabilities = try #require(try JSONSerialization.jsonObject(with: Data(caps.body.readableBytesView)) as? [String: [String: Bool]])
            #expect(capabilities["Store"]?["StoreUserIDKey"] == true && capabilities["Store"]?["StoreBookmarks"] == true)
            // Users and devices.
            #expect(try await client.execute(uri: "\(Self.base)/Users", method: .put, headers: h(t)).status == .accepted)
            let user = try await client.execute(uri: "\(Self.base)/Users/\(Self.uuid)", method: .put, headers: h(t, [
                "X-Object-Meta-Name": "Olga%20Wang", "X-Object-Meta-Userid": "012345", "X-Object-Meta-Active": "True",
            ]))
            #expect(user.status == .created)
            #expect(try await client.execute(uri: "\(Self.base)/Devices/\(Self.serial)", method: .put, headers: h(t, ["X-Object-Meta-Name": "Cam%207"])).status == .created)
            // A recording: activated at 06:00:10 with 10 s of pre-event buffer (StartTime 06:00:00).
            let container = "\(Self.uuid)_\(Self.serial)_20240214T060010Z"
            let opened = try await client.execute(uri: "\(Self.base)/\(container)", method: .put, headers: h(t, [
                "X-Container-Meta-Triggeron": "Button", "X-Container-Meta-Triggerontime": Self.epoch("2024-02-14T06:00:10Z"),
                "X-Container-Meta-Triggerontimeiso": "2024-02-14T06:00:10Z", "X-Container-Meta-Starttime": Self.epoch("2024-02-14T06:00:00Z"),
                "X-Container-Meta-Timezone": "Asia/Shanghai", "X-Container-Meta-Bwcmodel": "AXIS W110", "X-Container-Meta-Firmwareversion": "11.2.3",
                "X-Container-Meta-Status": "Transferring",
            ]))
            #expect(opened.status == .created, "\(opened.text)")
            let clipName = "20240214_060000_4711.mkv"
            let put = try await client.execute(uri: "\(Self.base)/\(container)/\(clipName)", method: .put, headers: h(t, [
                "X-Object-Meta-Starttime": Self.epoch("2024-02-14T06:00:00Z"), "X-Object-Meta-Stoptime": Self.epoch("2024-02-14T06:00:20Z"),
                "X-Object-Meta-Containertype": "mkv",
            ]), body: ByteBuffer(bytes: first))
            #expect(put.status == .created, "\(put.text)")
            let expectedETag = Insecure.MD5.hash(data: first).map { String(format: "%02x", $0) }.joined()
            #expect(put.headers[.eTag] == expectedETag, "the ETag is the clip's MD5, which Swift clients check")
            let trail = #"{"CoordinateEntries":[{"LocationWKT":"POINT(118.7969 32.0603)","SecondsFromStart":0.0,"Timestamp":"2024-02-14T06:00:00Z"},{"LocationWKT":"POINT(118.7975 32.0610)","SecondsFromStart":10.0,"Timestamp":"2024-02-14T06:00:10Z"},{"LocationWKT":"POINT(118.7981 32.0615)","SecondsFromStart":20.0,"Timestamp":"2024-02-14T06:00:20Z"}]}"#
            #expect(try await client.execute(uri: "\(Self.base)/\(container)/20240214_060000_4711_\(Self.serial)_gpstrail.json", method: .put,
                                             headers: h(t, ["X-Object-Meta-Filetype": "json"]), body: ByteBuffer(string: trail)).status == .created)
            #expect(try await client.execute(uri: "\(Self.base)/\(container)/bookmark_20240214T060012Z_1", method: .put, headers: h(t, [
                "X-Object-Meta-Categoryname": "%E8%AF%81%E6%8D%AE", "X-Object-Meta-Starttime": "2024-02-14T06:00:12Z", "X-Object-Meta-Tags": "witness;plate",
            ]), body: ByteBuffer(string: "Witness gives the plate number")).status == .created)
            // Not yet complete: nothing is in the vault.
            await #expect(try fx.catalog.allEvidence().contains { $0.probe.deviceID == Self.serial } == false)
            let done = try await client.execute(uri: "\(Self.base)/\(container)", method: .post, headers: h(t, [
                "X-Container-Meta-Status": "Complete", "X-Container-Meta-Triggeroff": "Button",
                "X-Container-Meta-Triggerofftime": Self.epoch("2024-02-14T06:00:20Z"),
            ]))
            #expect(done.status == .noContent, "\(done.text)")
            // Stored, attributed to olga's badge and the camera, linked to her call.
            let stored = try #require(try await fx.catalog.allEvidence().first { $0.probe.deviceID == Self.serial })
            #expect(stored.officerID == "012345" && stored.location == .vault)
            #expect(stored.probe.startTime.map(Timestamp.format) == "2024-02-14T06:00:00Z" && stored.probe.fileNameProfile == "axis")
            let findings = try await fx.catalog.findings(.init(incidentID: "110-20240214-0900"))
            let prebuffer = try #require(findings.first { $0.kind == .noPrebuffer })
            #expect(prebuffer.seconds == 20 && prebuffer.clipSHA256 == stored.sha256, "10 s of buffer under a 30 s policy: 20 s short")
            // A second recording with the full 30 s of buffer: no finding for it.
            let full = "\(Self.uuid)_\(Self.serial)_20240214T060230Z"
            #expect(try await client.execute(uri: "\(Self.base)/\(full)", method: .put, headers: h(t, [
                "X-Container-Meta-Triggerontime": Self.epoch("2024-02-14T06:02:30Z"), "X-Container-Meta-Starttime": Self.epoch("2024-02-14T06:02:00Z"),
            ])).status == .created)
            #expect(try await client.execute(uri: "\(Self.base)/\(full)/20240214_060200_4712.mkv", method: .put, headers: h(t), body: ByteBuffer(bytes: second)).status == .created)
            #expect(try await client.execute(uri: "\(Self.base)/\(full)", method: .post, headers: h(t, ["X-Container-Meta-Status": "Complete"])).status == .noContent)
            let after = try await fx.catalog.findings(.init(incidentID: "110-20240214-0900")).filter { $0.kind == .noPrebuffer }
            #expect(after.count == 1 && after.first?.clipSHA256 == stored.sha256, "\(after)")
            // Shown: the API's clip record and the clip page carry what the recorder said.
            let api = try await client.execute(uri: "/api/clips/\(stored.sha256)", method: .get, headers: fx.headers("rita"))
            let recorder = try #require(api.json["recorder"] as? [String: Any])
            #expect(recorder["trigger_on"] as? String == "Button" && recorder["prebuffer_seconds"] as? Double == 10)
            #expect(recorder["model"] as? String == "AXIS W110" && (recorder["gnss"] as? [Any])?.count == 3)
            let bookmark = try #require((recorder["bookmarks"] as? [[String: Any]])?.first)
            #expect(bookmark["category"] as? String == "证据" && bookmark["text"] as? String == "Witness gives the plate number")
            let html = try await client.execute(uri: "/clips/\(stored.sha256)", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "en")).text
            #expect(html.contains("id=\"gnss-track\"") && html.contains("What the recorder reported") && html.contains("Witness gives the plate number"))
            #expect(html.contains("shorter than the required 30 s"))
            // The bookmark is a flag on the call's timeline.
            let incident = try await client.execute(uri: "/incidents/110-20240214-0900", method: .get, headers: HostileInput.cookie(fx, "rita", lang: "en")).text
            #expect(incident.contains("class=\"bookmark\"") && incident.contains("Witness gives the plate number"), "the incident timeline flags the bookmark")
            // After Complete nothing more is added; evidence is never deleted.
            #expect(try await client.execute(uri: "\(Self.base)/\(container)/late.mkv", method: .put, headers: h(t), body: ByteBuffer(bytes: first)).status == .badRequest)
            #expect(try await client.execute(uri: "\(Self.base)/\(container)/\(clipName)", method: .delete, headers: h(t)).status == .forbidden)
            let actions = try await fx.catalog.auditEntries().map(\.action)
            #expect(actions.contains("axis-user-mapped") && actions.contains("axis-recording-opened") && actions.contains("axis-recording-complete"))
        }
    }

    @Test func eachDocumentedErrorStatus() async throws {
        let (fx, key) = try await Self.fixture()
        defer { fx.cleanUp() }
        try await fx.application.test(.router) { client in
            // 401: no token, a made-up token, and a Custody user's own bearer token.
            #expect(try await client.execute(uri: "\(Self.base)/Users/\(Self.uuid)", method: .put).status == .unauthorized)
            #expect(try await client.execute(uri: "\(Self.base)/Users/\(Self.uuid)", method: .put, headers: h("AUTH_tkforged")).status == .unauthorized)
            for user in ServerFixture.accounts.map(\.0) {
                #expect(try await client.execute(uri: "\(Self.base)/System/Capabilities.json", method: .get, headers: fx.headers(user)).status == .unauthorized,
                        "\(user)'s token does not reach the Axis API")
            }
            let t = try await token(client, key: key)
            // …and an Axis token reaches nothing of the rest of Custody.
            #expect(try await client.execute(uri: "/api/queue", method: .get, headers: h(t)).status == .unauthorized)
            _ = try await client.execute(uri: "\(Self.base)/Users/\(Self.uuid)", method: .put, headers: h(t, ["X-Object-Meta-Userid": "012345"]))
            _ = try await client.execute(uri: "\(Self.base)/Users/nobadge", method: .put, headers: h(t, ["X-Object-Meta-Name": "No badge"]))
            _ = try await client.execute(uri: "\(Self.base)/Devices/\(Self.serial)", method: .put, headers: h(t))
            // 400: unknown user, a user without a user-supplied ID, unknown device, bad timestamp, a bad name.
            for (container, message) in [
                ("ffffffff-0000-0000-0000-000000000000_\(Self.serial)_20240214T060010Z", "Unknown user"),
                ("nobadge_\(Self.serial)_20240214T060010Z", "no user-supplied ID"),
                ("\(Self.uuid)_NOSUCHCAM_20240214T060010Z", "Unknown device"),
                ("\(Self.uuid)_\(Self.serial)_19990101T000000Z", "out of bounds"),
                ("\(Self.uuid)_\(Self.serial)_20241399T250000Z", "out of bounds"),
                ("just-a-name", "is not a recording name"),
            ] {
                let r = try await client.execute(uri: "\(Self.base)/\(container)", method: .put, headers: h(t))
                #expect(r.status == .badRequest && r.text.contains(message), "\(container): \(r.status) \(r.text)")
            }
            // 404: objects of a recording never opened; a POST to one.
            #expect(try await client.execute(uri: "\(Self.base)/nope_X_20240214T060010Z/a.mkv", method: .put, headers: h(t), body: ByteBuffer(string: "x")).status == .notFound)
            #expect(try await client.execute(uri: "\(Self.base)/nope_X_20240214T060010Z", method: .post, headers: h(t)).status == .notFound)
            // 400: an empty clip has no duration.
            let container = "\(Self.uuid)_\(Self.serial)_20240214T060010Z"
            #expect(try await client.execute(uri: "\(Self.base)/\(container)", method: .put, headers: h(t)).status == .created)
            #expect(try await client.execute(uri: "\(Self.base)/\(container)/empty.mkv", method: .put, headers: h(t)).status == .badRequest)
            // 503 when every upload place is taken.
            let places = (0..<fx.server.config.uploads.maxConcurrent).compactMap { _ in fx.server.axisInbox.enter() }
            let busy = try await client.execute(uri: "\(Self.base)/\(container)/a.mkv", method: .put, headers: h(t), body: ByteBuffer(string: "bytes"))
            #expect(busy.status == .serviceUnavailable, "\(busy.text)")
            places.forEach { $0.leave() }
        }
        // 507 when the disk would be left with less than the configured free space.
        let (full, fullKey) = try await Self.fixture { $0.uploads.minFreeBytes = Int64.max / 4 }
        defer { full.cleanUp() }
        try await full.application.test(.router) { client in
            let t = try await token(client, key: fullKey)
            _ = try await client.execute(uri: "\(Self.base)/Users/\(Self.uuid)", method: .put, headers: h(t, ["X-Object-Meta-Userid": "012345"]))
            _ = try await client.execute(uri: "\(Self.base)/Devices/\(Self.serial)", method: .put, headers: h(t))
            let container = "\(Self.uuid)_\(Self.serial)_20240214T060010Z"
            #expect(try await client.execute(uri: "\(Self.base)/\(container)", method: .put, headers: h(t)).status == .created)
            let r = try await client.execute(uri: "\(Self.base)/\(container)/a.mkv", method: .put, headers: h(t), body: ByteBuffer(string: "bytes"))
            #expect(r.status.code == 507, "\(r.status) \(r.text)")
        }
    }

    @Test func theConnectionFileNamesTheCredentialsItCreated() async throws {
        let (fx, _) = try await Self.fixture()
        defer { fx.cleanUp() }
        let made = try await AxisCredentials.create(site: "城关 Station", baseURL: "https://custody.example:8443/", catalog: fx.catalog, version: "0.1.0", actor: "test")
        let file = try #require(try JSONSerialization.jsonObject(with: made.file) as? [String: Any])
        #expect(file["ConnectionFileVersion"] as? String == "1.0" && file["SiteName"] as? String == "城关 Station")
        #expect(file["AuthenticationTokenURI"] as? [String] == ["https://custody.example:8443/axis/auth/v1.0"])
        #expect(file["BlobAPIUserName"] as? String == made.userName && made.userName.hasPrefix("axis-"))
        let key = try #require(file["BlobAPIKey"] as? String)
        #expect(key.count == 64 && file["ContainerType"] as? String == "mkv")
        try await fx.application.test(.router) { client in
            let auth = try await client.execute(uri: "/axis/auth/v1.0", method: .get, headers: [
                HTTPField.Name("X-Auth-User")!: made.userName, HTTPField.Name("X-Auth-Key")!: key,
            ])
            #expect(auth.status == .ok)
        }
        // The key is not in the catalog, only its hash.
        let account = try #require(try await fx.catalog.axisAccount(userName: made.userName))
        #expect(account.keyHash == AxisCredentials.hash(key) && account.keyHash != key)
    }
}
