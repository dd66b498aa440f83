import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import TaskHost

/// What the daemon answered.
struct ClientResponse: Sendable {
    let status: Int
    let body: Data
}

/// Talks HTTP/1.1 to a running host over its Unix socket, with NIO's HTTP client codec.
struct ControlClient: Sendable {
    let socketPath: String
    let home: String
    let actor: String

    /// How long a request may take (`TASKHOST_CLIENT_TIMEOUT` seconds, default 30); streams that follow a task are exempt.
    static let requestTimeout: TimeAmount = {
        let seconds = ProcessInfo.processInfo.environment["TASKHOST_CLIENT_TIMEOUT"].flatMap(Double.init) ?? 30
        return .milliseconds(Int64((seconds.isFinite ? min(max(seconds, 0.1), 86_400) : 30) * 1000))
    }()

    /// Sends one request and collects the whole answer.
    func send(_ method: HTTPMethod, _ path: String, json: Data? = nil) async throws -> ClientResponse {
        let collected = LockedData()
        let status = try await exchange(method, path, json: json) { chunk in collected.append(chunk) }
        return ClientResponse(status: status, body: collected.data)
    }

    /// Sends one request and hands each body chunk to `onChunk` as it arrives (streams).
    /// `timeout` bounds the whole exchange (nil for streams that follow a task: `wait`, `logs --follow`).
    @discardableResult
    func exchange(
        _ method: HTTPMethod, _ path: String, json: Data? = nil, timeout: TimeAmount? = ControlClient.requestTimeout,
        onChunk: @escaping @Sendable (Data) async throws -> Void
    ) async throws -> Int {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(5))
                .connect(unixDomainSocketPath: socketPath) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch ChannelError.connectTimeout(_) {
            throw CLIError.failed("the host at \(socketPath) did not accept a connection within 5 s; it may be hung (its pid is in \(home)/taskhost.lock)")
        } catch {
            throw CLIError.hostNotRunning(home: home, detail: "\(error)")
        }
        let timedOut = NIOLockedValueBox(false)
        let timer = timeout.map { amount in
            channel.channel.eventLoop.scheduleTask(in: amount) {
                timedOut.withLockedValue { $0 = true }
                channel.channel.close(promise: nil)
            }
        }
        defer { timer?.cancel() }
        let timeoutError = CLIError.failed(
            "the host did not answer \(method) \(path) within \(Formatting.duration(Double(timeout?.nanoseconds ?? 0) / 1e9)); it may be overloaded or hung")
        let status: Int
        do {
            status = try await send(on: channel, method, path, json: json, onChunk: onChunk)
        } catch {
            guard !timedOut.withLockedValue({ $0 }) else { throw timeoutError }
            throw error
        }
        guard !timedOut.withLockedValue({ $0 }) else { throw timeoutError }
        return status
    }

    private func send(
        on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, _ method: HTTPMethod, _ path: String,
        json: Data?, onChunk: @escaping @Sendable (Data) async throws -> Void
    ) async throws -> Int {
        try await channel.executeThenClose { inbound, outbound in
            var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
            head.headers.add(name: "Host", value: "taskhost")
            head.headers.add(name: "Connection", value: "close")
            head.headers.add(name: "X-Taskhost-Actor", value: actor)
            if json != nil { head.headers.add(name: "Content-Type", value: "application/json") }
            head.headers.add(name: "Content-Length", value: String(json?.count ?? 0))
            // One write, one flush: the server may answer a GET and close as soon as it has the
            // head, and a separately written end would then fail with "I/O on closed channel".
            var parts: [HTTPClientRequestPart] = [.head(head)]
            if let json { parts.append(.body(.byteBuffer(ByteBuffer(bytes: json)))) }
            parts.append(.end(nil))
            try await outbound.write(contentsOf: parts)
            var status = 0
            for try await part in inbound {
                switch part {
                case .head(let response): status = Int(response.status.code)
                case .body(let buffer): try await onChunk(Data(buffer: buffer))
                case .end: return status
                }
            }
            return status
        }
    }

    /// Sends a request and decodes a 2xx JSON answer, or throws the API's error.
    func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable)? = Optional<String>.none, as type: Answer.Type)
        async throws -> Answer
    {
        let json = try body.map { try APICoding.encoder.encode($0) }
        let response = try await send(method, path, json: json)
        try Self.check(response)
        return try APICoding.decoder.decode(Answer.self, from: response.body)
    }

    /// Throws `CLIError.api` for a non-2xx answer.
    static func check(_ response: ClientResponse) throws {
        guard !(200..<300).contains(response.status) else { return }
        guard response.status != 0 else {
            throw CLIError.failed(
                "the host closed the connection without answering; it may have stopped or crashed (see its output, or run `taskhost health`)")
        }
        if let error = try? JSONDecoder().decode(ErrorEnvelope.self, from: response.body) {
            throw CLIError.api(status: response.status, code: error.error.code, message: error.error.message)
        }
        throw CLIError.api(status: response.status, code: "http_\(response.status)", message: String(decoding: response.body, as: UTF8.self))
    }

    private struct ErrorEnvelope: Decodable {
        struct Detail: Decodable {
            let code: String
            let message: String
        }
        let error: Detail
    }
}

/// Bytes appended from NIO's callbacks, read when the exchange is over.
final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var storage = Data()
    func append(_ chunk: Data) { lock.withLock { storage.append(chunk) } }
    var data: Data { lock.withLock { storage } }
    func replace(with data: Data) { lock.withLock { storage = data } }
}

/// Percent-encodes a query value.
func queryValue(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed.subtracting(CharacterSet(charactersIn: "&=+"))) ?? text
}
