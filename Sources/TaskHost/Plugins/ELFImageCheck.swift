import Foundation

/// Checks, before `dlopen` sees a file, that it is a whole 64-bit ELF shared library for this
/// machine: every program header's and section's file range lies inside the file.
///
/// `dlopen` maps what the headers promise; a half-copied or truncated file then faults with
/// SIGBUS inside the loader, taking the process with it. Pure: bytes in, verdict out.
enum ELFImageCheck {
    #if arch(x86_64)
    static let hostMachine: UInt16 = 62
    #elseif arch(arm64)
    static let hostMachine: UInt16 = 183
    #else
    static let hostMachine: UInt16 = 0
    #endif

    /// Throws `.invalidImage` for a file that is not a shared library for this machine, and
    /// `.incompleteImage` for one shorter than its headers say.
    static func check(_ bytes: Data) throws(PluginRejection) {
        let reader = Reader(bytes: bytes)
        guard bytes.count >= 64, reader.u32(0) == 0x464C_457F else {
            throw .invalidImage("not an ELF file (\(bytes.count) bytes, no ELF header)")
        }
        guard reader.u8(4) == 2, reader.u8(5) == 1 else { throw .invalidImage("not a 64-bit little-endian ELF file") }
        guard reader.u16(16) == 3 else { throw .invalidImage("an ELF file but not a shared library (type \(reader.u16(16)))") }
        if hostMachine != 0, reader.u16(18) != hostMachine {
            throw .invalidImage("built for another machine architecture (ELF machine \(reader.u16(18)), this host is \(hostMachine))")
        }
        let size = UInt64(bytes.count)
        var needed: UInt64 = 64
        let programHeaders = try table(reader, offsetAt: 32, entrySizeAt: 54, countAt: 56, minimumEntry: 56)
        let sectionHeaders = try table(reader, offsetAt: 40, entrySizeAt: 58, countAt: 60, minimumEntry: 64)
        needed = max(needed, programHeaders.end, sectionHeaders.end)
        if programHeaders.end <= size {
            for entry in programHeaders.entries {
                needed = max(needed, try end(reader.u64(entry + 8), reader.u64(entry + 32)))
            }
        }
        if sectionHeaders.end <= size {
            let noBits: UInt32 = 8
            for entry in sectionHeaders.entries where reader.u32(entry + 4) != noBits {
                needed = max(needed, try end(reader.u64(entry + 24), reader.u64(entry + 32)))
            }
        }
        guard size >= needed else { throw .incompleteImage(bytes: bytes.count, expected: needed) }
    }

    private struct Table {
        let end: UInt64
        let entries: [Int]
    }

    /// A header table's end offset and, when it lies inside the file, its entries' offsets.
    private static func table(_ reader: Reader, offsetAt: Int, entrySizeAt: Int, countAt: Int, minimumEntry: UInt16)
        throws(PluginRejection) -> Table
    {
        let offset = reader.u64(offsetAt), entrySize = reader.u16(entrySizeAt), count = reader.u16(countAt)
        guard count > 0 else { return Table(end: 0, entries: []) }
        guard entrySize >= minimumEntry else { throw .invalidImage("malformed ELF header (table entry size \(entrySize))") }
        let tableEnd = try end(offset, UInt64(entrySize) * UInt64(count))
        guard tableEnd <= UInt64(reader.bytes.count), let start = Int(exactly: offset) else { return Table(end: tableEnd, entries: []) }
        return Table(end: tableEnd, entries: (0..<Int(count)).map { start + $0 * Int(entrySize) })
    }

    private static func end(_ offset: UInt64, _ length: UInt64) throws(PluginRejection) -> UInt64 {
        let (sum, overflow) = offset.addingReportingOverflow(length)
        guard !overflow else { throw .invalidImage("malformed ELF header (a range past 2^64)") }
        return sum
    }

    /// Little-endian reads that return 0 past the end instead of trapping.
    private struct Reader {
        let bytes: Data

        func u8(_ offset: Int) -> UInt8 {
            guard offset >= 0, offset < bytes.count else { return 0 }
            return bytes[bytes.startIndex + offset]
        }

        func u16(_ offset: Int) -> UInt16 { UInt16(u8(offset)) | UInt16(u8(offset + 1)) << 8 }
        func u32(_ offset: Int) -> UInt32 { UInt32(u16(offset)) | UInt32(u16(offset + 2)) << 16 }
        func u64(_ offset: Int) -> UInt64 { UInt64(u32(offset)) | UInt64(u32(offset + 4)) << 32 }
    }
}

extension PluginLoader {
    /// Why `bytes` cannot be loaded as a plugin image (not an ELF shared library for this machine,
    /// or shorter than its headers say), or nil; the check every scan makes before `dlopen`.
    public static func imageProblem(_ bytes: Data) -> String? {
        do {
            try ELFImageCheck.check(bytes)
            return nil
        } catch {
            return error.description
        }
    }
}
