/// Carries a value that is not `Sendable` to another thread that becomes its only user: the caller
/// gives it up (a `sending` parameter) and the receiving thread owns it from then on.
package struct SendableBox<Value>: @unchecked Sendable {
    /// The value, to be used by the receiving thread alone.
    package let value: Value

    /// Wraps a value the caller no longer uses.
    package init(_ value: consuming sending Value) { self.value = value }
}
