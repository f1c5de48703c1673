import Crypto
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The Axis Body Worn Integration API (issue 16): Custody as a "content destination" the Axis
/// body-worn system uploads to. It is the subset of the OpenStack Swift object API that Axis's
/// README lists, under `/axis/`: auth at `GET /axis/auth/v1.0` (X-Auth-User, X-Auth-Key →
/// X-Auth-Token, X-Storage-Url), the storage URL `/axis/v1/AUTH_custody`, `System/Capabilities.json`
/// (with its MD5 ETag), `Users/` and `Devices/` objects, one container per recording with its
/// `X-Container-Meta-*`, one object per clip, GNSS trail and bookmark, and `Status: Complete`,
/// on which the clips go through the normal ingest, attributed to the officer whose badge the
/// Axis user's user-supplied ID is, and to the camera's serial number.
///
/// Access: an Axis token only (from `custody axis connection-file`'s credentials); no user's
/// session or token reaches these routes, and an Axis token reaches nothing else.
extension CustodyServer {
    enum Axis {
        static let account = "AUTH_custody"
        static let authUser = HTTPField.Name("X-Auth-User")!
        static let authKey = HTTPField.Name("X-Auth-Key")!
        static let storageUser = HTTPField.Name("X-Storage-User")!
        static let storagePass = HTTPField.Name("X-Storage-Pass")!
        static let authToken = HTTPField.Name("X-Auth-Token")!
        static let storageToken = HTTPField.Name("X-Storage-Token")!
        static let storageURL = HTTPField.Name("X-Storage-Url")!
        static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        static let tokenLifetime: TimeInterval = 24 * 3600

        /// What this destination supports (README, Capability API).
        static let capabilities = Data("""
            {"Read":{"ReadCategories":false},"Store":{"StoreUserIDKey":true,"StoreBookmarks":true,"StoreGNSSTrackRecording":true,"StoreReadSystemID":true,"StoreSignedVideo":false,"StoreRejectedContent":false},"StoreAndRead":{}}
            """.utf8)

        /// Axis's metadata keys as the README spells them; headers arrive in any case.
        static let keys: [String: String] = Dictionary(uniqueKeysWithValues: [
            "ContainerName", "BWCSerialNumber", "SCUSerialNumber", "FirmwareVersion", "UserID", "TriggerOn", "TriggerOff",
            "TriggerOnTime", "TriggerOnTimeISO", "TriggerOnLocation", "TriggerOffTime", "TriggerOffTimeISO", "TriggerOffLocation",
            "StartTime", "StartTimeISO", "StopTime", "StopTimeISO", "TimeZone", "BWCModel", "Status", "ContainerType",
            "StartLocation", "StopLocation", "FileType", "CategoryID", "CategoryName", "Tags", "EndTime", "Active", "Name",
            "ConnectionId", "SystemName",
        ].map { ($0.lowercased(), $0) })

        /// `<UserID>_<BWCSerialNumber>_<YYYYMMDDTHHMMSSZ>` (a fresh Regex each time: Regex is not Sendable).
        static func recordingName() -> Regex<(Substring, user: Substring, serial: Substring, time: Substring)> {
            #/^(?<user>.+)_(?<serial>[^_]+)_(?<time>\d{8}T\d{6}Z)$/#
        }
    }

    func addAxisRoutes(_ router: Router<CustodyRequestContext>) {
        let axis = router.group("/axis")
        axis.get("auth/v1.0") { request, _ in await self.axisAuth(request) }
        for method in [HTTPRequest.Method.get, .head, .put, .post, .delete] {
            axis.on("v1/:account", method: method) { request, context in
                await self.axisAnswer(request) { try await self.axisAccount(request, context) }
            }
            axis.on("v1/:account/**", method: method) { request, context in
                await self.axisAnswer(request) { try await self.axisPath(request, context) }
            }
        }
    }

