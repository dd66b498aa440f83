/// How far an acknowledged write is guaranteed to survive.
///
/// Both levels survive a crash or `SIGKILL` of the host: the commit is in the WAL file before the
/// caller hears back. They differ on an OS crash or power cut, which only `power` covers, at the
/// price of an `fsync` per commit (group commit shares it among the writes that arrive together).
public enum StoreDurability: String, Sendable, CaseIterable {
    /// Survives a host crash or kill (WAL, `synchronous=NORMAL`); an OS crash or power cut can lose
    /// the commits made since the last WAL checkpoint.
    case process
    /// Also survives an OS crash or power cut (WAL, `synchronous=FULL`: the WAL is fsynced on every commit).
    case power
}
