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
        Identity(id: id, displayName: displayName, metadata: metadata, galleries: galleries,
                 created: Date(milliseconds: createdMs), updated: Date(milliseconds: updatedMs), faceCount: faceCount)
    }
}

/// The optional JSON part of a `faces` row (`Schemas/face-details.schema.json`).
struct FaceDetails: Codable, Equatable {
    var source: FaceSource?
    var metadata: JSONValue?
}

/// The value of a `faces` row: `version (1) ‖ created ms (Int64 LE) ‖ identity length (UInt16 LE) ‖
/// identity ‖ details JSON (the rest; empty when there are none)`.
struct FaceRecord: Equatable {
    var identity: String
    var createdMs: Int64
    var details: FaceDetails?

    func encoded() throws -> [UInt8] {
        let id = Array(identity.utf8)
        var out: [UInt8] = [1]
        out.reserveCapacity(11 + id.count)
        withUnsafeBytes(of: createdMs.littleEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: UInt16(id.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: id)
        if let details, details.source != nil || details.metadata != nil {
            out.append(contentsOf: try Keyspace.json(details))
        }
        return out
    }

    init(identity: String, createdMs: Int64, details: FaceDetails?) {
        self.identity = identity
        self.createdMs = createdMs
        self.details = details
    }

    init(decoding bytes: some Collection<UInt8>) throws {
        let b = Array(bytes)
        guard b.count >= 11, b[0] == 1 else { throw Keyspace.corrupt("a face record has a bad header") }
        createdMs = b.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(fromByteOffset: 1, as: Int64.self)) }
        let n = Int(b.withUnsafeBytes { UInt16(littleEndian: $0.loadUnaligned(fromByteOffset: 9, as: UInt16.self)) })
        guard b.count >= 11 + n else { throw Keyspace.corrupt("a face record is truncated") }
        identity = String(decoding: b[11..<(11 + n)], as: UTF8.self)
        details = b.count > 11 + n ? try Keyspace.decodeJSON(FaceDetails.self, b[(11 + n)...], what: "face details") : nil
    }
}

extension Date {
    /// The date `ms` milliseconds after 1970.
    init(milliseconds ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }
    /// Milliseconds since 1970.
    var milliseconds: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}
