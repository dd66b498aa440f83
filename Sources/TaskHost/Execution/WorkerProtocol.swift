import Foundation
import TaskKit

/// What the host tells a worker process (one task attempt per worker).
enum WorkerCommand: Codable, Sendable {
    /// Load `image`, apply the limits, and run `type` with these parameters and saved state.
    case start(WorkerStart)
    /// Block at the next checkpoint.
    case pause
    /// Continue (after a pause at a checkpoint, or a freeze).
    case resume
    /// Unwind: the next (or current) checkpoint throws.
    case stop
    /// A user's stop: as `stop`, and once a checkpoint threw it the attempt ends stopped whatever
    /// the task returns or throws afterwards.
    case stopForUser
}

/// The first command: everything a worker needs to run one attempt.
struct WorkerStart: Codable, Sendable {
    let taskID: String
    let attempt: Int
    let image: String
    let type: String
    let parameters: [String: ParameterValue]
    let savedState: Data?
    let memoryLimitBytes: Int?
    let cpuLimitSeconds: Int?
    let maxResultBytes: Int
}

/// What a worker reports to the host.
enum WorkerReport: Codable, Sendable {
    case progress(completed: Int64, total: Int64?, message: String?)
    case log(level: LogLevel, message: String)
    case state(Data)
    case stateUndecodable(String)
    /// Blocked at a checkpoint after a pause request.
    case paused
    case finished(resultJSON: String)
    case failed(message: String, errorType: String)
    case stopped
}

/// Length-prefixed JSON frames over a file descriptor (a socket shared with the worker).
final class FrameChannel: @unchecked Sendable {
    let descriptor: Int32
    private let writeLock = NSLock()
    private var buffer = Data()
    /// Frames larger than this are refused (a confused peer must not make the host allocate gigabytes).
    static let maxFrame = 64 << 20

    init(descriptor: Int32) { self.descriptor = descriptor }

    /// Sends one value; false if the peer is gone.
    @discardableResult
    func send(_ value: some Encodable) -> Bool {
        guard let body = try? JSONEncoder().encode(value) else { return false }
        var frame = Data()
        var length = UInt32(body.count).bigEndian
        withUnsafeBytes(of: &length) { frame.append(contentsOf: $0) }
        frame.append(body)
        return writeLock.withLock {
            frame.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count {
                    let written = Foundation.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else { return false }
                    offset += written
                }
                return true
            }
        }
    }

    /// The next whole frame already received, decoded; nil if none is complete yet.
    func nextFrame<Value: Decodable>(as type: Value.Type) throws -> Value? {
        guard buffer.count >= 4 else { return nil }
        let length = buffer.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard length <= Self.maxFrame else { throw FrameError.tooLarge(length) }
        guard buffer.count >= 4 + length else { return nil }
        let body = buffer.subdata(in: buffer.startIndex + 4..<buffer.startIndex + 4 + length)
        buffer.removeFirst(4 + length)
        return try JSONDecoder().decode(Value.self, from: body)
    }

    /// Reads what is available (blocking until something is); false at end of stream.
    func receive() -> Bool {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = Foundation.read(descriptor, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            buffer.append(contentsOf: chunk[0..<count])
            return true
        }
    }

    /// A frame the peer sent could not be used.
    enum FrameError: Error, CustomStringConvertible {
        case tooLarge(Int)
        var description: String {
            switch self {
            case .tooLarge(let bytes): "a frame of \(bytes) bytes from the worker is over the \(FrameChannel.maxFrame) limit"
            }
        }
    }
}
