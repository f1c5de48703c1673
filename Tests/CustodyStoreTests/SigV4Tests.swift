import CustodyStore
import Foundation
import Testing

/// AWS Signature Version 4, pinned to AWS's published test suite (the 2015-08-30 vectors, service
/// `service`) and to S3's worked example, so a change that breaks signing fails here, not only
/// against a live store.
@Suite struct SigV4Tests {
    static let suite = SigV4(accessKey: "AKIDEXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                             region: "us-east-1", service: "service")
    static let suiteDate = "20150830T123600Z"

    struct Vector: Sendable, CustomTestStringConvertible {
        var name: String
        var method: String
        var path: String
        var query: [(String, String)] = []
        var headers: [(String, String)] = []
        var body = ""
        var signedHeaders: String
        var signature: String
        var testDescription: String { name }
    }

    static let vectors: [Vector] = [
        Vector(name: "get-vanilla-query-order-key-case", method: "GET", path: "/",
               query: [("Param2", "value2"), ("Param1", "value1")],
               signedHeaders: "host;x-amz-date",
               signature: "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        Vector(name: "get-vanilla-query-unreserved", method: "GET", path: "/",
               query: [("-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")],
               signedHeaders: "host;x-amz-date",
               signature: "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        Vector(name: "get-utf8", method: "GET", path: "/\u{1234}",
               signedHeaders: "host;x-amz-date",
               signature: "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        Vector(name: "get-header-value-trim", method: "GET", path: "/",
               headers: [("My-Header1", " value1"), ("My-Header2", " \"a   b   c\"")],
               signedHeaders: "host;my-header1;my-header2;x-amz-date",
               signature: "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),
        Vector(name: "post-vanilla", method: "POST", path: "/",
               signedHeaders: "host;x-amz-date",
               signature: "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        Vector(name: "post-header-key-sort", method: "POST", path: "/",
               headers: [("My-Header1", "value1")],
               signedHeaders: "host;my-header1;x-amz-date",
               signature: "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        Vector(name: "post-x-www-form-urlencoded", method: "POST", path: "/",
               headers: [("Content-Type", "application/x-www-form-urlencoded")], body: "Param1=value1",
               signedHeaders: "content-type;host;x-amz-date",
               signature: "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"),
    ]

    @Test(arguments: vectors) func theAWSTestSuiteSignsAsPublished(_ v: Vector) {
        let request = SigV4.Request(
            method: v.method, path: v.path, query: v.query,
            headers: [("Host", "example.amazonaws.com")] + v.headers + [("X-Amz-Date", Self.suiteDate)],
            payloadSHA256: SigV4Digest.hex(of: Data(v.body.utf8)))
        let authorization = Self.suite.authorization(request, timestamp: Self.suiteDate)
        #expect(authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=\(v.signedHeaders), Signature=\(v.signature)")
    }

    /// S3's "Example: GET Object" (the first 10 bytes of test.txt, empty-payload hash).
    @Test func s3sWorkedGetObjectExampleSignsAsPublished() {
        let s3 = SigV4(accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", region: "us-east-1")
        let request = SigV4.Request(
            method: "GET", path: "/test.txt",
            headers: [("Host", "examplebucket.s3.amazonaws.com"), ("Range", "bytes=0-9"),
                      ("x-amz-content-sha256", SigV4.emptyPayloadSHA256), ("x-amz-date", "20130524T000000Z")],
            payloadSHA256: SigV4.emptyPayloadSHA256)
        #expect(s3.authorization(request, timestamp: "20130524T000000Z")
            == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41")
    }

    @Test func signAddsTheDateAndAnAuthorizationAndChangesWithEveryInput() {
        let s3 = SigV4(accessKey: "AK", secretKey: "SK", region: "us-east-1")
        let base = SigV4.Request(method: "PUT", path: "/bucket/vault/ab/cd/x.mp4",
                                 headers: [("Host", "127.0.0.1:8080")], payloadSHA256: SigV4.unsignedPayload)
        let date = Date(timeIntervalSince1970: 1_764_547_200)  // 2025-12-01T00:00:00Z
        let headers = s3.sign(base, at: date)
        #expect(headers.contains { $0.0 == "X-Amz-Date" && $0.1 == "20251201T000000Z" })
        let auth = headers.first { $0.0 == "Authorization" }?.1 ?? ""
        #expect(auth.hasPrefix("AWS4-HMAC-SHA256 Credential=AK/20251201/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-date, Signature="))
        var otherPath = base
        otherPath.path = "/bucket/vault/ab/cd/y.mp4"
        var otherBody = base
        otherBody.payloadSHA256 = SigV4.emptyPayloadSHA256
        let other = SigV4(accessKey: "AK", secretKey: "SK2", region: "us-east-1")
        let signatures = Set([s3.sign(base, at: date), s3.sign(otherPath, at: date), s3.sign(otherBody, at: date),
                              other.sign(base, at: date), s3.sign(base, at: date.addingTimeInterval(1))]
            .map { $0.first { $0.0 == "Authorization" }!.1 })
        #expect(signatures.count == 5)
    }

    @Test func keysAreEncodedByteByByteExceptUnreservedCharacters() {
        #expect(SigV4.uriEncode("警2024 001+a~b") == "%E8%AD%A62024%20001%2Ba~b")
        #expect(SigV4.uriEncode("a/b") == "a%2Fb")
    }
}
