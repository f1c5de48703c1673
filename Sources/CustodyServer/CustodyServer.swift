public import CustodyCore
public import CustodyStore
public import CustodyIngest
public import Hummingbird
public import Logging
public import Foundation
public import ServiceLifecycle
import Crypto
import HTTPTypes
import NIOCore

/// Settings of `custody serve`.
public struct ServerSettings: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    /// How long a claim holds an item before it reopens by itself.
    public var lease: TimeInterval = 30 * 60
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// Largest JSON body accepted (bigger: 413).
    public var maxJSONBody = 64 * 1024
    /// Largest page form accepted (bigger: a 413 page).
    public var maxFormBody = 64 * 1024
    /// Failed sign-ins for one name from one address before that address must wait; from all
    /// addresses together, `maxLoginFailuresPerName`.
    public var maxLoginFailures = 5
    public var maxLoginFailuresPerName = 100
    /// Failed logins allowed from one address in the throttle window (then 429).
    public var maxLoginFailuresPerAddress = 30
    /// The throttle window.
    public var loginWindow: TimeInterval = 15 * 60
    /// A burst of failed sign-ins from one address ends after this long without one; its
    /// summary audit entry is written then.
    public var loginBurstQuiet: TimeInterval = 60
    /// Seconds a connection may stay silent, even in the middle of a request body.
    public var idleTimeoutSeconds: Int64 = 60
    /// `custody demo`: adds one-click sign-in links for the demo accounts. Never in production.
    public var demoMode = false
    public init() {}
}

/// The review server: the JSON API of SPEC §8 over one data folder.
public struct CustodyServer: Sendable {
    public let folder: DataFolder
    public let catalog: Catalog
    public let config: CustodyConfiguration
    /// Where the originals are: the data folder's vault/, or an S3 bucket (`[vault]`).
    public let vault: any Vault
    public let settings: ServerSettings
    let throttle: SignInGuard
    let metrics = Metrics()
    let queuePages = VersionedCache<[UInt8]>()
    /// The search forms' stations, categories, reasons and reviewers: all read from queue items.
    let queueFacets = VersionedCache<QueueFacets>()
    let tokens = TokenCache()
    /// Resumable uploads in the data folder, handed to the ingest pipeline when complete.
    public let uploads: UploadSpool
    /// Recordings the Axis body-worn system uploads (issue 16), and its tokens.
    public let axisInbox: AxisInbox
    let axisTokens = AxisTokens()
    /// Key for CSRF tokens, kept in the data folder so tokens survive a restart.
    let csrfKeyBytes: [UInt8]
    var csrfKey: SymmetricKey { SymmetricKey(data: csrfKeyBytes) }

    public init(folder: DataFolder, catalog: Catalog, config: CustodyConfiguration, settings: ServerSettings = ServerSettings(), vault: (any Vault)? = nil) {
        self.folder = folder
        self.vault = vault ?? LocalVault(root: folder.root)
        self.catalog = catalog
        self.config = config
        self.settings = settings
        self.throttle = SignInGuard(limits: .init(
            maxPerNameAndAddress: settings.maxLoginFailures, maxPerName: settings.maxLoginFailuresPerName,
            maxPerAddress: settings.maxLoginFailuresPerAddress,
            window: settings.loginWindow, quiet: settings.loginBurstQuiet), catalog: catalog)
        self.csrfKeyBytes = Self.loadKey(folder.root.appendingPathComponent(".csrf-key"))
        let naming = (try? config.fileNaming())
            ?? (try! FileNameConvention(timeZone: config.timeZone))
        let logger = Logger(label: "custody.uploads")
        let ingestor = Ingestor(folder: folder, catalog: catalog, inspector: ClipInspector(naming: naming), logger: logger, node: config.node.id, vault: self.vault)
        self.uploads = UploadSpool(folder: folder, catalog: catalog, ingestor: ingestor, policy: config.policy, limits: config.uploads, logger: logger)
        // Axis clips are named <recording container>/<StartTime>_<id>.mkv: the axis profile first.
        let axisNaming = FileNameConvention(
            profiles: [FileNameConvention.builtInProfile("axis", zone: config.timeZone)!] + naming.profiles, timeZone: config.timeZone)
        let axisIngestor = Ingestor(
            folder: folder, catalog: catalog, inspector: ClipInspector(naming: axisNaming), logger: Logger(label: "custody.axis"),
            node: config.node.id, vault: self.vault)
        self.axisInbox = AxisInbox(
            folder: folder, catalog: catalog, ingestor: axisIngestor, policy: config.policy, limits: config.uploads, logger: Logger(label: "custody.axis"))
    }

