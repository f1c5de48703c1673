public import Foundation
internal import AsyncHTTPClient
internal import NIOCore
internal import NIOHTTP1
#if canImport(FoundationXML)
internal import FoundationXML
#endif

/// Where an S3 vault is and how to sign for it (`[vault]` in config.toml).
public struct S3VaultConfiguration: Sendable {
    /// `http://127.0.0.1:8080` or `https://s3.example.org`: path-style requests go to
    /// `ENDPOINT/BUCKET/PREFIX/KEY`.
    public var endpoint: URL
    public var bucket: String
    /// Put before every key, without a leading or trailing `/` ("" for none).
    public var prefix: String
    public var region: String
    public var accessKey: String
    public var secretKey: String
    /// Files up to this size go up in one PUT; larger ones as a multipart upload of parts this
    /// big (S3 wants ≥ 5 MiB but the last). One part at a time is in memory.
    public var partSize: Int = 16 << 20
    /// Parts sent at once in a multipart upload (memory: this many parts).
    public var partsInFlight = 3
    /// How long one request may take.
    public var requestTimeout: Double = 300

    public init(endpoint: URL, bucket: String, prefix: String, region: String, accessKey: String, secretKey: String) {
        self.endpoint = endpoint
        self.bucket = bucket
        self.prefix = prefix.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        self.region = region
        self.accessKey = accessKey
        self.secretKey = secretKey
    }

    /// Parses `s3://BUCKET/PREFIX`.
    public static func parse(url: String, endpoint: URL, region: String, accessKey: String, secretKey: String) throws(VaultError) -> S3VaultConfiguration {
        guard url.hasPrefix("s3://") else {
            throw VaultError(.invalid, key: url, "A vault URL is s3://BUCKET/PREFIX.")
        }
        let rest = url.dropFirst("s3://".count)
        let bucket = String(rest.prefix { $0 != "/" })
        let prefix = String(rest.dropFirst(bucket.count))
        guard !bucket.isEmpty, bucket.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == ".") }) else {
            throw VaultError(.invalid, key: url, "The bucket name in \(url) must be lower-case letters, digits, '-' or '.'.")
        }
        return S3VaultConfiguration(endpoint: endpoint, bucket: bucket, prefix: prefix, region: region, accessKey: accessKey, secretKey: secretKey)
    }
}

/// The vault in an S3-compatible object store (AWS, Ceph RGW, OpenStack Swift's s3api, MinIO),
/// signed with AWS Signature Version 4 over AsyncHTTPClient.
///
/// Every request body is at most one part, held in memory and hashed before it is sent with its
/// SHA-256 in `x-amz-content-sha256`, so the store checks each one; the whole file's digest is
/// computed from the same bytes and compared with the caller's before a multipart upload is
/// completed (else it is aborted and nothing appears). A key that exists is never written again.
public struct S3Vault: Vault {
    public let configuration: S3VaultConfiguration
    let client: HTTPClient
    let signer: SigV4
    /// Whether the store honours `If-None-Match: *` on writes. AWS does; OpenStack Swift's s3api
    /// answers 501, and then the HEAD before every write is the only guard (content-addressed
    /// keys: a racing writer of the same key writes the same bytes).
    let conditional = ConditionalWrites()

    public init(_ configuration: S3VaultConfiguration) {
        self.configuration = configuration
        client = HTTPClient.shared
        signer = SigV4(accessKey: configuration.accessKey, secretKey: configuration.secretKey, region: configuration.region)
    }

    public var location: String {
        "s3://\(configuration.bucket)/\(configuration.prefix) at \(configuration.endpoint.absoluteString)"
    }

    func objectPath(_ key: String) -> String {
        let p = configuration.prefix.isEmpty ? key : "\(configuration.prefix)/\(key)"
        return "/\(configuration.bucket)/\(p)"
    }

