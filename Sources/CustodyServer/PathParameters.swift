public import Hummingbird
import Foundation

/// Path parameters arrive as the raw, percent-encoded segment (`%E8%AD%A6…`, `a%2Fb`): the
/// router splits the path before anything decodes it. Every route reads its parameters through
/// `path(_:)`, which decodes them, and every link is built with `Link`, which encodes them, so
/// an incident id with a space, Chinese characters or `/` opens like any other.
extension CustodyRequestContext {
    /// The decoded path parameter, nil when absent; 400 when its percent-encoding is broken.
    func path(_ name: String) throws(APIError) -> String? {
        guard let raw = parameters.get(name) else { return nil }
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError(.badRequest, "The path segment '\(raw.prefix(80))' is not valid percent-encoded UTF-8.")
        }
        return decoded
    }
}

/// Same-site links with every dynamic path segment and query value percent-encoded.
enum Link {
    /// RFC 3986 unreserved characters: everything else in a segment is encoded (`/` included).
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    static func incident(_ id: String, item: Int64? = nil) -> String {
        "/incidents/" + segment(id) + (item.map { "?item=\($0)" } ?? "")
    }

    static func clip(_ sha: String, item: Int64? = nil) -> String {
        "/clips/" + segment(sha) + (item.map { "?item=\($0)" } ?? "")
    }

    static func apiIncident(_ id: String) -> String { "/api/incidents/" + segment(id) }
}
