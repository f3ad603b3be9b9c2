import FaceDBCore
import Foundation

/// The value of an `identities` row (JSON, `Schemas/identity-record.schema.json`).
struct IdentityRecord: Codable, Equatable {
    var displayName: String?
    var metadata: JSONValue
    var galleries: [String]
    var createdMs: Int64
    var updatedMs: Int64

    enum CodingKeys: String, CodingKey {
        case displayName = "display_name", metadata, galleries
        case createdMs = "created_ms", updatedMs = "updated_ms"
    }

    func identity(id: String, faceCount: Int) -> Identity {
        Identity(
            id: id, displayName: displayName, metadata: metadata, galleries: galleries,
            created: Date(milliseconds: createdMs), updated: Date(milliseconds: updatedMs), faceCount: faceCount)
    }
}

/// The optional JSON part of a `faces` row (`Schemas/face-details.schema.json`).
struct FaceDetails: Codable, Equatable {
    var source: FaceSource?
    var metadata: JSONValue?
}

/// The value of a `faces` row: `version (1) ‖ created ms (Int64 LE) ‖ identity length (UInt16 LE) ‖
/// identity ‖ details length (UInt32 LE) ‖ details JSON (empty when there are none) ‖ the embedding
/// (float32 LE, the space's dimension)`. The embedding is last so that it can be read in place.
struct FaceRecord: Equatable {
    var identity: String
    var createdMs: Int64
    var details: FaceDetails?
    var vector: [Float]

    static let fixedSize = 1 + 8 + 2 + 4

    func encoded() throws -> [UInt8] {
        let json = try Self.detailsJSON(details)
        var identity = identity
        return identity.withUTF8 { id in
            vector.withUnsafeBufferPointer { vector in
                let size = Self.encodedSize(identityBytes: id.count, detailsBytes: json.count, dimension: vector.count)
                return [UInt8](unsafeUninitializedCapacity: size) { out, initialized in
                    Self.encode(
                        identity: UnsafeRawBufferPointer(id), createdMs: createdMs, detailsJSON: json, vector: vector,
                        into: UnsafeMutableRawBufferPointer(out))
                    initialized = size
                }
            }
        }
    }

    /// The bytes of an encoded record whose parts have these sizes.
    static func encodedSize(identityBytes: Int, detailsBytes: Int, dimension: Int) -> Int {
        fixedSize + identityBytes + detailsBytes + dimension * 4
    }

    /// The details part of a record: JSON, or nothing when there are no details.
    static func detailsJSON(_ details: FaceDetails?) throws -> [UInt8] {
        guard let details, details.source != nil || details.metadata != nil else { return [] }
        return try Keyspace.json(details)
    }

    /// Writes the encoding of a record to `raw`, which has exactly ``encodedSize(identityBytes:detailsBytes:dimension:)`` bytes.
    static func encode(
        identity: UnsafeRawBufferPointer, createdMs: Int64, detailsJSON json: [UInt8], vector: UnsafeBufferPointer<Float>,
        into raw: UnsafeMutableRawBufferPointer
    ) {
        precondition(raw.count == encodedSize(identityBytes: identity.count, detailsBytes: json.count, dimension: vector.count))
        raw[0] = 1
        raw.storeBytes(of: createdMs.littleEndian, toByteOffset: 1, as: Int64.self)
        raw.storeBytes(of: UInt16(identity.count).littleEndian, toByteOffset: 9, as: UInt16.self)
        var at = 11
        UnsafeMutableRawBufferPointer(rebasing: raw[at..<(at + identity.count)]).copyMemory(from: identity)
        at += identity.count
        raw.storeBytes(of: UInt32(json.count).littleEndian, toByteOffset: at, as: UInt32.self)
        at += 4
        json.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: raw[at..<(at + json.count)]).copyMemory(from: $0) }
        at += json.count
        for x in vector {
            raw.storeBytes(of: x.bitPattern.littleEndian, toByteOffset: at, as: UInt32.self)
            at += 4
        }
    }

    init(identity: String, createdMs: Int64, details: FaceDetails?, vector: [Float]) {
        self.identity = identity
        self.createdMs = createdMs
        self.details = details
        self.vector = vector
    }

    /// The offsets of an encoded record's parts, after checking its lengths against `dimension`.
    struct Layout {
        var identity: Range<Int>
        var details: Range<Int>
        var vector: Range<Int>
    }

    static func layout(_ b: UnsafeRawBufferPointer, dimension: Int) throws -> Layout {
        guard b.count >= fixedSize, b[0] == 1 else { throw Keyspace.corrupt("a face record has a bad header") }
        let n = Int(UInt16(littleEndian: b.loadUnaligned(fromByteOffset: 9, as: UInt16.self)))
        guard b.count >= fixedSize + n else { throw Keyspace.corrupt("a face record is truncated") }
        let j = Int(UInt32(littleEndian: b.loadUnaligned(fromByteOffset: 11 + n, as: UInt32.self)))
        let vectorStart = fixedSize + n + j
        guard b.count == vectorStart + dimension * 4 else {
            throw Keyspace.corrupt("a face record has \(b.count) bytes, expected \(vectorStart + dimension * 4)")
        }
        return Layout(identity: 11..<(11 + n), details: (fixedSize + n)..<vectorStart, vector: vectorStart..<b.count)
    }

    /// Only the identity of an encoded record.
    static func identity(decoding b: UnsafeRawBufferPointer, dimension: Int) throws -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: b[try layout(b, dimension: dimension).identity]), as: UTF8.self)
    }

    /// Only the embedding of an encoded record.
    static func vector(decoding b: UnsafeRawBufferPointer, dimension: Int) throws -> [Float] {
        try Keyspace.decodeVector(UnsafeRawBufferPointer(rebasing: b[try layout(b, dimension: dimension).vector]), dimension: dimension)
    }

    init(decoding b: UnsafeRawBufferPointer, dimension: Int) throws {
        let layout = try Self.layout(b, dimension: dimension)
        createdMs = Int64(littleEndian: b.loadUnaligned(fromByteOffset: 1, as: Int64.self))
        identity = String(decoding: UnsafeRawBufferPointer(rebasing: b[layout.identity]), as: UTF8.self)
        details =
            layout.details.isEmpty
            ? nil
            : try Keyspace.decodeJSON(FaceDetails.self, UnsafeRawBufferPointer(rebasing: b[layout.details]), what: "face details")
        vector = try Keyspace.decodeVector(UnsafeRawBufferPointer(rebasing: b[layout.vector]), dimension: dimension)
    }

    init(decoding bytes: [UInt8], dimension: Int) throws {
        self = try bytes.withUnsafeBytes { try FaceRecord(decoding: $0, dimension: dimension) }
    }
}

extension Date {
    /// The date `ms` milliseconds after 1970.
    init(milliseconds ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }
    /// Milliseconds since 1970.
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
