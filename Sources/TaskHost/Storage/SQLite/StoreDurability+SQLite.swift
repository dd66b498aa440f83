extension StoreDurability {
    /// The `PRAGMA synchronous` value that gives this durability in WAL mode.
    var synchronousPragma: String {
        switch self {
        case .process: "NORMAL"
        case .power: "FULL"
        }
    }
}
