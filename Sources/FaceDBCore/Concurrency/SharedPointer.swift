/// A raw pointer that crosses into concurrently running closures. Sound only because every user
/// makes its closures touch disjoint ranges of the memory behind it (the callers say which).
package struct SharedPointer<T>: @unchecked Sendable {
    /// The start of the shared memory.
    package let base: UnsafeMutablePointer<T>
    /// Shares `base`.
    package init(_ base: UnsafeMutablePointer<T>) { self.base = base }
    /// Shares `base`, which the closures only read.
    package init(_ base: UnsafePointer<T>) { self.base = UnsafeMutablePointer(mutating: base) }
}
