import Crypto
import CustodyCore
import CustodyIngest
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// tus 1.0.0 at `/api/uploads` (core, creation, termination, checksum, expiration): officers
/// upload their own footage; docking stations, with an upload-only token, for anyone.
/// A complete upload goes through the same ingest pipeline as the drop folder.
extension CustodyServer {
    enum Tus {
        static let version = "1.0.0"
        static let extensions = "creation,termination,checksum,expiration"
        static let algorithms = "sha256,sha1"
        static let resumable = HTTPField.Name("Tus-Resumable")!
        static let versionHeader = HTTPField.Name("Tus-Version")!
        static let extensionHeader = HTTPField.Name("Tus-Extension")!
        static let maxSize = HTTPField.Name("Tus-Max-Size")!
        static let checksumAlgorithm = HTTPField.Name("Tus-Checksum-Algorithm")!
        static let uploadOffset = HTTPField.Name("Upload-Offset")!
        static let uploadLength = HTTPField.Name("Upload-Length")!
        static let uploadDeferLength = HTTPField.Name("Upload-Defer-Length")!
        static let uploadMetadata = HTTPField.Name("Upload-Metadata")!
        static let uploadChecksum = HTTPField.Name("Upload-Checksum")!
        static let uploadExpires = HTTPField.Name("Upload-Expires")!
        static let methodOverride = HTTPField.Name("X-HTTP-Method-Override")!
        static let storedSHA = HTTPField.Name("Custody-SHA256")!
        static let storedStatus = HTTPField.Name("Custody-Status")!
        static let checksumMismatch = HTTPResponse.Status(code: 460, reasonPhrase: "Checksum Mismatch")
        static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
        static let locked = HTTPResponse.Status(code: 423, reasonPhrase: "Locked")
    }

    func addUploadRoutes(_ router: Router<CustodyRequestContext>) {
        // Discovery is open to anyone, as tus clients ask before they authenticate.
        let tus = router.group("/api/uploads").add(middleware: TusMiddleware())
        tus.on("", method: .options) { _, _ in
            var headers = HTTPFields()
            headers[Tus.versionHeader] = Tus.version
            headers[Tus.extensionHeader] = Tus.extensions
            headers[Tus.maxSize] = String(config.uploads.maxBytes)
            headers[Tus.checksumAlgorithm] = Tus.algorithms
            return Response(status: .noContent, headers: headers)
        }

        tus.post {  request, context in
            let user = try context.require(Access.upload)
            try Self.checkVersion(request)
            if request.headers[Tus.uploadDeferLength] != nil {
                throw APIError(.badRequest, "Upload-Defer-Length is not supported: send Upload-Length.")
            }
            guard let text = request.headers[Tus.uploadLength], let length = Int64(text), length >= 0 else {
                throw APIError(.badRequest, "Send Upload-Length: the file's size in bytes.")
            }
            guard length <= config.uploads.maxBytes else {
                throw APIError(.contentTooLarge, "The file is \(length) bytes; uploads may be at most \(config.uploads.maxBytes) bytes.")
            }
            let raw = request.headers[Tus.uploadMetadata] ?? ""
            let metadata = try Self.parseMetadata(raw)
            let officer = try Self.officer(for: user, named: metadata["officer"])
            let device = metadata["device"].flatMap { $0.isEmpty ? nil : $0 }
            if let device, device.count > 64 { throw APIError(.badRequest, "The device name is longer than 64 characters.") }
            guard uploads.hasRoom(for: length) else {
                throw APIError(Tus.insufficientStorage, "Not enough free disk space for \(length) bytes; try again later.")
            }
            let filename = Self.safeFilename(metadata["filename"] ?? metadata["name"])
            var upload = try await uploads.create(user: user, officer: officer, device: device, filename: filename, metadata: raw, length: length)
            var headers = HTTPFields()
            headers[.location] = "/api/uploads/\(upload.id)"
            headers[Tus.uploadOffset] = "0"
            headers[Tus.uploadExpires] = Self.httpDate(upload.createdAt.addingTimeInterval(config.uploads.expireAfter))
            if length == 0 {
                // Nothing to send: it is complete now (and quarantined as empty).
                let id = upload.id
                try await db { c in try await c.advanceUpload(id: id, from: 0, to: 0, complete: true) }
                upload.state = .complete
                let result = await uploads.ingestComplete(upload)
                if let result { Self.describe(result, into: &headers) }
            }
            return Response(status: .created, headers: headers)
        }

        tus.head("{id}") { request, context in try await headUpload(request, context) }
        tus.patch("{id}") { request, context in try await patchUpload(request, context) }
        tus.delete("{id}") { request, context in try await deleteUpload(request, context) }
        // tus core: a client behind a proxy that blocks PATCH (or HEAD, DELETE) sends POST with
        // X-HTTP-Method-Override, which MUST be treated as that method. The router picks a route
        // by the real method, so the override is a POST route that hands over to the same code.
        tus.post("{id}") { request, context in
            _ = try context.require(Access.upload)
            let override = request.headers[Tus.methodOverride]?.trimmingCharacters(in: .whitespaces).uppercased()
            var head = request.head
            head.headerFields[Tus.methodOverride] = nil
            switch override {
            case "PATCH"?:
                head.method = .patch
                return try await patchUpload(Request(head: head, body: request.body), context)
            case "HEAD"?:
                head.method = .head
                return try await headUpload(Request(head: head, body: request.body), context)
            case "DELETE"?:
                head.method = .delete
                return try await deleteUpload(Request(head: head, body: request.body), context)
            case nil:
                throw APIError(.methodNotAllowed, "POST to an upload needs X-HTTP-Method-Override: PATCH, HEAD or DELETE; send PATCH to add bytes.")
            case let other?:
                throw APIError(.badRequest, "X-HTTP-Method-Override must be PATCH, HEAD or DELETE, not '\(other.prefix(20))'.")
            }
        }

        // The account's own uploads, newest first (the "My footage" page polls it).
        tus.get { _, context in
            let user = try context.require(Access.upload)
            let list = try await db { c in try await c.uploads(userID: user.id) }
            return JSONResponse.ok(.object([("uploads", .array(list.map(Self.json)))]))
        }
    }

