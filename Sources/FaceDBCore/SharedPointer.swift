/// A raw pointer that crosses into concurrently running closures. Sound only because every user
/// makes its closures touch disjoint ranges of the memory behind it (the callers say which).
public struct SharedPointer<T>: @unchecked Sendable {
    /// The start of the shared memory.
    public let base: UnsafeMutablePointer<T>
    /// Shares `base`.
    @inlinable public init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    /// Shares `base`, which the closures only read.
    @inlinable public init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}
