public import CustodyStore
public import Hummingbird
import NIOCore

/// The request context: Hummingbird's core storage plus the signed-in account, if any.
public struct CustodyRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `AuthMiddleware` from a bearer token or the session cookie.
    public var user: User?
    /// The peer's IP address (not a forwarded header, which anyone can set); nil in tests.
    public var remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        user = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The account, or 401 when there is none.
    func signedIn() throws(APIError) -> User {
        guard let user else { throw APIError(.unauthorized, "Sign in first: send a bearer token or the session cookie.") }
        return user
    }

    /// The account when its role is one of `roles`: 401 without one, 403 with another.
    func require(_ roles: Set<Role>) throws(APIError) -> User {
        let user = try signedIn()
        guard roles.contains(user.role) else {
            throw APIError(.forbidden, "The \(user.role.rawValue) role may not do this.")
        }
        return user
    }
}

/// Which roles may use which routes (DESIGN invariant 6). Every route names one of these.
public enum Access {
    /// Read the queue, incidents and findings.
    public static let read: Set<Role> = [.reviewer, .supervisor, .auditor]
    /// Claim, release and record verdicts.
    public static let review: Set<Role> = [.reviewer, .supervisor]
    /// Reopen and reassign.
    public static let supervise: Set<Role> = [.supervisor]
    /// Clips: the readers, and officers for their own.
    public static let clips: Set<Role> = [.reviewer, .supervisor, .auditor, .officer]
    /// Resumable uploads: officers (their own footage) and docking-station tokens.
    public static let upload: Set<Role> = [.officer, .station]
    /// The audit log.
    public static let audit: Set<Role> = [.auditor, .admin]
    /// The daily and weekly reports (issue 7: supervisors and auditors).
    public static let reports: Set<Role> = [.supervisor, .auditor]
    /// See legal holds and case-evidence marks.
    public static let readHolds: Set<Role> = [.supervisor, .auditor]
    /// Place and release them.
    public static let holds: Set<Role> = [.supervisor]
    /// Accounts and station tokens (issue 13).
    public static let admin: Set<Role> = [.admin]
    /// A clip's chain of custody (audit entries only, no footage).
    public static let custody: Set<Role> = [.reviewer, .supervisor, .auditor, .admin]
    /// Dispatch and check-out imports from a page (issue 13).
    public static let imports: Set<Role> = [.supervisor, .admin]
    /// Put any incident up for review, with a reason (issue 13).
    public static let requestReview: Set<Role> = [.reviewer, .supervisor]
    /// Export a disclosure package (issue 17); see the packages made.
    public static let export: Set<Role> = [.supervisor]
    public static let readExports: Set<Role> = [.supervisor, .auditor]
}
