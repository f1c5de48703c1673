public import Hummingbird
import Foundation
import HTTPTypes

/// Cross-site request forgery on the JSON API (issue 11, item 10). A browser sends the session
/// cookie with any request to this host, including one a foreign page makes; such a page can
/// send only "simple" requests (`text/plain`, form encodings) unless this server allows it by
/// CORS, which it never does. So a state change authenticated by the cookie must:
/// - come from this site when the browser says where it comes from (`Origin`, else `Referer`);
/// - be `Content-Type: application/json` (tus requests instead carry `Tus-Resumable`, a header
///   no foreign page can add without a CORS preflight, and are exempt from this one rule).
/// Bearer-token requests carry no ambient credential and are exempt. Page forms have their
/// CSRF token (`checkCSRF`).
struct CookieCSRFMiddleware: RouterMiddleware {
    typealias Context = CustodyRequestContext

    static let safeMethods: Set<HTTPRequest.Method> = [.get, .head, .options]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/"), !Self.safeMethods.contains(request.method),
              context.user != nil, Self.authenticatedByCookie(request)
        else { return try await next(request, context) }
        if let refusal = Self.refusal(request) { throw refusal }
        return try await next(request, context)
    }

    /// The session came from the cookie: no bearer token was sent (AuthMiddleware prefers it).
    static func authenticatedByCookie(_ request: Request) -> Bool {
        guard request.cookies[AuthMiddleware.cookieName] != nil else { return false }
        guard let header = request.headers[.authorization] else { return true }
        return !header.lowercased().hasPrefix("bearer ")
    }

    static func refusal(_ request: Request) -> APIError? {
        let host = (request.head.authority ?? "").lowercased()
        // Behind a reverse proxy that rewrites Host, the name the browser used. A foreign page
        // cannot set this header on a request it makes without a CORS preflight.
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-Host")!].flatMap { $0.split(separator: ",").first }
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        let stated: (header: String, value: String)? =
            request.headers[.origin].map { ("Origin", $0) } ?? request.headers[.referer].map { ("Referer", $0) }
        if let stated {
            guard let from = origin(of: stated.value), sameHost(from, host) || forwarded.map({ sameHost(from, $0) }) == true else {
                return APIError(.forbidden, "Refused: the request's \(stated.header) (\(stated.value.prefix(100))) is not this server (\(host.isEmpty ? "unknown host" : host)). A change signed in by the session cookie must come from the Custody pages; other programs sign in with a bearer token.")
            }
        }
        if !request.uri.path.hasPrefix("/api/uploads") {
            let type = request.headers[.contentType] ?? ""
            let media = type.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
            guard media == "application/json" else {
                return APIError(.unsupportedMediaType, "A change signed in by the session cookie must be sent as Content-Type: application/json\(type.isEmpty ? "" : ", not \(type.prefix(60))"); other programs sign in with a bearer token.")
            }
        }
        return nil
    }

    /// `host[:port]` of an origin or URL, lowercased, without the scheme's default port.
    static func origin(of text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host?.lowercased(), !host.isEmpty
        else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        guard let port = url.port, port != (scheme == "https" ? 443 : 80) else { return bracketed }
        return "\(bracketed):\(port)"
    }

    static func sameHost(_ origin: String, _ host: String) -> Bool {
        guard !host.isEmpty else { return false }
        if origin == host { return true }
        // `Host: example.org:80` against `Origin: http://example.org`.
        for port in [":80", ":443"] where host.hasSuffix(port) && String(host.dropLast(port.count)) == origin { return true }
        return false
    }
}
