import FaceDBCore

extension FaceStore {
    /// Purges what removed rows left behind in the store's files: after the rows of `faces` and
    /// `identities` were deleted (by earlier, committed writes), flushes the memtables, so that the
    /// write-ahead logs that held the rows become obsolete and RocksDB deletes them, then compacts
    /// the rows' key ranges down to the last level with that level rewritten too, so that neither
    /// the old values nor their tombstones stay in any table file.
    ///
    /// The `faces` range runs from the lowest to the highest id given (one compaction: erasing ids
    /// far apart rewrites the files between them too). `gallery_members` (keyed gallery first)
    /// and `change_log` (face ids only) are small and compacted whole.
    package func purge(faces: [FaceID], identities: [String]) throws {
        try db.refuseIfReadOnly()
        try db.flush()
        if let low = faces.min(), let high = faces.max() {
            try db.compact(.faces, from: Keyspace.faceKey(low), through: Keyspace.faceKey(high))
        }
        for identity in identities {
            let key = Keyspace.identityKey(identity)
            try db.compact(.identities, from: key, through: key)
            let prefix = Keyspace.identityPrefix(identity)
            try db.compact(.identityFaces, from: prefix, through: Keyspace.prefixEnd(prefix))
        }
        if !identities.isEmpty { try db.compact(.galleryMembers) }
        try db.compact(.changeLog)
    }

    /// Purges every removed row: flushes the memtables and compacts every column family whole
    /// (for rows removed earlier whose ids are no longer known; it rewrites the whole store).
    package func purgeEverything() throws {
        try db.refuseIfReadOnly()
        try db.flush()
        for family in ColumnFamily.allCases { try db.compact(family) }
    }
}
