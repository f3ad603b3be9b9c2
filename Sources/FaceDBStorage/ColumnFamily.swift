/// The column families of the store. `Schemas/keyspace.md` describes their keys and values.
package enum ColumnFamily: String, CaseIterable, Sendable {
    /// RocksDB's mandatory default family; unused.
    case `default` = "default"
    /// Database-wide values: format version, embedding space, index configuration, counters.
    case meta
    /// Identity id → identity record (JSON).
    case identities
    /// Face id → face record (binary header, JSON details, the embedding).
    case faces
    /// Identity id, NUL, face id → nothing: the faces of each identity.
    case identityFaces = "identity_faces"
    /// Gallery, NUL, identity id → nothing: the members of each gallery.
    case galleryMembers = "gallery_members"
    /// Change sequence → the face ids a write added or removed: what the index replays.
    case changeLog = "change_log"

    /// Whether an encrypted store seals this family's values (``DataCipher``): the families whose
    /// values hold embeddings, metadata, names and provenance. Keys stay plain everywhere.
    var isEncrypted: Bool { self == .faces || self == .identities }

    /// The associated data a value of this family under `key` is sealed with: the family's name, a
    /// NUL, the key. A value moved to another row or family does not open.
    func sealingContext(_ key: UnsafeRawBufferPointer) -> [UInt8] {
        // One allocation per row written or read (joining arrays made four).
        var context = [UInt8]()
        context.reserveCapacity(rawValue.utf8.count + 1 + key.count)
        context.append(contentsOf: rawValue.utf8)
        context.append(0)
        context.append(contentsOf: key)
        return context
    }
}
