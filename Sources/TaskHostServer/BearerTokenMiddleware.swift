import Foundation
import Hummingbird

/// Requires `Authorization: Bearer <token>` (the TCP listener; the Unix socket relies on its 0600 mode).
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else {
            throw APIError(.unauthorized, code: "missing_token", message: "send Authorization: Bearer <token>; the token is in <home>/token")
        }
        // The scheme is case-insensitive (RFC 9110 §11.1): "bearer" and "BEARER" work too.
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            constantTimeEquals(parts[1].trimmingCharacters(in: .whitespaces), token)
        else {
            throw APIError(.unauthorized, code: "wrong_token", message: "the bearer token is wrong; it is in <home>/token")
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing does not leak the token.
    private func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let left = Array(lhs.utf8), right = Array(rhs.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