    static func loadKey(_ file: URL) -> [UInt8] {
        if let data = FileManager.default.contents(atPath: file.path), data.count == 32 { return Array(data) }
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }
        FileManager.default.createFile(atPath: file.path, contents: Data(key), attributes: [.posixPermissions: 0o600])
        return key
    }

    public func router(logger: Logger) -> Router<CustodyRequestContext> {
        let router = Router(context: CustodyRequestContext.self)
        router.middlewares.add(metrics)
        router.middlewares.add(ErrorMiddleware(logger: logger))
        router.middlewares.add(AuthMiddleware(catalog: catalog, cache: tokens, unavailable: { request, _ in
            self.signInUnavailable(request)
        }, logger: logger))
        router.middlewares.add(CookieCSRFMiddleware())
        router.middlewares.add(PageErrorMiddleware(answer: { error, request, context in self.errorPage(error, request, context) }))
        addSystemRoutes(router)
        addSessionRoutes(router)
        addQueueRoutes(router)
        addCaseRoutes(router)
        addMediaRoutes(router)
        addUploadRoutes(router)
        addPageRoutes(router)
        addWorkplacePageRoutes(router)
        addWorkplaceAPIRoutes(router)
        addMyFootageRoutes(router)
        addReportRoutes(router)
        addHoldRoutes(router)
        addAxisRoutes(router)
        addExportRoutes(router)
        return router
    }

    /// The server, with `services` (the queue refresher, say) run beside it in its
    /// `ServiceGroup` and stopped with it.
    public func application(logger: Logger, services: [any Service] = []) -> some ApplicationProtocol {
        // A connection that goes quiet for a minute (a phone that lost its signal mid-upload) is
        // closed, so its upload is released to be resumed, not held by a request that never ends.
        Application(
            router: router(logger: logger),
            server: .http1(configuration: .init(idleTimeout: .seconds(settings.idleTimeoutSeconds))),
            configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "custody"),
            services: services,
            logger: logger)
    }

    /// Serves until SIGINT or SIGTERM, running `services` beside the server (what `custody serve`
    /// and `custody demo` do), so callers need no HTTP types of their own.
    public func run(logger: Logger, services: [any Service] = []) async throws {
        try await application(logger: logger, services: services).runService()
    }

    // MARK: - Request helpers

    /// The body as a JSON object, with a clear message for each way it can be wrong.
    func jsonObject(_ request: Request) async throws -> [String: Any] {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: settings.maxJSONBody)
        } catch {
            throw APIError(.contentTooLarge, "The request body is larger than \(settings.maxJSONBody / 1024) KB.")
        }
        guard buffer.readableBytes > 0 else { throw APIError(.badRequest, "The request needs a JSON body.") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(buffer.readableBytesView)) as? [String: Any] else {
            throw APIError(.badRequest, "The body is not a JSON object.")
        }
        return object
    }

    func itemID(_ context: CustodyRequestContext) throws -> Int64 {
        guard let text = try context.path("id"), let id = Int64(text), id > 0 else {
            throw APIError(.badRequest, "The queue item id must be a positive number.")
        }
        return id
    }

    func date(_ request: Request, _ name: String) throws -> Date? {
        guard let text = request.uri.queryParameters[Substring(name)].map(String.init), !text.isEmpty else { return nil }
        guard let date = Timestamp.parse(text, zone: config.timeZone) else {
            throw APIError(.badRequest, "\(name) '\(text)' is not a time: use ISO 8601, e.g. 2024-02-14T00:00:00Z.")
        }
        return date
    }
}
