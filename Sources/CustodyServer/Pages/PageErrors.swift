import CustodyCore
import CustodyStore
import Foundation
import HTTPTypes
import Hummingbird

/// A form's CSRF token was missing or stale (issue 13): answered as a page that keeps the draft.
struct StaleForm: Error, Sendable {}

/// A form value the server refused before the catalog saw it, named by its string key.
struct FormRefusal: Error, Sendable {
    var key: String
    init(_ key: String) { self.key = key }
}

/// Errors of page routes become pages in the reader's language (issue 13, item 1): a refused
/// claim, a lapsed lease, a stale form or an unknown page never answers raw JSON in the
/// browser. API routes (`/api/…`), `/health` and `/metrics` keep SPEC §8's JSON.
struct PageErrorMiddleware: RouterMiddleware {
    typealias Context = CustodyRequestContext
    let answer: @Sendable (any Error, Request, Context) -> Response?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            guard PageErrorMiddleware.isPage(request.uri.path), let response = answer(error, request, context) else { throw error }
            return response
        }
    }

    static func isPage(_ path: String) -> Bool {
        !path.hasPrefix("/api/") && !path.hasPrefix("/axis/") && path != "/health" && path != "/metrics"
    }
}

extension CustodyServer {
    /// The page for an error thrown by a page route, or nil for errors another layer answers
    /// (a page already rendered).
    func errorPage(_ error: any Error, _ request: Request, _ context: CustodyRequestContext) -> Response? {
        if error is PageAnswer { return nil }
        let p = page(request, context)
        let l = p.language
        var status: HTTPResponse.Status = .badRequest
        var text: String
        // A form that was refused keeps its draft in the browser (the page's script); say so.
        var kept = request.method == .post
        switch error {
        case let e as Catalog.QueueError:
            switch e {
            case .notFound: status = .notFound; text = l["err_item_not_found"]
            case .heldByOther(let name): status = .conflict; text = l["err_held_by_other"].replacingOccurrences(of: "{name}", with: name)
            case .notHeld: status = .conflict; text = l["err_not_held"]
            case .closed: status = .conflict; text = l["err_closed"]
            case .notClosed: status = .conflict; text = l["err_not_closed"]
            case .invalid(let detail): text = l["err_invalid_form"] + (p.language == .en ? " (\(detail))" : "")
            }
        case is StaleForm:
            status = .forbidden; text = l["err_stale_form"]
        case let e as FormRefusal:
            text = l[e.key]
        case let e as Catalog.AccountError:
            text = l["account_err_\(e.code)"]
            if text == "account_err_\(e.code)" { text = l["err_invalid_form"] + (p.language == .en ? " (\(e.description))" : "") }
        case let e as Catalog.HoldError:
            status = e.notFound ? .notFound : .badRequest
            text = e.notFound ? l["hold_err_not_found"] : l["hold_err_invalid"] + (p.language == .en ? " (\(e.description))" : "")
        case let e as APIError:
            status = e.status
            switch e.status.code {
            case 401: text = l["err_signed_out"]
            case 403: text = l["forbidden"]
            case 404: text = l["not_found"]
            case 413: text = l["form_too_large"].replacingOccurrences(of: "{kb}", with: String(settings.maxFormBody / 1024))
            case 429: text = l["err_too_many"]
            case 503: text = l["unavailable_text"].replacingOccurrences(of: "{s}", with: String(AuthMiddleware.retryAfter))
            default: text = l["err_bad_request"] + (p.language == .en ? " (\(e.message))" : "")
            }
        case let e as HTTPError:
            status = e.status
            text = e.status.code == 404 ? l["not_found"] : e.status.code == 405 ? l["err_method"] : l["err_bad_request"]
            kept = kept && e.status.code != 404
        default:
            status = .internalServerError; text = l["err_server"]
        }
        var values: [String: Any] = ["heading": "\(status.code) · \(l["err_heading_\(status.code)"] == "err_heading_\(status.code)" ? l["err_heading"] : l["err_heading_\(status.code)"])", "text": text, "kept": kept]
        if let back = Self.sameSiteReferer(request) { values["back"] = back }
        return render("message", values, page: p, title: l["err_heading"], status: status)
    }

    /// The page a form was sent from (its Referer's path and query, on this site only).
    static func sameSiteReferer(_ request: Request) -> String? {
        guard let referer = request.headers[.referer], let url = URL(string: referer) else { return nil }
        if let from = CookieCSRFMiddleware.origin(of: referer), let ours = request.head.authority,
           !CookieCSRFMiddleware.sameHost(from, ours.lowercased()) { return nil }
        let path = url.path.isEmpty ? "/" : url.path
        let target = path + (url.query.map { "?" + $0 } ?? "")
        let safe = safeNext(target)
        return safe == "/queue" && path != "/queue" ? nil : safe
    }
}
