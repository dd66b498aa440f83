import CProcessShims
import Foundation
import Synchronization

/// Task and schedule ids: 128 random bits as 32 hex digits. The system generator is read 4 KB at
/// a time (a syscall per id cost more than the rest of a batch submit's per-task work).
final class RandomIDs: Sendable {
    static let shared = RandomIDs()

    private struct Pool {
        var bytes = [UInt8](repeating: 0, count: 4096)
        var used = 4096
    }

    private let pool = Mutex(Pool())

    func next() -> String {
        // Only the 16 bytes are taken under the lock; the digits are written after, straight into
        // the string's storage (no arrays made per id).
        let (high, low): (UInt64, UInt64) = pool.withLock { pool in
            if pool.used + 16 > pool.bytes.count {
                let count = pool.bytes.count
                let filled = pool.bytes.withUnsafeMutableBytes { taskhost_random_bytes($0.baseAddress, UInt(count)) }
                if filled != count {
                    var generator = SystemRandomNumberGenerator()
                    for index in pool.bytes.indices { pool.bytes[index] = UInt8.random(in: 0...255, using: &generator) }
                }
                pool.used = 0
            }
            let start = pool.used
            pool.used += 16
            return pool.bytes.withUnsafeBytes { bytes in
                (bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self), bytes.loadUnaligned(fromByteOffset: start + 8, as: UInt64.self))
            }
        }
        return String(unsafeUninitializedCapacity: 32) { text in
            for nibble in 0..<16 {
                let shift = UInt64(60 - nibble * 4)
                text[nibble] = Self.digits[Int((high >> shift) & 0xF)]
                text[16 + nibble] = Self.digits[Int((low >> shift) & 0xF)]
            }
            return 32
        }
    }

    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)
}
