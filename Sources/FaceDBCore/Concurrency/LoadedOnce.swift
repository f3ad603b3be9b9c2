import Synchronization

/// A value loaded on first use and replaced explicitly afterwards; thread-safe.
package final class LoadedOnce<Value: Sendable>: Sendable {
    /// nil until loaded or set (a loaded nil, for an optional `Value`, is `.some(nil)`).
    private let loaded = Mutex<Value?>(nil)

    /// Makes an empty one: the first ``value(_:)`` loads.
    package init() {}

    /// The value, loading it with `load` the first time (a failed load is retried next time).
    /// The lock is held while `load` runs, so concurrent first uses load once.
    package func value(_ load: () throws -> Value) rethrows -> Value {
        try loaded.withLock { loaded in
            if let loaded { return loaded }
            let value = try load()
            loaded = value
            return value
        }
    }

    /// Replaces the value.
    package func set(_ value: Value) {
        loaded.withLock { $0 = value }
    }
}
