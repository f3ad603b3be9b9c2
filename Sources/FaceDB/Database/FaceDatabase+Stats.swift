import FaceDBCore
import FaceDBStorage
import Foundation

extension FaceDatabase {
    /// Counts, embedding space, index state and size of the database.
    public func stats() throws -> DatabaseStats {
        try checkOpen()
        let (configuration, state, count, tombstones, memory, efSearch, tuning) = indexLock.withReadLock {
            (
                index.configuration, index.stateDescription, index.count, index.tombstones, index.estimatedMemoryBytes,
                index.efSearch, index.efSearchTuning
            )
        }
        var stats = DatabaseStats(
            path: path, formatVersion: FaceStore.formatVersion, space: space,
            identities: store.identityCount, faces: store.faceCount, index: configuration, indexState: state,
            indexedVectors: count, indexTombstones: tombstones, sequence: store.sequence,
            snapshotSequence: snapshotState.sequence, sizeOnDisk: FaceDatabase.directorySize(path),
            indexMemory: memory, efSearch: efSearch, efSearchTuning: tuning, durability: options.durability)
        stats.encrypted = store.isEncrypted
        stats.audited = keepsAuditTrail || (try? store.auditHeadDocument()) != nil
        return stats
    }

    /// The total size of the regular files below `path`.
    static func directorySize(_ path: String) -> Int {
        let fm = FileManager.default
        guard let items = fm.enumerator(atPath: path) else { return 0 }
        var total = 0
        for case let item as String in items {
            if let attrs = try? fm.attributesOfItem(atPath: path + "/" + item), attrs[.type] as? FileAttributeType == .typeRegular {
                total += (attrs[.size] as? Int) ?? 0
            }
        }
        return total
    }
}