    struct AxisError: Error {
        var status: HTTPResponse.Status
        var message: String
        init(_ status: HTTPResponse.Status, _ message: String) {
            self.status = status
            self.message = message
        }
    }

    /// Plain-text answers, as a Swift store gives them; never an HTML page.
    func axisAnswer(_ request: Request, _ work: () async throws -> Response) async -> Response {
        do {
            return try await work()
        } catch let e as AxisError {
            return Self.axisText(e.status, e.message, head: request.method == .head)
        } catch {
            return Self.axisText(.internalServerError, "The recording could not be stored: \(error)", head: request.method == .head)
        }
    }

    static func axisText(_ status: HTTPResponse.Status, _ text: String, head: Bool = false, headers: HTTPFields = HTTPFields()) -> Response {
        var headers = headers
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: status, headers: headers, body: head ? .init() : .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }

    // MARK: - Auth

    func axisAuth(_ request: Request) async -> Response {
        let user = request.headers[Axis.authUser] ?? request.headers[Axis.storageUser]
        let key = request.headers[Axis.authKey] ?? request.headers[Axis.storagePass]
        guard let user, let key, !user.isEmpty, !key.isEmpty else {
            return Self.axisText(.unauthorized, "Send X-Auth-User and X-Auth-Key (the connection file's BlobAPIUserName and BlobAPIKey).")
        }
        guard let account = try? await db({ c in try await c.axisAccount(userName: user) }),
              Self.constantTimeEqual(AxisCredentials.hash(key), account.keyHash)
        else {
            return Self.axisText(.unauthorized, "Unknown user or wrong key.")
        }
        let token = axisTokens.issue(user: user, lifetime: Axis.tokenLifetime)
        var headers = HTTPFields()
        headers[Axis.authToken] = token
        headers[Axis.storageToken] = token
        let host = request.head.authority ?? "\(settings.host):\(settings.port)"
        headers[Axis.storageURL] = "http://\(host)/axis/v1/\(Axis.account)"
        return Response(status: .ok, headers: headers, body: .init())
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var diff: UInt8 = 0
        for i in x.indices { diff |= x[i] ^ y[i] }
        return diff == 0
    }

    /// The Axis user a request's token was issued to; 401 otherwise.
    func axisCaller(_ request: Request) throws -> String {
        guard let token = request.headers[Axis.authToken], let user = axisTokens.user(for: token) else {
            throw AxisError(.unauthorized, "Send a valid X-Auth-Token (GET /axis/auth/v1.0 gives one).")
        }
        return user
    }

    func axisAccount(_ request: Request, _ context: CustodyRequestContext) async throws -> Response {
        _ = try axisCaller(request)
        guard context.parameters.get("account") == Axis.account else { throw AxisError(.notFound, "No such account.") }
        switch request.method {
        case .get, .head: return Response(status: .noContent)
        default: throw AxisError(.forbidden, "The account itself cannot be changed.")
        }
    }

    // MARK: - Containers and objects