    /// HEAD: where an upload stands.
    func headUpload(_ request: Request, _ context: CustodyRequestContext) async throws -> Response {
        let user = try context.require(Access.upload)
        try Self.checkVersion(request)
        var upload = try await ownUpload(context, user)
        // A request cut a moment ago may still be storing what it got: answer after it.
        guard await uploads.waitUntilIdle(upload.id) else {
            throw APIError(Tus.locked, "An earlier request is still sending this upload; ask again in a few seconds.")
        }
        upload = try await ownUpload(context, user)
        var headers = HTTPFields()
        headers[Tus.uploadOffset] = String(upload.offset)
        headers[Tus.uploadLength] = String(upload.length)
        if !upload.metadata.isEmpty { headers[Tus.uploadMetadata] = upload.metadata }
        headers[.cacheControl] = "no-store"
        if upload.state == .receiving {
            headers[Tus.uploadExpires] = Self.httpDate(upload.updatedAt.addingTimeInterval(config.uploads.expireAfter))
        }
        Self.describe(upload, into: &headers)
        return Response(status: .ok, headers: headers)
    }

    /// PATCH: the next chunk.
    func patchUpload(_ request: Request, _ context: CustodyRequestContext) async throws -> Response {
        let user = try context.require(Access.upload)
        try Self.checkVersion(request)
        _ = try await ownUpload(context, user)
        _ = try await uploads.waitUntilIdle(context.path("id") ?? "")
        return try await receive(request, upload: try await ownUpload(context, user))
    }

    /// DELETE (termination): an unfinished upload and its bytes are removed.
    func deleteUpload(_ request: Request, _ context: CustodyRequestContext) async throws -> Response {
        let user = try context.require(Access.upload)
        try Self.checkVersion(request)
        let upload = try await ownUpload(context, user)
        guard upload.state == .receiving else {
            throw APIError(.conflict, "This upload is complete and stored as evidence; evidence cannot be deleted.")
        }
        do {
            guard try await uploads.terminate(upload, actor: user.name) else {
                throw APIError(.conflict, "This upload has just finished or ended.")
            }
        } catch is UploadSpool.Busy {
            throw APIError(Tus.locked, "The upload is receiving bytes right now; try again when that request ends.")
        }
        return Response(status: .noContent)
    }

