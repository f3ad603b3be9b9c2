/// What one write did to the set of stored faces: the ids the index must drop, then add.
/// The store logs one per write (column family `change_log`) so a stale index snapshot can catch up.
package struct IndexChange: Equatable, Sendable {
    /// Face ids removed by the write (applied first).
    package var removed: [Int64]
    /// Face ids added by the write.
    package var added: [Int64]

    /// Describes a change.
    package init(removed: [Int64] = [], added: [Int64] = []) {
        self.removed = removed
        self.added = added
    }

    /// Whether the change touches no face.
    package var isEmpty: Bool { removed.isEmpty && added.isEmpty }
}
