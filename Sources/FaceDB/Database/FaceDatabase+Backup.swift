import FaceDBCore
import FaceDBIndex
import FaceDBStorage
import Foundation
import SystemPackage

/// Backups and restores (`README.md`, "Operations").
extension FaceDatabase {
    /// Writes a consistent copy of the database to `destination`, a new directory, while the
    /// database stays in use; the copy is itself a database that opens and passes `check`, with an
    /// index snapshot of the same state, so it opens without rebuilding its index.
    ///
    /// - A handle open for writing holds its writes for the duration (a RocksDB checkpoint: table
    ///   files hard-linked where the file system allows, then the index snapshot written).
    /// - A read-only handle, including one reading beside a writer in another process
    ///   (``isBesideWriter``), copies the state it sees, which no write changes while it is open;
    ///   the writer goes on meanwhile.
    ///
    /// The copy is written to a temporary sibling of `destination` and renamed into place at the
    /// end: an interrupted backup leaves nothing at `destination`. An encrypted database's backup
    /// is encrypted with the same key. The audit trail (`audit.log`) is copied as it is at the time.
    ///
    /// - Throws: `.refusedOutput` when `destination` exists (nothing there is touched), is inside
    ///   the database, or its parent directory does not exist; `.io` and `.diskFull` from writing.
    @discardableResult
    public func backup(to destination: String) throws -> BackupReport {
        try checkOpen()
        let started = Date()
        try Self.checkNewDatabaseDirectory(destination, source: path, what: "backup")
        let partial =
            (destination as NSString).deletingLastPathComponent + "/." + (destination as NSString).lastPathComponent
            + ".partial-\(UUID().uuidString.prefix(8))"
        try PrivateFiles.makeDirectory(partial)
        do {
            let sequence: UInt64
            if isReadOnly {
                sequence = try copyWhole(into: partial)
            } else {
                sequence = try writeLock.withLock { _ in try copyWhole(into: partial) }
            }
            PrivateFiles.tighten(under: partial)
            try Self.renameIntoPlace(partial, destination)
            logger.info("wrote a backup", metadata: ["destination": "\(destination)", "sequence": "\(sequence)"])
            return BackupReport(
                destination: destination, sequence: sequence, faces: faceCount, identities: identityCount,
                bytes: Self.bytes(under: destination), seconds: Date().timeIntervalSince(started),
                method: isReadOnly ? .copy : .checkpoint)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// Restores a backup (or any database directory) to `destination`, a new directory: copied to a
    /// temporary sibling, opened there to check that it is whole (with `options`' key for an
    /// encrypted one), and renamed into place. The backup itself is not changed.
    ///
    /// - Throws: `.notADatabase` for a `backup` that is not a database; `.refusedOutput` when
    ///   `destination` exists (nothing there is touched) or is inside the backup; what opening the
    ///   copy throws (`.corruption`, `.keyRequired`, …), in which case nothing is left at `destination`.
    public static func restore(backup: String, to destination: String, options: DatabaseOptions = DatabaseOptions()) throws {
        guard FileManager.default.fileExists(atPath: storePath(backup) + "/CURRENT") else {
            throw FaceDBError(
                .notADatabase, "\(backup) is not a FaceDB database or backup.",
                remedy: "Give the directory `facedb backup` wrote.", path: backup)
        }
        try checkNewDatabaseDirectory(destination, source: backup, what: "restored database")
        let partial =
            (destination as NSString).deletingLastPathComponent + "/." + (destination as NSString).lastPathComponent
            + ".partial-\(UUID().uuidString.prefix(8))"
        do {
            try FileManager.default.copyItem(atPath: backup, toPath: partial)
            try? FileManager.default.removeItem(atPath: partial + "/LOCK")
            var checking = options
            checking.readOnly = false
            let copy = try FaceDatabase.open(at: partial, options: checking)
            try copy.close()
            try renameIntoPlace(partial, destination)
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        }
    }

    /// The store, the index snapshot of the same state and the audit trail, into `directory`;
    /// called with the writes held (or on a read-only handle, whose state does not move).
    private func copyWhole(into directory: String) throws -> UInt64 {
        let sequence = try store.copy(to: Self.storePath(directory))
        try IndexSnapshot.write(to: directory + "/index.snapshot", cipher: store.dataCipher) { emit in
            try indexLock.withReadLock {
                try emit(index, IndexSnapshot.Stamp(sequence: indexSequence, storeID: store.storeID, digest: indexDigest))
            }
        }
        let audit = path + "/" + AuditTrail.fileName
        if FileManager.default.fileExists(atPath: audit) {
            try FileManager.default.copyItem(atPath: audit, toPath: directory + "/" + AuditTrail.fileName)
        }
        return sequence
    }

    /// Refuses a `destination` that exists (even as a dangling symbolic link), is `source` or inside
    /// it, or whose parent directory does not exist.
    static func checkNewDatabaseDirectory(_ destination: String, source: String, what: String) throws {
        let remedy = "Give a path that does not exist yet, outside \(source)."
        var info = stat()
        if lstat(destination, &info) == 0 {
            throw FaceDBError(
                .refusedOutput, "\(destination) already exists; a \(what) is only written to a new directory, and nothing there was touched.",
                remedy: remedy, path: destination)
        }
        let target = canonicalPath(destination)
        let root = canonicalPath(source)
        if target == root || target.hasPrefix(root == "/" ? "/" : root + "/") {
            throw FaceDBError(.refusedOutput, "\(destination) is inside \(source).", remedy: remedy, path: destination)
        }
        var isDirectory: ObjCBool = false
        let parent = (target as NSString).deletingLastPathComponent
        guard FileManager.default.fileExists(atPath: parent, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw FaceDBError(
                .refusedOutput, "The directory \(parent) that would hold the \(what) does not exist.",
                remedy: "Create it first, or give another path.", path: destination)
        }
    }

    /// Renames a finished directory to its final name (refusing to replace anything that appeared
    /// there meanwhile) and syncs the parent directory, so that the rename survives a power loss.
    private static func renameIntoPlace(_ partial: String, _ destination: String) throws {
        var info = stat()
        if lstat(destination, &info) == 0 {
            throw FaceDBError(
                .refusedOutput, "\(destination) appeared while the copy was written; it was left as it is.",
                remedy: "Give another path.", path: destination)
        }
        guard rename(partial, destination) == 0 else {
            throw FaceDBError(.io, "Cannot rename \(partial) to \(destination): \(Errno(rawValue: errno)).", path: destination)
        }
        let parent = (canonicalPath(destination) as NSString).deletingLastPathComponent
        let fd = Glibc.open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd >= 0 {
            _ = fsync(fd)
            Glibc.close(fd)
        }
    }

    /// The bytes of the regular files under `directory`.
    private static func bytes(under directory: String) -> Int {
        var total = 0
        let walker = FileManager.default.enumerator(atPath: directory)
        while let relative = walker?.nextObject() as? String {
            let attributes = try? FileManager.default.attributesOfItem(atPath: directory + "/" + relative)
            if attributes?[.type] as? FileAttributeType == .typeRegular { total += (attributes?[.size] as? Int) ?? 0 }
        }
        return total
    }
}
