import FaceDBCore
import Foundation

/// Key and value encodings of the store, as described in `Schemas/keyspace.md`.
/// Every function here is pure; the round trips are tested.
enum Keyspace {
    /// The store format this code writes and reads.
    static let formatVersion: UInt32 = 1

    // MARK: meta keys
    static let formatVersionKey = Array("format_version".utf8)
    static let spaceKey = Array("embedding_space".utf8)
    static let indexKey = Array("index_configuration".utf8)
    static let sequenceKey = Array("sequence".utf8)
    static let nextFaceIDKey = Array("next_face_id".utf8)
    static let identityCountKey = Array("identity_count".utf8)
    static let faceCountKey = Array("face_count".utf8)
    static let logTruncatedThroughKey = Array("log_truncated_through".utf8)
    static let createdKey = Array("created_ms".utf8)
    /// 16 random bytes made at create: which store this is (an index snapshot records it).
    static let storeIDKey = Array("store_id".utf8)
    /// `UInt64` big-endian: the ``VectorDigest`` of every stored face, committed with each write.
    static let vectorsDigestKey = Array("vectors_digest".utf8)
    static let calibrationKey = Array("calibration".utf8)
    /// JSON `{"entries", "hash"}`: the head of the audit trail, present when the database keeps one.
    static let auditHeadKey = Array("audit_head".utf8)
    /// JSON: the encryption record (the wrapped data key) of an encrypted store.
    static let encryptionKey = Array("encryption".utf8)
    /// The models of the photo pipeline whose embeddings the database holds (JSON).
    static let pipelineModelsKey = Array("pipeline_models".utf8)
    /// Set by earlier versions while a bulk load's table files were being ingested: the lowest face
    /// id it could hold. Never written now; removed on open (see ``FaceStore/rollBackBulkLoad(committedNextFaceID:)``).
    static let bulkPendingKey = Array("bulk_pending".utf8)
    /// `import-mark/<key>`: how far an import run came (see ``ImportMark``). The earlier layout,
    /// `import/<size>-<hash>` holding a bare row count, is no longer read.
    static let importMarkPrefix = Array("import-mark/".utf8)
    static func importMarkKey(_ key: String) -> [UInt8] { importMarkPrefix + Array(key.utf8) }

    /// The layout version that starts an import mark's value.
    static let importMarkVersion: UInt8 = 1

    /// `version (1) ‖ rows (UInt64) ‖ file count (UInt8) ‖ per file: bytes, head hash, hash (UInt64 each)`, big-endian.
    static func encode(_ mark: ImportMark) -> [UInt8] {
        var value = [importMarkVersion] + bigEndian(UInt64(mark.rows)) + [UInt8(mark.files.count)]
        for file in mark.files {
            value += bigEndian(UInt64(file.bytes)) + bigEndian(file.headHash) + bigEndian(file.hash)
        }
        return value
    }

    /// The mark `key` holding `value`, or nil when the value is not a mark of this layout.
    static func importMark(key: String, value: UnsafeRawBufferPointer) -> ImportMark? {
        let bytes = Array(value)
        guard bytes.count >= 10, bytes[0] == importMarkVersion else { return nil }
        let count = Int(bytes[9])
        guard bytes.count == 10 + 24 * count else { return nil }
        func integer(_ at: Int) -> UInt64 { bytes[at..<at + 8].reduce(0) { ($0 << 8) | UInt64($1) } }
        let rows = integer(1)
        guard rows <= UInt64(Int.max) else { return nil }
        var files: [FilePrefix] = []
        for k in 0..<count {
            let at = 10 + 24 * k
            let length = integer(at)
            guard length <= UInt64(Int.max) else { return nil }
            files.append(FilePrefix(bytes: Int(length), headHash: integer(at + 8), hash: integer(at + 16)))
        }
        return ImportMark(key: key, rows: Int(rows), files: files)
    }

