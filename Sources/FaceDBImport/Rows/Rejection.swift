/// Why one row cannot be imported; becomes a ``RejectedRow``'s reason. Internal to the readers.
struct Rejection: Error {
    /// The complaint, e.g. "embedding value 3 is not a number".
    var reason: String

    init(_ reason: String) { self.reason = reason }
}
