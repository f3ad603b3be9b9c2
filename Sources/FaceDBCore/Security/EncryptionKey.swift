import Foundation

/// The key that encrypts a database at rest: 32 bytes (AES-256), kept in a key file of exactly
/// those bytes (`head -c 32 /dev/urandom > people.key`). Give it to ``DatabaseOptions`` when
/// creating a database to encrypt it, and on every later open.
///
/// It never encrypts data itself: it wraps the database's own random data key, so that changing it
/// (`facedb rekey`) is one atomic write. See `SECURITY.md`, "Encryption at rest".
public struct EncryptionKey: Sendable, Equatable {
    /// The key's bytes.
    package let bytes: [UInt8]

    /// The size of a key in bytes.
    public static let size = 32

    /// A key of these 32 bytes.
    /// - Throws: `.invalidArgument` for any other length.
    public init(bytes: [UInt8]) throws {
        guard bytes.count == Self.size else {
            throw FaceDBError(
                .invalidArgument, "An encryption key has \(Self.size) bytes; this one has \(bytes.count).",
                remedy: "Make a key file of 32 random bytes: head -c 32 /dev/urandom > KEY (keep it apart from the database).")
        }
        self.bytes = bytes
    }

    /// The key in the file at `path` (exactly 32 bytes, nothing else).
    /// - Throws: `.io` when the file cannot be read, `.invalidArgument` when it is not 32 bytes.
    public init(contentsOfFile path: String) throws {
        // At most one byte more than a key: a wrong path (a device, a huge file) is not read whole.
        guard let handle = FileHandle(forReadingAtPath: path), let read = try? handle.read(upToCount: Self.size + 1) else {
            throw FaceDBError(
                .io, "Cannot read the key file \(path).", remedy: "Check the path and the file's permissions.", path: path)
        }
        try? handle.close()
        let data = read
        do {
            try self.init(bytes: [UInt8](data))
        } catch var error as FaceDBError {
            error.message =
                "The key file \(path) holds \(data.count > Self.size ? "more than \(Self.size)" : "\(data.count)") bytes, not \(Self.size)."
            error.path = path
            throw error
        }
    }

    /// A new random key (from the system's random number generator).
    public static func random() -> EncryptionKey {
        var generator = SystemRandomNumberGenerator()
        // Force-try: exactly `size` bytes.
        return try! EncryptionKey(bytes: (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