    // MARK: integers
    static func bigEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func uint64(bigEndian bytes: some Collection<UInt8>) throws -> UInt64 {
        guard bytes.count == 8 else { throw corrupt("an 8-byte integer has \(bytes.count) bytes") }
        return bytes.reduce(0) { ($0 << 8) | UInt64($1) }
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    static func uint32(bigEndian bytes: [UInt8]) throws -> UInt32 {
        guard bytes.count == 4 else { throw corrupt("a 4-byte integer has \(bytes.count) bytes") }
        return bytes.reduce(0) { ($0 << 8) | UInt32($1) }
    }

    // MARK: keys
    static func faceKey(_ id: FaceID) -> [UInt8] { bigEndian(UInt64(bitPattern: id.rawValue)) }

    static func faceID(fromKey key: UnsafeRawBufferPointer) throws -> FaceID {
        FaceID(Int64(bitPattern: try uint64(bigEndian: key)))
    }

    static func identityKey(_ id: String) -> [UInt8] { Array(id.utf8) }

    /// RocksDB's key order: bytewise, a prefix first.
    static func precedes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let common = min(a.count, b.count)
        let order = common == 0 ? 0 : a.withUnsafeBytes { pa in b.withUnsafeBytes { pb in memcmp(pa.baseAddress!, pb.baseAddress!, common) } }
        return order != 0 ? order < 0 : a.count < b.count
    }

    /// `identity ‖ 0x00 ‖ face id (8 bytes, big-endian)`.
    static func identityFaceKey(_ identity: String, _ face: FaceID) -> [UInt8] {
        identityPrefix(identity) + faceKey(face)
    }

    /// `identity ‖ 0x00`: the prefix of all of an identity's rows.
    static func identityPrefix(_ identity: String) -> [UInt8] { Array(identity.utf8) + [0] }

    /// `gallery ‖ 0x00 ‖ identity`.
    static func galleryMemberKey(_ gallery: String, _ identity: String) -> [UInt8] {
        Array(gallery.utf8) + [0] + Array(identity.utf8)
    }

    /// The exclusive upper bound of all keys starting with `prefix` (prefix ends in 0x00, so +1 works).
    static func prefixEnd(_ prefix: [UInt8]) -> [UInt8] {
        var end = prefix
        end[end.count - 1] += 1
        return end
    }

    // MARK: vectors
    static func decodeVector(_ bytes: UnsafeRawBufferPointer, dimension: Int) throws -> [Float] {
        guard bytes.count == dimension * 4 else {
            throw corrupt("a stored vector has \(bytes.count) bytes, expected \(dimension * 4)")
        }
        return (0..<dimension).map { i in
            Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
        }
    }

    // MARK: change log
    /// `version (1) ‖ removed count (UInt32 LE) ‖ added count (UInt32 LE) ‖ removed ids ‖ added ids`
    /// (ids as Int64 LE).
    static func encode(_ change: IndexChange) -> [UInt8] {
        var out: [UInt8] = [1]
        out.reserveCapacity(9 + (change.removed.count + change.added.count) * 8)
        withUnsafeBytes(of: UInt32(change.removed.count).littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt32(change.added.count).littleEndian) { out.append(contentsOf: $0) }
        for id in change.removed + change.added { withUnsafeBytes(of: id.littleEndian) { out.append(contentsOf: $0) } }
        return out
    }

    static func decodeChange(_ bytes: UnsafeRawBufferPointer) throws -> IndexChange {
        guard bytes.count >= 9, bytes[0] == 1 else { throw corrupt("a change-log entry has a bad header") }
        let removed = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 1, as: UInt32.self)))
        let added = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 5, as: UInt32.self)))
        guard bytes.count == 9 + (removed + added) * 8 else { throw corrupt("a change-log entry has the wrong length") }
        let ids = (0..<(removed + added)).map {
            Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: 9 + $0 * 8, as: Int64.self))
        }
        return IndexChange(removed: Array(ids[..<removed]), added: Array(ids[removed...]))
    }

    // MARK: JSON values
    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func json<T: Encodable>(_ value: T) throws -> [UInt8] { Array(try encoder.encode(value)) }

    static func decodeJSON<T: Decodable>(_ type: T.Type, _ bytes: some Collection<UInt8>, what: String) throws -> T {
        do { return try JSONDecoder().decode(type, from: Data(bytes)) } catch {
            throw corrupt("\(what) is not valid JSON: \(error)")
        }
    }

    static func corrupt(_ detail: String) -> FaceDBError {
        FaceDBError(
            .corruption, "The store holds a malformed value: \(detail).",
            remedy: "Restore the database directory from a backup.")
    }
}
