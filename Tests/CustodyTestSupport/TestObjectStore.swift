public import Foundation

/// The S3 object store the tests use: OpenStack Swift's s3api on loopback, started by
/// `tools/objectstore` in `.ci/run` and found through `CUSTODY_S3_*`.
public struct TestObjectStore: Sendable {
    public var endpoint: URL
    public var accessKey: String
    public var secretKey: String
    public var region: String

    /// The store, or nil when none is configured (then `isRequired` says whether that is a failure).
    public static var current: TestObjectStore? {
        let env = ProcessInfo.processInfo.environment
        guard let endpoint = env["CUSTODY_S3_ENDPOINT"].flatMap(URL.init(string:)),
              let access = env["CUSTODY_S3_ACCESS_KEY"], let secret = env["CUSTODY_S3_SECRET_KEY"]
        else { return nil }
        return TestObjectStore(endpoint: endpoint, accessKey: access, secretKey: secret, region: env["CUSTODY_S3_REGION"] ?? "us-east-1")
    }

    /// CI always has the store; elsewhere start it with `tools/objectstore start DIR`.
    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] != nil }

    /// A `[vault]` section for config.toml naming `s3://BUCKET/PREFIX` in this store, with the
    /// secret key written to `secretFile` (mode 600).
    public func configSection(bucket: String, prefix: String, secretFile: URL) throws -> String {
        try Data(secretKey.utf8).write(to: secretFile)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: secretFile.path)
        return """
            [vault]
            url = "s3://\(bucket)/\(prefix)"
            endpoint = "\(endpoint.absoluteString)"
            region = "\(region)"
            access_key = "\(accessKey)"
            secret_key_file = "\(secretFile.path)"

            """
    }
}
