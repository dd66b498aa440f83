import Foundation

/// Whether a listen address is on this machine only.
enum LoopbackAddress {
    /// True when `host` is a loopback literal, or a name every one of whose addresses is loopback
    /// (`127.evil.example` is a name like any other: it is resolved, not matched by prefix).
    static func isLoopback(_ host: String) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        var sawAny = false
        while let entry = node {
            sawAny = true
            guard let address = entry.pointee.ai_addr else { return false }
            switch Int32(address.pointee.sa_family) {
            case AF_INET:
                let ip = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) }
                guard ip >> 24 == 127 else { return false }
            case AF_INET6:
                let isLoopback = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { bytes in
                        bytes.prefix(15).allSatisfy { $0 == 0 } && bytes[15] == 1
                    }
                }
                guard isLoopback else { return false }
            default:
                return false
            }
            node = entry.pointee.ai_next
        }
        return sawAny
    }
}
