public import HTTPTypes
public import Hummingbird
import CustodyCore
import CustodyStore
import Foundation
import Logging
import NIOCore

/// An error answered as `{"error":"one sentence"}` with its status (SPEC §8).
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var message: String
    /// Headers the answer carries besides the JSON (e.g. tus's current `Upload-Offset`).
    public var headers: HTTPFields = [:]

    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    func with(_ name: HTTPField.Name, _ value: String) -> APIError {
        var copy = self
        copy.headers[name] = value
        return copy
    }
}

/// A page already rendered for a failure (e.g. a 413 page in the reader's language), thrown
/// from deep in a page route and answered as it is.
struct PageAnswer: Error, Sendable {
    var response: Response
}

/// Turns every error into SPEC §8's JSON shape: API errors as they are, Hummingbird's HTTP
/// errors with their status, queue refusals as 404 / 409 / 400, anything else as a 500
/// whose details go to the log, not to the client.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return JSONResponse.error(error.status, error.message).withHeaders(error.headers)
        } catch let answer as PageAnswer {
            return answer.response
        } catch let error as Catalog.QueueError {
            switch error {
            case .notFound: return JSONResponse.error(.notFound, error.description)
            case .heldByOther, .notHeld, .closed, .notClosed: return JSONResponse.error(.conflict, error.description)
            case .invalid: return JSONResponse.error(.badRequest, error.description)
            }
        } catch let error as HTTPError {
            let message = error.body ?? Self.defaultMessage(error.status)
            return JSONResponse.error(error.status, message)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return JSONResponse.error(.internalServerError, "The server could not complete the request.")
        }
    }

    static func defaultMessage(_ status: HTTPResponse.Status) -> String {
        switch status.code {
        case 404: return "No such route."
        case 405: return "That method is not allowed here."
        case 413: return "The request body is too large."
        default: return status.reasonPhrase.isEmpty ? "The request failed." : status.reasonPhrase + "."
        }
    }
}

/// JSON responses rendered with Custody's ordered writer.
enum JSONResponse {
    static func ok(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers extra: HTTPFields = [:]) -> Response {
        var headers = extra
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: value.utf8)))
    }

    static func ok(bytes: [UInt8]) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func error(_ status: HTTPResponse.Status, _ message: String) -> Response {
        ok(.object([("error", .string(message))]), status: status)
    }
}

/// Values read from the queue (rendered pages by state, limit and offset; the search facets),
/// each valid for one queue version: any change to any item, in any process, moves it on.
final class VersionedCache<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: (version: Int, value: Value)] = [:]
    private let capacity = 256

    func get(_ key: String, version: Int) -> Value? {
        lock.withLock { entries[key].flatMap { $0.version == version ? $0.value : nil } }
    }

    func put(_ key: String, version: Int, _ value: Value) {
        lock.withLock {
            if entries.count >= capacity { entries = entries.filter { $0.value.version == version } }
            if entries.count < capacity { entries[key] = (version, value) }
        }
    }
}
