public import CustodyStore
public import Hummingbird
import Foundation
import HummingbirdBcrypt
import Logging

/// Reads `Authorization: Bearer <token>` or the `custody_session` cookie and puts the account
/// in the context. Routes decide what a missing or wrong account means.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = CustodyRequestContext
    let catalog: Catalog
    let cache: TokenCache
    /// The answer when the token could not be looked up (the catalog could not be read): a
    /// 503 with Retry-After, never "not signed in", which would send a reviewer to the login page.
    let unavailable: @Sendable (Request, any Error) -> Response
    let logger: Logger

    static let cookieName = "custody_session"
    /// Seconds a client is asked to wait after a failed token look-up.
    static let retryAfter = 2

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = Self.token(from: request) {
            if let cached = cache.get(token) {
                context.user = cached
            } else {
                // A read only (nothing on this path writes), on a thread of its own: the event
                // loop never waits on the catalog.
                let catalog = catalog
                do {
                    context.user = try await catalog.user(forToken: token)
                } catch {
                    logger.warning("token look-up failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
                    return unavailable(request, error)
                }
                if let user = context.user { cache.put(token, user) }
            }
        }
        return try await next(request, context)
    }

    /// SPEC §8's JSON error shape for the API, 503 with Retry-After.
    static func unavailableJSON() -> Response {
        JSONResponse.error(
            .serviceUnavailable,
            "The catalog could not be read to check your sign-in (it may be busy with other work); you are still signed in: try again in a few seconds."
        ).withHeaders([.retryAfter: String(retryAfter)])
    }

    static func token(from request: Request) -> String? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            let token = header.dropFirst("bearer ".count).trimmingCharacters(in: .whitespaces)
            return token.isEmpty ? nil : token
        }
        return request.cookies[cookieName]?.value
    }
}

/// bcrypt (hummingbird-auth), run off the event loop: it is deliberately slow.
public enum Passwords {
    public static func hash(_ password: String, cost: UInt8) async -> String {
        await OffLoop.run { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async -> Bool {
        await OffLoop.run { Bcrypt.verify(password, hash: hash) }
    }
}

/// Accounts by token for a few seconds, so a busy reviewer's requests do not each look the
/// token up. Signing out here drops the entry at once; a revocation by another process takes
/// effect within `lifetime`.
final class TokenCache: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (user: User, until: Date)] = [:]
    let lifetime: TimeInterval

    init(lifetime: TimeInterval = 5) { self.lifetime = lifetime }

    func get(_ token: String, now: Date = Date()) -> User? {
        lock.withLock { entries[token].flatMap { $0.until > now ? $0.user : nil } }
    }

    func put(_ token: String, _ user: User, now: Date = Date()) {
        lock.withLock {
            if entries.count > 10_000 { entries = entries.filter { $0.value.until > now } }
            entries[token] = (user, now.addingTimeInterval(lifetime))
        }
    }

    /// After an account is disabled, its password reset or its role changed, or a token
    /// revoked: no cached account outlives the change.
    func removeAll() {
        lock.withLock { entries.removeAll() }
    }

    func remove(_ token: String) {
        _ = lock.withLock { entries.removeValue(forKey: token) }
    }
}
