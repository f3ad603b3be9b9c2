import FaceDBCore
import Foundation

/// Which identity each face belongs to, in memory, so that search results need no store read.
///
/// Writes keep it exact: every add sets its faces' owners and every removal drops them, under the
/// database's write lock. After open, a background scan of the store's `identity_faces` keys fills in
/// what is not known yet (it never overwrites an entry a write has set). A miss falls back to the store.
/// It holds one entry per stored face (about 50 bytes each).
final class FaceOwners: @unchecked Sendable {
    private let lock = NSLock()
    private var owners: [Int64: String] = [:]
    private var cancelled = false
    private let loading = DispatchGroup()

    /// The known owners of `ids` (nil where unknown).
    func lookup(_ ids: [Int64]) -> [String?] {
        lock.withLock { ids.map { owners[$0] } }
    }

    /// Records the owners of faces just written (overwriting what was known).
    func set(_ ids: [Int64], _ identities: [String]) {
        lock.withLock { for (id, who) in zip(ids, identities) { owners[id] = who } }
    }

    /// Forgets removed faces.
    func remove(_ ids: [Int64]) {
        lock.withLock { for id in ids { owners[id] = nil } }
    }

    /// Starts filling the map from `scan` on a background thread. `scan` calls its argument with each
    /// (identity, face ids) group and stops when it returns false.
    func load(_ scan: @escaping @Sendable (_ each: (String, [Int64]) -> Bool) throws -> Void) {
        DispatchQueue.global(qos: .utility).async(group: loading) { [self] in
            try? scan { identity, faces in
                lock.withLock {
                    for id in faces where owners[id] == nil { owners[id] = identity }
                    return !cancelled
                }
            }
        }
    }

    /// Stops a background load and waits for it to end (before the store closes).
    func stopLoading() {
        lock.withLock { cancelled = true }
        loading.wait()
    }
}
