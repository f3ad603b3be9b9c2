/// How far an acknowledged write is guaranteed to survive.
public enum Durability: String, Codable, Sendable, CaseIterable {
    /// The default. The write is in RocksDB's write-ahead log in the operating system's cache when
    /// the call returns: it survives the process being killed, not a power loss or kernel crash.
    case processCrash = "process"
    /// The write-ahead log is fsync'ed before the call returns: survives power loss too, at the cost
    /// of one disk flush per write (batch writes to amortize it).
    case powerLoss = "sync"
}
