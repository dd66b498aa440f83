import Foundation
import Hummingbird
import NIOCore
import TaskHost

/// JSON bodies in and out, with the API's date format (ISO 8601).
enum JSONResponse {
    static func make<Value: Encodable>(_ value: Value, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try APICoding.encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func decode<Value: Decodable>(_ type: Value.Type, from request: inout Request, limit: Int = RequestLimits.maxBody) async throws -> Value {
        let buffer = try await request.body.collect(upTo: limit)
        return try APICoding.decoder.decode(type, from: Data(buffer: buffer))
    }
}
