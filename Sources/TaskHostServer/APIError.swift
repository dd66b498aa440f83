import Foundation
import Hummingbird
import NIOCore
import TaskHost

/// An error answered as `{"error": {"code": "...", "message": "..."}}` with an HTTP status.
public struct APIError: HTTPResponseError, Sendable {
    /// The HTTP status.
    public let status: HTTPResponse.Status
    /// A stable machine-readable code.
    public let code: String
    /// What went wrong and what to do.
    public let message: String
    /// For a refused batch: what is wrong with each refused task.
    public var items: [BatchItemError]? = nil

    /// Creates an error.
    public init(_ status: HTTPResponse.Status, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// Maps a core error to its HTTP status.
    public init(_ error: TaskHostError) {
        let status: HTTPResponse.Status =
            switch error {
            case .taskNotFound, .scheduleNotFound, .typeLookup(.unknownType): .notFound
            case .typeLookup(.typeUnavailable), .typeLookup(.typeTurnedOff), .illegalTransition, .busy: .conflict
            case .ambiguousID, .invalidParameters, .invalidOption, .invalidBatch: .badRequest
            case .storage(let storage) where storage.isNotWritable: HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")
            case .shuttingDown: .serviceUnavailable
            case .storage(let storage) where storage.isBusy: .serviceUnavailable
            case .storage, .notATaskhostDatabase, .databaseTooNew, .databaseCorrupt, .scheduleUnreadable: .internalServerError
            }
        self.init(status, code: error.code, message: error.description)
        if case .invalidBatch(let items, _) = error { self.items = items }
    }

    /// The error body.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = ErrorBody(error: .init(code: code, message: message, items: items))
        var response = try JSONResponse.make(body, status: status)
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

/// The JSON shape of an error.
public struct ErrorBody: Codable, Sendable {
    /// The error.
    public let error: Detail

    /// Code and message.
    public struct Detail: Codable, Sendable {
        /// A stable code.
        public let code: String
        /// For people.
        public let message: String
        /// For a refused batch: each refused task's index, code and message.
        public var items: [BatchItemError]? = nil
    }
}

/// Turns every error a route throws into the JSON error shape, so clients parse one format.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            throw error
        } catch let error as TaskHostError {
            throw APIError(error)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, code: "body_too_large", message: "request body larger than \(RequestLimits.maxBody) bytes")
        } catch let error as HTTPError where error.status == .notFound {
            throw APIError(.notFound, code: "no_route", message: "no route for \(request.method) \(request.uri.path); see /v1/openapi.json")
        } catch let error as HTTPError {
            throw APIError(error.status, code: "http_error", message: error.body ?? error.status.reasonPhrase)
        } catch let error as DecodingError {
            throw APIError(.badRequest, code: "bad_json", message: "the request body is not valid JSON for this route: \(error)")
        }
    }
}

/// Limits applied to requests.
public enum RequestLimits {
    /// Largest accepted request body.
    static let maxBody = 1 << 20
    /// Largest accepted batch submit (10,000 tasks), in bytes.
    public static let maxBatchBody = 32 << 20
}