    /// PATCH: append the body at the offset, check the chunk's checksum if one was sent, make
    /// it durable, and ingest the file once the last byte is in.
    func receive(_ request: Request, upload: UploadRecord) async throws -> Response {
        guard request.headers[.contentType]?.lowercased().hasPrefix("application/offset+octet-stream") == true else {
            throw APIError(.unsupportedMediaType, "PATCH bodies must be Content-Type: application/offset+octet-stream.")
        }
        guard let text = request.headers[Tus.uploadOffset], let offset = Int64(text), offset >= 0 else {
            throw APIError(.badRequest, "Send Upload-Offset: where this chunk starts.")
        }
        guard offset == upload.offset else {
            throw APIError(.conflict, "Upload-Offset is \(offset) but the upload has \(upload.offset) bytes: ask with HEAD and resume from there.")
                .with(Tus.uploadOffset, String(upload.offset))
        }
        guard upload.state == .receiving else {
            // Every byte is in already. Bytes beyond Upload-Length are refused (tus: 413), never
            // dropped and answered as a success; an empty PATCH at the end is answered.
            if try await Self.carriesBytes(request) {
                var refusal = APIError(.contentTooLarge, "This upload is already complete (\(upload.length) bytes); the bytes sent go past Upload-Length and none were kept.")
                    .with(Tus.uploadOffset, String(upload.offset))
                Self.describe(upload, into: &refusal.headers)
                throw refusal
            }
            var headers = HTTPFields()
            headers[Tus.uploadOffset] = String(upload.offset)
            Self.describe(upload, into: &headers)
            return Response(status: .noContent, headers: headers)
        }
        let remaining = upload.length - upload.offset
        if let declared = request.headers[.contentLength].flatMap(Int64.init), declared > remaining {
            throw APIError(.contentTooLarge, "The chunk is \(declared) bytes but only \(remaining) remain of Upload-Length \(upload.length).")
        }
        var checksum = try request.headers[Tus.uploadChecksum].map(ChunkChecksum.init(header:))
        guard uploads.hasRoom(for: remaining) else {
            throw APIError(Tus.insufficientStorage, "Not enough free disk space for the rest of this upload; try again later.")
        }
        let writer: UploadWriter
        do {
            writer = try uploads.writer(for: upload)
        } catch let busy as UploadSpool.Busy {
            if busy.sameUpload {
                throw APIError(Tus.locked, "Another request is writing this upload; ask with HEAD and resume when it ends.")
            }
            throw APIError(.serviceUnavailable, "Too many uploads at once; try again in a few seconds.").with(.retryAfter, "5")
        }
        defer { writer.close() }

        var cut = false
        do {
            for try await buffer in request.body {
                guard writer.written + Int64(buffer.readableBytes) <= remaining else {
                    writer.discard()
                    throw APIError(.contentTooLarge, "The chunk goes past Upload-Length \(upload.length); nothing of it was kept.")
                }
                try buffer.withUnsafeReadableBytes { bytes in
                    try writer.write(bytes)
                    checksum?.update(bytes)
                }
            }
        } catch let error as APIError {
            throw error
        } catch let error as UploadSpool.Failure {
            writer.discard()
            throw APIError(Tus.insufficientStorage, "The chunk could not be stored (\(error.description)); nothing of it was kept.")
        } catch {
            // The client went away mid-chunk. tus keeps what arrived, unless a checksum was
            // promised for the whole chunk: then nothing of it can be trusted.
            cut = true
        }
        if let checksum, cut || !checksum.matches {
            writer.discard()
            if cut { throw APIError(.badRequest, "The chunk was cut short; its checksum cannot be checked, so nothing of it was kept.") }
            throw APIError(Tus.checksumMismatch, "The chunk's \(checksum.algorithm) does not match Upload-Checksum; it was discarded.")
                .with(Tus.uploadOffset, String(upload.offset))
        }
        let committed = try await writer.commit()
        var headers = HTTPFields()
        headers[Tus.uploadOffset] = String(committed)
        if cut { throw APIError(.badRequest, "The chunk was cut short after \(committed - upload.offset) bytes; they are kept.") }
        if committed == upload.length {
            var complete = upload
            complete.offset = committed
            complete.state = .complete
            let result = await uploads.ingest(complete)
            Self.describe(result, into: &headers)
            if result.status == .failed {
                throw APIError(.internalServerError, "Every byte arrived but storing the file failed (\(result.reason ?? "unknown")); it will be retried.")
            }
        } else {
            headers[Tus.uploadExpires] = Self.httpDate(Date().addingTimeInterval(config.uploads.expireAfter))
        }
        return Response(status: .noContent, headers: headers)
    }

    /// Whether a request has a body with at least one byte (by Content-Length, or by reading it
    /// when it is chunked).
    static func carriesBytes(_ request: Request) async throws -> Bool {
        if let declared = request.headers[.contentLength].flatMap(Int64.init) { return declared > 0 }
        for try await buffer in request.body where buffer.readableBytes > 0 { return true }
        return false
    }

    /// The upload named in the path, if it is the caller's: 404 unknown or cancelled,
    /// 410 expired, 403 someone else's.
    func ownUpload(_ context: CustodyRequestContext, _ user: User) async throws -> UploadRecord {
        guard let id = try context.path("id"), id.count == 32, id.allSatisfy(\.isHexDigit),
              let upload = try await db({ c in try await c.upload(id: id) }), upload.state != .terminated
        else { throw APIError(.notFound, "No such upload.") }
        guard upload.userID == user.id else { throw APIError(.forbidden, "This upload belongs to another account.") }
        guard upload.state != .expired else { throw APIError(.gone, "This upload expired unfinished and was removed; start it again.") }
        return upload
    }