    func axisPath(_ request: Request, _ context: CustodyRequestContext) async throws -> Response {
        let caller = try axisCaller(request)
        guard context.parameters.get("account") == Axis.account else { throw AxisError(.notFound, "No such account.") }
        let parts = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? String($0) }
        guard let container = parts.first, !container.isEmpty else { throw AxisError(.notFound, "No such container.") }
        let object = parts.count > 1 ? parts.dropFirst().joined(separator: "/") : nil
        let actor = "axis:\(caller)"
        if request.method == .delete {
            throw AxisError(.forbidden, "Evidence is never deleted: Custody keeps every recording it received.")
        }
        switch (container, object) {
        case ("System", nil), ("Users", nil), ("Devices", nil):
            return request.method == .put || request.method == .post ? Response(status: .accepted) : Response(status: .noContent)
        case ("System", "Capabilities.json"?):
            guard request.method == .get || request.method == .head else { throw AxisError(.forbidden, "Capabilities.json is Custody's to write.") }
            var headers = HTTPFields()
            headers[.eTag] = Insecure.MD5.hash(data: Axis.capabilities).map { String(format: "%02x", $0) }.joined()
            headers[.contentType] = "application/json"
            headers[.contentLength] = String(Axis.capabilities.count)
            return Response(status: .ok, headers: headers, body: request.method == .head ? .init() : .init(byteBuffer: ByteBuffer(bytes: Axis.capabilities)))
        case ("System", let name?):
            return try await axisSmallObject(request, container: "System", name: name, kind: .other)
        case ("Users", let uuid?):
            return try await axisUser(request, uuid: uuid, actor: actor)
        case ("Devices", let serial?):
            return try await axisDevice(request, serial: serial)
        case (_, nil):
            return try await axisRecording(request, container: container, actor: actor)
        case (_, let name?):
            return try await axisRecordingObject(request, container: container, name: name)
        }
    }

    /// `X-Container-Meta-*` or `X-Object-Meta-*`, keys as Axis spells them, values decoded.
    static func axisMetadata(_ request: Request, prefix: String) -> [String: String] {
        var out: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            guard name.hasPrefix(prefix) else { continue }
            let key = String(name.dropFirst(prefix.count))
            out[Axis.keys[key] ?? key] = field.value.removingPercentEncoding ?? field.value
        }
        return out
    }

    func axisUser(_ request: Request, uuid: String, actor: String) async throws -> Response {
        guard request.method == .put || request.method == .post else {
            guard let user = try await db({ c in try await c.axisUser(uuid: uuid) }) else { throw AxisError(.notFound, "No such user.") }
            _ = user
            return Response(status: .noContent)
        }
        try await Self.drain(request)
        let meta = Self.axisMetadata(request, prefix: "x-object-meta-")
        let userID = meta["UserID"].flatMap { $0.isEmpty ? nil : $0 }
        let active = (meta["Active"] ?? "true").lowercased() != "false"
        try await db { c in
            try await c.upsertAxisUser(Catalog.AxisUser(uuid: uuid, userID: userID, name: meta["Name"], active: active), actor: actor)
        }
        return Response(status: request.method == .put ? .created : .accepted)
    }

    func axisDevice(_ request: Request, serial: String) async throws -> Response {
        guard request.method == .put || request.method == .post else {
            guard try await db({ c in try await c.axisDeviceExists(serial: serial) }) else { throw AxisError(.notFound, "No such device.") }
            return Response(status: .noContent)
        }
        try await Self.drain(request)
        let meta = Self.axisMetadata(request, prefix: "x-object-meta-")
        try await db { c in try await c.upsertAxisDevice(serial: serial, name: meta["Name"]) }
        return Response(status: request.method == .put ? .created : .accepted)
    }

    func axisSmallObject(_ request: Request, container: String, name: String, kind: Catalog.AxisObject.Kind) async throws -> Response {
        guard request.method == .put || request.method == .post else { throw AxisError(.notFound, "No such object.") }
        let body = try await request.body.collect(upTo: 64 * 1024)
        let meta = Self.axisMetadata(request, prefix: "x-object-meta-")
        try await db { c in
            try await c.putAxisObject(Catalog.AxisObject(
                container: container, name: name, kind: kind, metadata: meta, body: String(buffer: body), size: Int64(body.readableBytes)))
        }
        return Response(status: request.method == .put ? .created : .accepted)
    }

    static func drain(_ request: Request) async throws {
        for try await _ in request.body {}
    }

    /// PUT opens a recording (its user and camera must be known: 400 otherwise); POST updates
    /// its metadata, and `Status: Complete` stores its clips.
    func axisRecording(_ request: Request, container: String, actor: String) async throws -> Response {
        let meta = Self.axisMetadata(request, prefix: "x-container-meta-")
        switch request.method {
        case .put:
            try await Self.drain(request)
            guard let match = container.wholeMatch(of: Axis.recordingName()) else {
                throw AxisError(.badRequest, "'\(container)' is not a recording name: <UserID>_<BWCSerialNumber>_<YYYYMMDDTHHMMSSZ>.")
            }
            let uuid = String(match.output.user), serial = String(match.output.serial)
            let named = Timestamp.parseCompact(String(match.output.time).filter(\.isNumber), zone: TimeZone(identifier: "UTC")!)
            let trigger = meta["TriggerOnTime"].flatMap(Double.init) ?? named?.timeIntervalSince1970
            guard let trigger, trigger > 946_684_800, trigger < Date().timeIntervalSince1970 + 86_400 else {
                throw AxisError(.badRequest, "The recording's time \(match.output.time) is out of bounds (before 2000 or more than a day ahead).")
            }
            guard let user = try await db({ c in try await c.axisUser(uuid: uuid) }) else {
                throw AxisError(.badRequest, "Unknown user \(uuid): create Users/\(uuid) first.")
            }
            guard let badge = user.userID else {
                throw AxisError(.badRequest, "User \(uuid) has no user-supplied ID (StoreUserIDKey): Custody cannot tell which officer it is.")
            }
            guard try await db({ c in try await c.axisDeviceExists(serial: serial) }) else {
                throw AxisError(.badRequest, "Unknown device \(serial): create Devices/\(serial) first.")
            }
            let recording = Catalog.AxisRecording(
                container: container, userUUID: uuid, serial: serial, officerID: badge, triggerOnTime: trigger,
                startTime: meta["StartTime"].flatMap(Double.init), metadata: meta)
            let created = try await db { c in try await c.openAxisRecording(recording, actor: actor) }
            if !created { _ = try await db { c in try await c.updateAxisRecording(container: container, metadata: meta) } }
            return Response(status: created ? .created : .accepted)
        case .post:
            try await Self.drain(request)
            guard let before = try await db({ c in try await c.axisRecording(container: container) }) else {
                throw AxisError(.notFound, "No recording \(container): PUT it first.")
            }
            let after = try await db { c in try await c.updateAxisRecording(container: container, metadata: meta) }
            if meta["Status"]?.lowercased() == "complete", before.status != "complete", after != nil {
                let inbox = axisInbox
                let done = try await inbox.complete(container: container, actor: actor)
                if done.stored == 0 && done.failed > 0 {
                    throw AxisError(.internalServerError, "None of the recording's \(done.failed) clip(s) could be stored; send them again.")
                }
            }
            return Response(status: .noContent)
        default:
            guard try await db({ c in try await c.axisRecording(container: container) }) != nil else { throw AxisError(.notFound, "No such container.") }
            return Response(status: .noContent)
        }
    }

    /// A clip (streamed to the spool), its key file, GNSS trail or a bookmark.
    func axisRecordingObject(_ request: Request, container: String, name: String) async throws -> Response {
        guard let recording = try await db({ c in try await c.axisRecording(container: container) }) else {
            throw AxisError(.notFound, "No recording \(container): PUT the container first.")
        }
        let meta = Self.axisMetadata(request, prefix: "x-object-meta-")
        let lower = name.lowercased()
        let kind: Catalog.AxisObject.Kind =
            lower.hasSuffix("_gpstrail.json") ? .gnss
            : lower.hasPrefix("bookmark_") ? .bookmark
            : lower.hasSuffix(".key") ? .key
            : (lower.hasSuffix(".mkv") || lower.hasSuffix(".mp4")) ? .clip : .other
        switch request.method {
        case .post:
            try await Self.drain(request)
            guard try await db({ c in try await c.setAxisObjectMetadata(container: container, name: name, metadata: meta) }) else {
                throw AxisError(.notFound, "No object \(name) in \(container).")
            }
            return Response(status: .accepted)
        case .put:
            guard recording.status != "complete" else {
                throw AxisError(.badRequest, "Recording \(container) is complete: nothing more is added to it.")
            }
            if kind != .clip {
                let limit = kind == .gnss ? 4 << 20 : 256 * 1024
                let body: ByteBuffer
                do { body = try await request.body.collect(upTo: limit) } catch {
                    throw AxisError(.contentTooLarge, "\(name) is larger than \(limit / 1024) KB.")
                }
                let text = String(buffer: body)
                if kind == .gnss, !text.isEmpty, (try? JSONSerialization.jsonObject(with: Data(text.utf8))) == nil {
                    throw AxisError(.badRequest, "\(name) is not the JSON GNSS trail the API describes.")
                }
                try await db { c in
                    try await c.putAxisObject(Catalog.AxisObject(
                        container: container, name: name, kind: kind, metadata: meta, body: kind == .key ? nil : text, size: Int64(body.readableBytes)))
                }
                var headers = HTTPFields()
                headers[.eTag] = Insecure.MD5.hash(data: Data(body.readableBytesView)).map { String(format: "%02x", $0) }.joined()
                return Response(status: .created, headers: headers)
            }
            let declared = request.headers[.contentLength].flatMap(Int64.init)
            if let declared, declared > config.uploads.maxBytes {
                throw AxisError(.contentTooLarge, "The clip is \(declared) bytes; at most \(config.uploads.maxBytes) are accepted.")
            }
            guard uploads.hasRoom(for: declared ?? 0) else {
                throw AxisError(Axis.insufficientStorage, "Not enough free disk space for the clip; try again later.")
            }
            guard let ticket = axisInbox.enter() else {
                throw AxisError(.serviceUnavailable, "Too many uploads at once; try again soon.")
            }
            defer { ticket.leave() }
            let writer = try axisInbox.writer(container: container, object: name)
            var md5 = Insecure.MD5()
            do {
                for try await buffer in request.body {
                    let bytes = Array(buffer.readableBytesView)
                    md5.update(data: bytes)
                    try writer.write(bytes)
                }
                try await OffLoop.run { try writer.finish() }
            } catch is SpoolWriter.TooLarge {
                writer.discard()
                throw AxisError(.contentTooLarge, "The clip is larger than \(config.uploads.maxBytes) bytes.")
            } catch {
                writer.discard()
                throw AxisError(.badRequest, "The clip did not arrive whole (\(error)); send it again.")
            }
            if let declared, declared != writer.written {
                writer.discard()
                throw AxisError(.badRequest, "The clip's body ended after \(writer.written) of \(declared) bytes; send it again.")
            }
            guard writer.written > 0 else {
                writer.discard()
                throw AxisError(.badRequest, "The clip \(name) is empty: it has no duration.")
            }
            try await db { c in
                try await c.putAxisObject(Catalog.AxisObject(container: container, name: name, kind: .clip, metadata: meta, size: writer.written))
            }
            var headers = HTTPFields()
            headers[.eTag] = md5.finalize().map { String(format: "%02x", $0) }.joined()
            return Response(status: .created, headers: headers)
        default:
            guard try await db({ c in try await c.axisObjects(container: container) }).contains(where: { $0.name == name }) else {
                throw AxisError(.notFound, "No object \(name) in \(container).")
            }
            return Response(status: .noContent)
        }
    }
}

/// Tokens handed out by `GET /axis/auth/v1.0`, held in memory (a restart asks the system to
/// authenticate again, which it does on any 401).
final class AxisTokens: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var tokens: [String: (user: String, until: Date)] = [:]

    func issue(user: String, lifetime: TimeInterval) -> String {
        let token = "AUTH_tk" + SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }.map { String(format: "%02x", $0) }.joined()
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        tokens = tokens.filter { $0.value.until > now }
        tokens[token] = (user, now.addingTimeInterval(lifetime))
        return token
    }

    func user(for token: String) -> String? {
        lock.lock()
        defer { lock.unlock() }
        guard let entry = tokens[token], entry.until > Date() else { return nil }
        return entry.user
    }
}
