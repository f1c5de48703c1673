import CustodyCore
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird
import MediaProbe
import NIOCore

extension CustodyServer {
    /// Originals with byte ranges, and thumbnails (SPEC §8): readers, and officers for their own.
    func addMediaRoutes(_ router: Router<CustodyRequestContext>) {
        router.get("/api/clips/{sha256}/media") { request, context in
            let (user, evidence) = try await clipFor(context)
            try checkNotPurged(evidence)
            // A local vault's file goes out with the file I/O of the server; a remote object
            // is read from the store range by range.
            let local = vault.localFile(evidence.storedPath)
            let stored: Int64?
            do { stored = try await vault.size(of: evidence.storedPath) } catch {
                throw APIError(.serviceUnavailable, "The vault (\(vault.location)) cannot be read just now; try again shortly.")
            }
            guard let stored else { throw APIError(.notFound, "The stored file is missing; run custody verify.") }
            let size = Int(stored)

            var headers = HTTPFields()
            headers[.contentType] = Self.mediaType(format: evidence.probe.formatName, ext: evidence.ext)
            headers[.acceptRanges] = "bytes"
            // Content-addressed: the SHA-256 is a strong validator that never changes.
            let etag = "\"\(evidence.sha256)\""
            headers[.eTag] = etag
            headers[.lastModified] = Self.httpDate(evidence.storedAt)
            headers[.cacheControl] = "private, max-age=86400"
            if let match = request.headers[.ifNoneMatch], match == etag || match == "*" {
                return Response(status: .notModified, headers: headers)
            }
            var range = ByteRange(header: request.headers[.range], length: size)
            if let ifRange = request.headers[.ifRange], ifRange != etag { range = .whole }
            let io = FileIO()
            switch range {
            case .unsatisfiable:
                headers[.contentRange] = "bytes */\(size)"
                return JSONResponse.error(.rangeNotSatisfiable, "The requested range is outside the file (\(size) bytes).")
                    .withHeaders(headers)
            case .partial(let bytes):
                if bytes.lowerBound == 0 {
                    try await db { c in try await c.audit(actor: user.name, action: "played", subject: evidence.sha256) }
                }
                headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(size)"
                headers[.contentLength] = String(bytes.count)
                let body = try await mediaBody(evidence.storedPath, local: local, range: bytes, io: io, context: context)
                return Response(status: .partialContent, headers: headers, body: body)
            case .whole:
                try await db { c in try await c.audit(actor: user.name, action: "played", subject: evidence.sha256) }
                headers[.contentLength] = String(size)
                let body = size == 0 ? ResponseBody() : try await mediaBody(evidence.storedPath, local: local, range: 0...(size - 1), io: io, context: context)
                return Response(status: .ok, headers: headers, body: body)
            }
        }
        router.get("/api/clips/{sha256}/thumbnail") { _, context in
            let (_, evidence) = try await clipFor(context)
            try checkNotPurged(evidence)
            guard evidence.location == .vault else { throw APIError(.notFound, "A quarantined file has no picture to show.") }
            let jpeg = try await thumbnail(for: evidence)
            var headers = HTTPFields()
            headers[.contentType] = "image/jpeg"
            headers[.eTag] = "\"thumb-\(evidence.sha256)\""
            headers[.cacheControl] = "private, max-age=86400"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: jpeg)))
        }
    }

    /// Bytes `range` of a stored original: from the local file, or streamed from the object
    /// store in parts of at most 4 MiB (never the whole file in memory).
    func mediaBody(_ key: String, local: URL?, range: ClosedRange<Int>, io: FileIO, context: CustodyRequestContext) async throws -> ResponseBody {
        if let local {
            return try await io.loadFile(path: local.path, range: range, context: context)
        }
        let vault = self.vault
        return ResponseBody(contentLength: range.count) { writer in
            let part = 4 << 20
            var at = range.lowerBound
            while at <= range.upperBound {
                let end = min(at + part, range.upperBound + 1)
                let bytes = try await vault.read(key, range: Int64(at)..<Int64(end))
                try await writer.write(ByteBuffer(bytes: bytes))
                at = end
            }
            try await writer.finish(nil)
        }
    }

    /// The first key frame as a JPEG at most 320 wide, cached beside the vault (never in it).
    func thumbnail(for evidence: EvidenceRecord) async throws -> [UInt8] {
        let cache = folder.root.appendingPathComponent("thumbnails")
        let file = cache.appendingPathComponent("\(evidence.sha256).jpg")
        if let data = FileManager.default.contents(atPath: file.path) { return Array(data) }
        // FFmpeg reads a local file: a remote original is fetched into staging for the moment.
        let still: Thumbnail
        do {
            still = try await vault.withLocalFile(evidence.storedPath, scratch: folder.staging) { file in
                let path = file.path
                return try await OffLoop.run {
                    do { return try Thumbnailer.thumbnail(path: path, maxWidth: 320) } catch {
                        throw APIError(.unprocessableContent, "No picture can be taken from this clip: \(error)")
                    }
                }
            }
        } catch is VaultFetchFailure {
            throw APIError(.serviceUnavailable, "The vault (\(vault.location)) cannot be read just now; try again shortly.")
        }
        try? FileManager.default.createDirectory(at: cache, withIntermediateDirectories: true)
        try? Data(still.jpeg).write(to: file, options: .atomic)
        return still.jpeg
    }

    static func mediaType(format: String?, ext: String) -> String {
        switch (format ?? "", ext) {
        case (_, "mov"): return "video/quicktime"
        case (let f, _) where f.hasPrefix("mov"): return "video/mp4"
        case (let f, _) where f.hasPrefix("matroska"): return ext == "webm" ? "video/webm" : "video/x-matroska"
        case ("avi", _): return "video/x-msvideo"
        case ("mpegts", _): return "video/mp2t"
        case ("mxf", _): return "application/mxf"
        case ("flv", _): return "video/x-flv"
        default: return "application/octet-stream"
        }
    }

    static func httpDate(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.string(from: date)
    }
}

extension Response {
    func withHeaders(_ extra: HTTPFields) -> Response {
        var copy = self
        for field in extra where field.name != .contentType { copy.headers[field.name] = field.value }
        return copy
    }
}

extension CustodyServer {
    /// A clip deleted under retention answers 410 Gone: its record and tombstone remain.
    func checkNotPurged(_ evidence: EvidenceRecord) throws {
        if let purged = evidence.purgedAt {
            throw APIError(.gone, "The file was deleted under retention at \(Timestamp.format(purged)); its record and tombstone remain.")
        }
    }
}