    /// Officers upload as themselves; stations may name anyone.
    static func officer(for user: User, named: String?) throws -> String? {
        let named = named.flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0.trimmingCharacters(in: .whitespaces) }
        if let named, named.count > 64 { throw APIError(.badRequest, "The officer ID is longer than 64 characters.") }
        guard user.role == .officer else { return named }
        guard let own = user.officerID else { throw APIError(.forbidden, "This officer account has no badge number; ask an admin.") }
        if let named, named != own {
            throw APIError(.forbidden, "Officer \(own) may upload only their own footage, not officer \(named)'s.")
        }
        return own
    }

    static func checkVersion(_ request: Request) throws {
        guard request.headers[Tus.resumable] == Tus.version else {
            throw APIError(.preconditionFailed, "Send Tus-Resumable: \(Tus.version); this server speaks tus \(Tus.version) only.")
                .with(Tus.versionHeader, Tus.version)
        }
    }

    /// `Upload-Metadata`: comma-separated `key base64value` pairs (the value may be absent).
    static func parseMetadata(_ header: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for pair in header.split(separator: ",") {
            let parts = pair.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 1)
            guard let key = parts.first.map(String.init), !key.isEmpty else { continue }
            if parts.count == 1 {
                result[key] = ""
                continue
            }
            guard let data = Data(base64Encoded: String(parts[1]).trimmingCharacters(in: .whitespaces)),
                  let value = String(data: data, encoding: .utf8)
            else { throw APIError(.badRequest, "Upload-Metadata value of '\(key)' is not Base64-encoded UTF-8.") }
            result[key] = value
        }
        return result
    }

    /// The last path component, without control characters, at most 255 bytes.
    static func safeFilename(_ name: String?) -> String {
        let last = (name ?? "").split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        var clean = String(last.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        while clean.utf8.count > 255 { clean.removeFirst() }
        return clean.isEmpty || clean == "." || clean == ".." ? "upload" : clean
    }

    /// What a stored upload became, as on the answer to its last PATCH.
    static func describe(_ upload: UploadRecord, into headers: inout HTTPFields) {
        if let sha = upload.sha256 { headers[Tus.storedSHA] = sha }
        if let status = upload.status { headers[Tus.storedStatus] = status }
    }

    static func describe(_ result: IngestResult, into headers: inout HTTPFields) {
        if let sha = result.sha256 { headers[Tus.storedSHA] = sha }
        headers[Tus.storedStatus] = result.status.rawValue
    }

    static func json(_ u: UploadRecord) -> JSONValue {
        var o = JSONObjectBuilder()
        o.add("id", u.id)
        o.add("filename", u.filename)
        o.add("length", u.length)
        o.add("offset", u.offset)
        o.add("state", u.state.rawValue)
        o.add("officer_id", u.officerID)
        o.add("device_id", u.deviceID)
        o.add("sha256", u.sha256)
        o.add("status", u.status)
        o.add("reason", u.reason)
        o.add("created_at", Timestamp.format(u.createdAt))
        o.add("updated_at", Timestamp.format(u.updatedAt))
        return o.value
    }
}

/// Every tus answer carries `Tus-Resumable`, errors included.
struct TusMiddleware: RouterMiddleware {
    typealias Context = CustodyRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = JSONResponse.error(error.status, error.message).withHeaders(error.headers)
        }
        response.headers[CustodyServer.Tus.resumable] = CustodyServer.Tus.version
        return response
    }
}

/// The checksum a tus client sent for one chunk, and the running digest of what arrived.
struct ChunkChecksum {
    let algorithm: String
    let expected: Data
    private var sha256 = SHA256()
    private var sha1 = Insecure.SHA1()

    init(header: String) throws {
        let parts = header.split(separator: " ", maxSplits: 1).map(String.init)
        guard parts.count == 2, let expected = Data(base64Encoded: parts[1]) else {
            throw APIError(.badRequest, "Upload-Checksum must be '<algorithm> <Base64 digest>'.")
        }
        algorithm = parts[0].lowercased()
        guard ["sha256", "sha1"].contains(algorithm) else {
            throw APIError(.badRequest, "Checksum algorithm '\(parts[0])' is not supported; use sha256 (or sha1).")
        }
        self.expected = expected
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        if algorithm == "sha256" { sha256.update(bufferPointer: bytes) } else { sha1.update(bufferPointer: bytes) }
    }

    var matches: Bool {
        algorithm == "sha256" ? Data(sha256.finalize()) == expected : Data(sha1.finalize()) == expected
    }
}
