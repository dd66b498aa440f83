/// Cuts a stream of bytes into log lines: at newlines, and at `maxLineBytes` for longer ones
/// (at a UTF-8 character boundary); invalid UTF-8 and NUL (which would cut a stored line short)
/// become U+FFFD.
struct OutputLines {
    let maxLineBytes: Int
    private var pending: [UInt8] = []

    init(maxLineBytes: Int) { self.maxLineBytes = max(4, maxLineBytes) }

    /// The complete lines in `bytes` (with what came before); a partial last line is kept.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> [String] {
        var lines: [String] = []
        var start = bytes.startIndex
        for index in bytes.indices where bytes[index] == UInt8(ascii: "\n") {
            pending.append(contentsOf: bytes[start..<index])
            emitLongParts(into: &lines)
            lines.append(Self.text(pending))
            pending.removeAll(keepingCapacity: true)
            start = index + 1
        }
        pending.append(contentsOf: bytes[start..<bytes.endIndex])
        emitLongParts(into: &lines)
        return lines
    }

    /// What is left at the end of the stream, as a last line (nil if nothing).
    mutating func finish() -> String? {
        guard !pending.isEmpty else { return nil }
        defer { pending.removeAll() }
        return Self.text(pending)
    }

    /// Splits off full-size parts of an over-long line.
    private mutating func emitLongParts(into lines: inout [String]) {
        while pending.count > maxLineBytes {
            var cut = maxLineBytes
            // Back off over continuation bytes (10xxxxxx) so no character is split.
            while cut > maxLineBytes - 3, cut > 0, pending[cut] & 0xC0 == 0x80 { cut -= 1 }
            lines.append(Self.text(pending[..<cut]))
            pending.removeFirst(cut)
        }
    }

    private static func text<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        var line = String(decoding: bytes, as: UTF8.self)
        if bytes.contains(0) { line = line.replacingOccurrences(of: "\0", with: "\u{FFFD}") }
        if line.hasSuffix("\r") { line.removeLast() }
        return line
    }
}
