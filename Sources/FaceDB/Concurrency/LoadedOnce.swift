import Foundation

/// A value loaded on first use and replaced explicitly afterwards; thread-safe.
final class LoadedOnce<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var loaded: Value?
    private var isLoaded = false

    /// The value, loading it with `load` the first time (a failed load is retried next time).
    func value(_ load: () throws -> Value) rethrows -> Value {
        try lock.withLock {
            if isLoaded, let loaded { return loaded }
            let value = try load()
            loaded = value
            isLoaded = true
            return value
        }
    }

    /// Replaces the value.
    func set(_ value: Value) {
        lock.withLock {
            loaded = value
            isLoaded = true
        }
    }
}
