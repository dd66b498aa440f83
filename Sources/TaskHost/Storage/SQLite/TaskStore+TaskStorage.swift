/// The SQLite backend behind the storage protocol: its writer, checkpointer and reader pool stay
/// its own business.
extension TaskStore: TaskStorage {}

extension StoreWriter.Ticket: CommitTicket {}