    var hostHeader: String {
        let host = configuration.endpoint.host ?? "127.0.0.1"
        let scheme = configuration.endpoint.scheme ?? "http"
        if let port = configuration.endpoint.port, !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
            return "\(host):\(port)"
        }
        return host
    }

    // MARK: - One signed request

    struct Answer {
        var status: Int
        var headers: [(String, String)]
        var body: [UInt8]
        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
        var errorCode: String? {
            let text = String(decoding: body, as: UTF8.self)
            guard let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>", range: start.upperBound..<text.endIndex) else { return nil }
            return String(text[start.upperBound..<end.lowerBound])
        }
    }

    func send(_ method: String, path: String, query: [(String, String)] = [], headers extra: [(String, String)] = [],
              body: [UInt8]? = nil, payloadSHA256: String? = nil, key: String, collectUpTo: Int = 1 << 20) async throws(VaultError) -> Answer {
        let payload = payloadSHA256 ?? (body.map { SigV4Digest.hex(of: $0) } ?? SigV4.emptyPayloadSHA256)
        var headers = [("Host", hostHeader), ("x-amz-content-sha256", payload)] + extra
        if let body { headers.append(("Content-Length", String(body.count))) }
        let signed = signer.sign(SigV4.Request(method: method, path: path, query: query, headers: headers, payloadSHA256: payload), at: Date())

        var components = URLComponents()
        components.scheme = configuration.endpoint.scheme
        components.host = configuration.endpoint.host
        components.port = configuration.endpoint.port
        let encodedPath = path.split(separator: "/", omittingEmptySubsequences: false).map { SigV4.uriEncode(String($0)) }.joined(separator: "/")
        let encodedQuery = query.map { SigV4.uriEncode($0.0) + "=" + SigV4.uriEncode($0.1) }.joined(separator: "&")
        let url = (components.string ?? "") + encodedPath + (encodedQuery.isEmpty ? "" : "?" + encodedQuery)

        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method)
        for (name, value) in signed where name.lowercased() != "content-length" {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        // A kept-alive connection the store closed just as this request went out fails with
        // remoteConnectionClosed: sent again once on a new connection. Every body here is in
        // memory, and HEAD, GET, PUT and DELETE are idempotent (a POST, which starts or
        // completes a multipart upload, is not sent twice).
        var attempt = 0
        while true {
            attempt += 1
            do {
                let response = try await client.execute(request, timeout: .seconds(Int64(configuration.requestTimeout)))
                // An error document is small; a body is at most what the caller expects.
                let collected = try await response.body.collect(upTo: max(collectUpTo, 64 << 10))
                return Answer(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                              body: Array(collected.readableBytesView))
            } catch let error as HTTPClientError where error == .remoteConnectionClosed && attempt == 1 && method != "POST" {
                continue
            } catch {
                throw VaultError(.unavailable, key: key, "The object store at \(configuration.endpoint.absoluteString) did not answer \(method): \(error).")
            }
        }
    }

    /// A write that must not replace an object: with `If-None-Match: *` while the store takes it.
    func conditionalSend(_ method: String, path: String, query: [(String, String)] = [], body: [UInt8],
                         payloadSHA256: String? = nil, key: String) async throws(VaultError) -> Answer {
        if conditional.supported {
            let answer = try await send(method, path: path, query: query, headers: [("If-None-Match", "*")],
                                        body: body, payloadSHA256: payloadSHA256, key: key)
            guard answer.status == 501 else { return answer }
            conditional.supported = false
        }
        return try await send(method, path: path, query: query, body: body, payloadSHA256: payloadSHA256, key: key)
    }

    func failure(_ answer: Answer, _ what: String, key: String) -> VaultError {
        let code = answer.errorCode ?? "HTTP \(answer.status)"
        let kind: VaultError.Code
        switch answer.status {
        case 404: kind = .notFound
        case 401, 403: kind = .denied
        case 400 where code == "XAmzContentSHA256Mismatch" || code == "BadDigest": kind = .digestMismatch
        case 507: kind = .full
        case 500...: kind = .unavailable
        default: kind = .invalid
        }
        let hint = kind == .denied ? " Check the vault's access key and secret key file in config.toml." : ""
        return VaultError(kind, key: key, "\(what) was refused by \(location): \(code).\(hint)")
    }

    // MARK: - Vault

    public func put(file: URL, key: String, sha256: String, size: Int64) async throws(VaultError) -> VaultPut {
        try Self.validate(key)
        if let existing = try await self.size(of: key) {
            guard existing == size else {
                throw VaultError(.conflict, key: key, "\(location) already holds \(existing) bytes under \(key), not \(size); it was left as it is.")
            }
            return .alreadyPresent
        }
        guard let handle = FileHandle(forReadingAtPath: file.path) else {
            throw VaultError(.io, key: key, "\(file.path) cannot be read.")
        }
        defer { try? handle.close() }
        let path = objectPath(key)
        if size <= Int64(configuration.partSize) {
            let bytes = try Self.readPart(handle, count: Int(size), file: file, key: key)
            guard bytes.count == size, SigV4Digest.hex(of: bytes) == sha256 else {
                throw VaultError(.digestMismatch, key: key, "\(file.path) no longer has the SHA-256 it was staged with; nothing was stored.")
            }
            let answer = try await conditionalSend("PUT", path: path, body: bytes, payloadSHA256: sha256, key: key)
            if answer.status == 412 { return .alreadyPresent }
            guard answer.status == 200 else { throw failure(answer, "Storing \(key)", key: key) }
            return .stored
        }
        return try await putMultipart(handle, file: file, key: key, path: path, sha256: sha256, size: size)
    }

    private func putMultipart(_ handle: FileHandle, file: URL, key: String, path: String, sha256: String, size: Int64) async throws(VaultError) -> VaultPut {
        let created = try await send("POST", path: path, query: [("uploads", "")], key: key)
        guard created.status == 200, let uploadID = Self.element("UploadId", in: created.body) else {
            throw failure(created, "Starting the upload of \(key)", key: key)
        }
        // s3api numbers parts up to 1,000 (AWS: 10,000): grow the parts for very large files.
        let partSize = max(configuration.partSize, Int((size + 999) / 1000))
        var whole = SHA256Hasher()
        do throws(VaultError) {
            let parts: [(Int, String)]
            do {
                parts = try await sendParts(handle, file: file, key: key, path: path, uploadID: uploadID, partSize: partSize, size: size, whole: &whole)
            } catch let error as VaultError {
                throw error
            } catch {
                throw VaultError(.unavailable, key: key, "Storing \(key) in \(location) failed: \(error).")
            }
            guard whole.finish() == sha256 else {
                throw VaultError(.digestMismatch, key: key, "The bytes read from \(file.path) do not hash to \(sha256); the upload was abandoned.")
            }
            let list = parts.map { "<Part><PartNumber>\($0.0)</PartNumber><ETag>\(Self.escape($0.1))</ETag></Part>" }.joined()
            let body = Array("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
            let done = try await conditionalSend("POST", path: path, query: [("uploadId", uploadID)], body: body, key: key)
            // S3 can answer 200 with an error document when completion fails late.
            if done.status == 412 { return .alreadyPresent }
            guard done.status == 200, done.errorCode == nil else { throw failure(done, "Completing \(key)", key: key) }
            return .stored
        } catch {
            _ = try? await send("DELETE", path: path, query: [("uploadId", uploadID)], key: key)
            throw error
        }
    }

    /// The parts of a multipart upload, read in order (each hashed into `whole` as it is read)
    /// and sent up to `partsInFlight` at once: the store writes one while the next travels.
    private func sendParts(
        _ handle: FileHandle, file: URL, key: String, path: String, uploadID: String, partSize: Int, size: Int64, whole: inout SHA256Hasher
    ) async throws -> [(Int, String)] {
        try await withThrowingTaskGroup(of: (Int, String).self) { group in
            var etags: [(Int, String)] = []
            var sent: Int64 = 0, number = 1, inFlight = 0
            while sent < size {
                let count = Int(min(Int64(partSize), size - sent))
                let bytes = try Self.readPart(handle, count: count, file: file, key: key)
                guard bytes.count == count else {
                    throw VaultError(.digestMismatch, key: key, "\(file.path) became shorter while it was stored.")
                }
                whole.update(bytes)
                let part = number
                group.addTask {
                    let answer = try await self.send("PUT", path: path, query: [("partNumber", String(part)), ("uploadId", uploadID)], body: bytes, key: key)
                    guard answer.status == 200, let etag = answer.header("ETag") else {
                        throw self.failure(answer, "Part \(part) of \(key)", key: key)
                    }
                    return (part, etag)
                }
                sent += Int64(count)
                number += 1
                inFlight += 1
                if inFlight >= configuration.partsInFlight, let done = try await group.next() {
                    etags.append(done)
                    inFlight -= 1
                }
            }
            for try await done in group { etags.append(done) }
            return etags.sorted { $0.0 < $1.0 }
        }
    }

    public func size(of key: String) async throws(VaultError) -> Int64? {
        try Self.validate(key)
        let answer = try await send("HEAD", path: objectPath(key), key: key)
        if answer.status == 404 { return nil }
        guard answer.status == 200, let length = answer.header("Content-Length").flatMap({ Int64($0) }) else {
            throw failure(answer, "Looking up \(key)", key: key)
        }
        return length
    }

    public func read(_ key: String, range: Range<Int64>) async throws(VaultError) -> [UInt8] {
        try Self.validate(key)
        guard range.lowerBound >= 0 else { throw VaultError(.invalid, key: key, "A byte range starts at 0 or later.") }
        if range.isEmpty { return [] }
        let answer = try await send("GET", path: objectPath(key), headers: [("Range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")],
                                    key: key, collectUpTo: range.count + 1)
        guard answer.status == 206 || answer.status == 200 else {
            if answer.status == 416 { throw VaultError(.invalid, key: key, "Bytes \(range.lowerBound)..<\(range.upperBound) are outside the object.") }
            throw failure(answer, "Reading \(key)", key: key)
        }
        let bytes = answer.status == 200 ? Array(answer.body.dropFirst(Int(range.lowerBound)).prefix(range.count)) : answer.body
        guard bytes.count == range.count else {
            throw VaultError(.invalid, key: key, "Bytes \(range.lowerBound)..<\(range.upperBound) are outside the object.")
        }
        return bytes
    }

    public func stream(_ key: String, chunkSize: Int, _ body: (ArraySlice<UInt8>) async throws -> Void) async throws {
        try Self.validate(key)
        // One ranged GET a chunk: bounded memory, and a dropped connection costs one chunk.
        guard let total = try await size(of: key) else {
            throw VaultError(.notFound, key: key, "\(location) has no object \(key).")
        }
        let step = Int64(max(chunkSize, 1 << 16))
        var at: Int64 = 0
        while at < total {
            let end = min(total, at + step)
            let bytes = try await read(key, range: at..<end)
            try await body(bytes[...])
            at = end
        }
    }

    public func remove(_ key: String) async throws(VaultError) {
        try Self.validate(key)
        let answer = try await send("DELETE", path: objectPath(key), key: key)
        guard answer.status == 204 || answer.status == 200 || answer.status == 404 else {
            throw failure(answer, "Removing \(key)", key: key)
        }
    }

    public func list(prefix: String, after: String?, limit: Int) async throws(VaultError) -> [VaultEntry] {
        let base = configuration.prefix.isEmpty ? "" : configuration.prefix + "/"
        var query = [("list-type", "2"), ("prefix", base + prefix), ("max-keys", String(max(1, min(limit, 1000))))]
        if let after { query.append(("start-after", base + after)) }
        let answer = try await send("GET", path: "/\(configuration.bucket)", query: query, key: prefix, collectUpTo: 64 << 20)
        guard answer.status == 200 else { throw failure(answer, "Listing \(prefix)", key: prefix) }
        return ListParser.entries(answer.body).compactMap { entry in
            guard entry.key.hasPrefix(base) else { return nil }
            return VaultEntry(key: String(entry.key.dropFirst(base.count)), size: entry.size)
        }
    }

    /// Creates the bucket when it does not exist yet (set-up, tests, `vault migrate`).
    public func createBucketIfMissing() async throws(VaultError) {
        let path = "/\(configuration.bucket)"
        let head = try await send("HEAD", path: path, key: configuration.bucket)
        if head.status == 200 { return }
        let made = try await send("PUT", path: path, key: configuration.bucket)
        guard made.status == 200 || made.errorCode == "BucketAlreadyOwnedByYou" else {
            throw failure(made, "Creating bucket \(configuration.bucket)", key: configuration.bucket)
        }
    }

    // MARK: - Helpers

    static func readPart(_ handle: FileHandle, count: Int, file: URL, key: String) throws(VaultError) -> [UInt8] {
        do {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(count)
            while bytes.count < count {
                guard let data = try handle.read(upToCount: count - bytes.count), !data.isEmpty else { break }
                bytes += data
            }
            return bytes
        } catch {
            throw VaultError(.io, key: key, "Reading \(file.path): \(error).")
        }
    }

    static func element(_ name: String, in body: [UInt8]) -> String? {
        let text = String(decoding: body, as: UTF8.self)
        guard let start = text.range(of: "<\(name)>"), let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex) else { return nil }
        return unescape(String(text[start.upperBound..<end.lowerBound]))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}

/// Reads `<Contents><Key>…</Key><Size>…</Size></Contents>` out of a ListObjectsV2 answer with
/// Foundation's XML parser.
final class ListParser: NSObject, XMLParserDelegate {
    var entries: [(key: String, size: Int64)] = []
    private var key: String?
    private var size: Int64?
    private var text = ""
    private var inContents = false

    static func entries(_ body: [UInt8]) -> [(key: String, size: Int64)] {
        let delegate = ListParser()
        let parser = XMLParser(data: Data(body))
        parser.delegate = delegate
        parser.parse()
        return delegate.entries
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == "Contents" { inContents = true; key = nil; size = nil }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard inContents else { return }
        switch name {
        case "Key": key = text
        case "Size": size = Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
        case "Contents":
            if let key, let size { entries.append((key, size)) }
            inContents = false
        default: break
        }
    }
}

/// Whether conditional writes work, learnt from the first answer and shared by every copy.
final class ConditionalWrites: @unchecked Sendable {
    private let lock = NSLock()
    private var value = true
    var supported: Bool {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
