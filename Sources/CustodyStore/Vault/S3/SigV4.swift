public import Foundation
internal import Crypto

/// AWS Signature Version 4 for header-signed requests, as S3 (and OpenStack Swift's s3api,
/// Ceph RGW, MinIO) check it. Written against AWS's published test suite and S3's worked
/// examples, which `SigV4Tests` pins.
///
/// The caller gives the path as it is (unencoded), the query as pairs, every header it will
/// send, and the payload's SHA-256 (or `UNSIGNED-PAYLOAD`); `sign` adds `X-Amz-Date` and
/// `Authorization`. Every header given is signed.
public struct SigV4: Sendable {
    public var accessKey: String
    public var secretKey: String
    public var region: String
    public var service: String

    public init(accessKey: String, secretKey: String, region: String, service: String = "s3") {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.service = service
    }

    public static let emptyPayloadSHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    public static let unsignedPayload = "UNSIGNED-PAYLOAD"

    /// A request to sign: `headers` must include `host`.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        public var query: [(String, String)]
        public var headers: [(String, String)]
        public var payloadSHA256: String

        public init(method: String, path: String, query: [(String, String)] = [], headers: [(String, String)], payloadSHA256: String) {
            self.method = method
            self.path = path
            self.query = query
            self.headers = headers
            self.payloadSHA256 = payloadSHA256
        }
    }

    /// The headers to send: the request's own plus `x-amz-date` and `authorization`.
    public func sign(_ request: Request, at date: Date) -> [(String, String)] {
        let stamp = Self.timestamp(date)
        var headers = request.headers
        if !headers.contains(where: { $0.0.lowercased() == "x-amz-date" }) {
            headers.append(("X-Amz-Date", stamp))
        }
        var signed = request
        signed.headers = headers
        let authorization = self.authorization(signed, timestamp: stamp)
        return headers + [("Authorization", authorization)]
    }

    /// The `Authorization` header's value for a request whose headers already hold `x-amz-date`.
    public func authorization(_ request: Request, timestamp: String) -> String {
        let day = String(timestamp.prefix(8))
        let scope = "\(day)/\(region)/\(service)/aws4_request"
        let (canonical, signedHeaders) = Self.canonicalRequest(request)
        let stringToSign = "AWS4-HMAC-SHA256\n\(timestamp)\n\(scope)\n\(Self.hex(SHA256.hash(data: Data(canonical.utf8))))"
        let signature = Self.hex(HMAC<SHA256>.authenticationCode(for: Data(stringToSign.utf8), using: signingKey(day: day)))
        return "AWS4-HMAC-SHA256 Credential=\(accessKey)/\(scope), SignedHeaders=\(signedHeaders), Signature=\(signature)"
    }

    func signingKey(day: String) -> SymmetricKey {
        var key = SymmetricKey(data: Data("AWS4\(secretKey)".utf8))
        for part in [day, region, service, "aws4_request"] {
            key = SymmetricKey(data: Data(HMAC<SHA256>.authenticationCode(for: Data(part.utf8), using: key)))
        }
        return key
    }

    /// The canonical request and its signed-header list (AWS's "Create a canonical request").
    static func canonicalRequest(_ request: Request) -> (String, String) {
        let path = request.path.isEmpty ? "/" : request.path
        let uri = path.split(separator: "/", omittingEmptySubsequences: false)
            .map { uriEncode(String($0)) }.joined(separator: "/")
        let encoded: [(String, String)] = request.query.map { pair in (uriEncode(pair.0), uriEncode(pair.1)) }
        let sorted = encoded.sorted { a, b in a.0 == b.0 ? a.1 < b.1 : a.0 < b.0 }
        let query = sorted.map { pair in pair.0 + "=" + pair.1 }.joined(separator: "&")
        // Lower-case names; a repeated header's values joined by commas in the order given;
        // values trimmed and runs of spaces folded to one.
        var merged: [String: [String]] = [:]
        for (name, value) in request.headers {
            merged[name.lowercased(), default: []].append(trimmed(value))
        }
        let names = merged.keys.sorted()
        let headerLines = names.map { "\($0):\(merged[$0]!.joined(separator: ","))\n" }.joined()
        let signedHeaders = names.joined(separator: ";")
        let canonical = [request.method, uri, query, headerLines, signedHeaders, request.payloadSHA256].joined(separator: "\n")
        return (canonical, signedHeaders)
    }

    static func trimmed(_ value: String) -> String {
        var out = ""
        var lastWasSpace = false
        for ch in value.trimmingCharacters(in: .whitespaces) {
            if ch == " " || ch == "\t" {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
            } else {
                out.append(ch)
                lastWasSpace = false
            }
        }
        return out
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, UTF-8 bytes in
    /// upper-case hex (S3's UriEncode; `/` is kept by splitting the path before).
    public static func uriEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// `YYYYMMDD'T'HHMMSS'Z'` in UTC.
    public static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}

/// Hex SHA-256 of bytes in memory (request payloads, multipart parts).
public enum SigV4Digest {
    public static func hex(of data: some DataProtocol) -> String {
        SigV4.hex(SHA256.hash(data: data))
    }
}

/// Incremental SHA-256 (swift-crypto) for bytes read in parts.
struct SHA256Hasher {
    private var state = SHA256()
    mutating func update(_ bytes: [UInt8]) { state.update(data: bytes) }
    func finish() -> String { SigV4.hex(state.finalize()) }
}
