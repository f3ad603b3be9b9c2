import FaceDBCore
import Foundation
import Synchronization

/// Which identity each face belongs to, in memory, so that search results need no store read.
///
/// Writes keep it exact: every add sets its faces' owners and every removal drops them, under the
/// database's write lock. After open, a background scan of the store's `identity_faces` keys fills in
/// what is not known yet (it never overwrites an entry a write has set). A miss falls back to the store.
///
/// The store numbers faces 0, 1, 2, … unless callers choose ids, so owners live in an array indexed
/// by face id (16 bytes a face; setting a million costs no hashing), which grows to cover an id at
/// most twice its size; other ids (far beyond it, chosen by callers) go to a dictionary.
final class FaceOwners: Sendable {
    private struct State {
        /// The owner of face id i at index i (nil: unknown or removed).
        var dense: [String?] = []
        /// Owners of ids beyond what `dense` grows to cover.
        var sparse: [Int64: String] = [:]
        var cancelled = false

        /// The owner of `id`, if known.
        func owner(_ id: Int64) -> String? {
            if id >= 0 && id < Int64(dense.count), let who = dense[Int(id)] { return who }
            return sparse.isEmpty ? nil : sparse[id]
        }

        /// Records `who` as the owner of `id`.
        mutating func put(_ id: Int64, _ who: String) {
            if id >= 0 && id < Int64(max(2 * dense.count, 1_024)) {
                if id >= Int64(dense.count) { dense.append(contentsOf: repeatElement(nil, count: Int(id) - dense.count + 1)) }
                dense[Int(id)] = who
                if !sparse.isEmpty { sparse[id] = nil }
            } else {
                sparse[id] = who
            }
        }
    }

    private let state = Mutex(State())
    /// Entered while a background load (``load(_:)``) runs.
    private let loading = DispatchGroup()

    /// The known owners of `ids` (nil where unknown).
    func lookup(_ ids: [Int64]) -> [String?] {
        state.withLock { state in ids.map { state.owner($0) } }
    }

    /// Records the owners of faces just written (overwriting what was known).
    func set(_ ids: [Int64], _ identities: [String]) {
        state.withLock { state in for (id, who) in zip(ids, identities) { state.put(id, who) } }
    }

    /// Forgets removed faces.
    func remove(_ ids: [Int64]) {
        state.withLock { state in
            for id in ids {
                if id >= 0 && id < Int64(state.dense.count) { state.dense[Int(id)] = nil }
                if !state.sparse.isEmpty { state.sparse[id] = nil }
            }
        }
    }

    /// Starts filling the map from `scan` on a background thread. `scan` calls its argument with each
    /// (identity, face ids) group and stops when it returns false.
    func load(_ scan: @escaping @Sendable (_ each: (String, [Int64]) -> Bool) throws -> Void) {
        DispatchQueue.global(qos: .utility).async(group: loading) { [self] in
            try? scan { identity, faces in
                state.withLock { state in
                    for id in faces where state.owner(id) == nil { state.put(id, identity) }
                    return !state.cancelled
                }
            }
        }
    }

    /// Forgets every owner (after a reader beside a writer moved its view on: faces may have moved
    /// to another identity), stopping a background load first; ``load(_:)`` fills it again.
    func reset() {
        stopLoading()
        state.withLock { $0 = State() }
    }

    /// Stops a background load and waits for it to end (before the store closes).
    func stopLoading() {
        state.withLock { $0.cancelled = true }
        loading.wait()
    }
}
