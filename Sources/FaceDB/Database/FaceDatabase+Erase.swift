import FaceDBCore
import FaceDBStorage
import Foundation
import SystemPackage

/// Erasure: removal that leaves nothing behind in the database's files.
///
/// ``removeIdentity(_:)`` and ``removeFaces(_:)`` are logical deletes: fast, one write each, but the
/// removed embeddings stay in RocksDB's table files and write-ahead log and in the index snapshot
/// until compaction happens to rewrite them. The calls here remove, then purge: the memtables are
/// flushed (the logs that held the rows are deleted), the rows' key ranges are compacted with
/// RocksDB's last level rewritten (no old value or tombstone stays in a table file), the index
/// drops what it kept of them (HNSW rebuilds its graph without their nodes, IVF-PQ drops their
/// codes and exact copies) and the index snapshot is rewritten. Use them when data must be gone
/// (a person's right to erasure); use `remove…` for everyday changes, and ``purgeRemoved()`` to
/// purge many removals at once.
extension FaceDatabase {
    /// Removes an identity with all its faces and purges them from every file of the database.
    /// An identity that is not stored (removed earlier) is purged too: its face ids are no longer
    /// known, so the whole store is rewritten (``ErasureReport/purgedWholeStore``).
    @discardableResult
    public func erase(identity id: String) throws -> ErasureReport {
        try checkOpen()
        try checkWritable()
        let started = DispatchTime.now()
        var faces: [FaceID] = []
        var stored = try store.identity(id) != nil
        if stored {
            do {
                faces = try removeIdentity(id)
            } catch let error as FaceDBError where error.code == .unknownIdentity {
                stored = false  // removed meanwhile by another caller
            }
        }
        try purge(faces: faces, identities: [id], wholeStore: !stored)
        logger.info("erased an identity", metadata: ["faces": "\(faces.count)", "already_removed": "\(!stored)"])
        try audit("erase", identities: [id], faces: faces.map(\.rawValue), details: ["purged": !stored ? "whole store" : "key ranges"])
        return ErasureReport(
            identities: stored ? [id] : [], faces: faces.sorted(), alreadyRemoved: stored ? [] : [id],
            purgedWholeStore: !stored, seconds: Self.seconds(since: started))
    }

    /// Removes faces and purges them from every file of the database. Ids that are not stored
    /// (removed earlier) are purged too (their key ranges are known).
    @discardableResult
    public func erase(faces ids: [FaceID]) throws -> ErasureReport {
        try checkOpen()
        try checkWritable()
        let started = DispatchTime.now()
        let unique = Array(Set(ids)).sorted()
        let vectors = try store.vectors(unique.map(\.rawValue))
        let stored = zip(unique, vectors).compactMap { id, vector in vector == nil ? nil : id }
        if !stored.isEmpty { try removeFaces(stored) }
        if !unique.isEmpty { try purge(faces: unique, identities: [], wholeStore: false) }
        let storedSet = Set(stored)
        logger.info("erased faces", metadata: ["faces": "\(stored.count)", "already_removed": "\(unique.count - stored.count)"])
        try audit("erase", faces: unique.map(\.rawValue), counts: ["faces_removed": stored.count], details: ["purged": "key ranges"])
        return ErasureReport(
            identities: [], faces: stored, alreadyRemoved: unique.filter { !storedSet.contains($0) }.map { String($0.rawValue) },
            purgedWholeStore: false, seconds: Self.seconds(since: started))
    }

    /// Purges everything removed so far (by `removeIdentity`, `removeFaces`, replaced faces) from
    /// every file of the database: the whole store is rewritten, with the index snapshot.
    @discardableResult
    public func purgeRemoved() throws -> ErasureReport {
        try checkOpen()
        try checkWritable()
        let started = DispatchTime.now()
        try purge(faces: [], identities: [], wholeStore: true)
        try audit("purge_removed", details: ["purged": "whole store"])
        return ErasureReport(identities: [], faces: [], alreadyRemoved: [], purgedWholeStore: true, seconds: Self.seconds(since: started))
    }

    /// Purges the removed rows of `faces` and `identities` (or every removed row) from the store's
    /// files, drops the index's tombstones and rewrites the index snapshot. Holds the write lock, so
    /// no write lands in between; background snapshots are held back and a running one is waited
    /// for, so that no snapshot of the index as it was before its compaction replaces this one.
    private func purge(faces: [FaceID], identities: [String], wholeStore: Bool) throws {
        try writeLock.withLock { _ in
            snapshotState.pause()
            defer { snapshotState.resume() }
            snapshotState.waitForBackgroundSnapshot()
            try indexLock.withReadLock { try index.compact() }
            if wholeStore {
                try store.purgeEverything()
            } else {
                try store.purge(faces: faces, identities: identities)
            }
            try writeSnapshot(force: true)
        }
    }

    /// Erases a whole database: every file under `path` is overwritten with zeros, synced and
    /// deleted, then every directory, `path` included. Symbolic links are deleted, never followed.
    ///
    /// - Throws: `.notADatabase` (nothing is touched) unless `path` holds a FaceDB store;
    ///   `.databaseLocked` while any process or handle has it open; `.io` naming the file that could
    ///   not be overwritten or deleted (what was erased before it stays erased; run it again).
    public static func eraseDatabase(at path: String) throws {
        let fm = FileManager.default
        guard fm.fileExists(atPath: storePath(path) + "/CURRENT") else {
            throw FaceDBError(
                .notADatabase, "\(path) is not a FaceDB database; nothing was erased.",
                remedy: "Check the path: only a directory made by `facedb create` is erased.", path: path)
        }
        let lock = try DirectoryLock(directory: path)
        defer { lock.unlock() }
        var files: [String] = []
        var directories: [String] = [path]
        var next = 0
        while next < directories.count {
            let directory = directories[next]
            next += 1
            for name in try fm.contentsOfDirectory(atPath: directory).sorted() {
                let entry = directory + "/" + name
                // attributesOfItem does not follow a symbolic link: a link is deleted, not what it names.
                if try fm.attributesOfItem(atPath: entry)[.type] as? FileAttributeType == .typeDirectory {
                    directories.append(entry)
                } else {
                    files.append(entry)
                }
            }
        }
        for file in files { try overwriteAndDelete(file) }
        for directory in directories.reversed() {
            do {
                try fm.removeItem(atPath: directory)
            } catch {
                throw FaceDBError(
                    .io, "Cannot delete the directory \(directory) after erasing its files.",
                    remedy: "Check its permissions, then run the erasure again.", path: directory, cause: "\(error)")
            }
        }
    }

    /// Overwrites a regular file with zeros, syncs and deletes it; anything else is only deleted.
    private static func overwriteAndDelete(_ file: String) throws {
        func failure(_ what: String, _ error: any Error) -> FaceDBError {
            FaceDBError(
                .io, "Cannot \(what) \(file) while erasing the database.", remedy: "Check its permissions, then run the erasure again.", path: file,
                cause: "\(error)")
        }
        let isRegular = (try? FileManager.default.attributesOfItem(atPath: file)[.type] as? FileAttributeType) == .typeRegular
        if isRegular {
            do {
                let fd = try FileDescriptor.open(path: file, .writeOnly, options: [.noFollow, .closeOnExec])
                try fd.closeAfter {
                    let size = Int(try fd.seek(offset: 0, from: .end))
                    let zeros = [UInt8](repeating: 0, count: 1 << 20)
                    var written = 0
                    while written < size {
                        let count = min(zeros.count, size - written)
                        written += try zeros.withUnsafeBytes {
                            try fd.writeAll(toAbsoluteOffset: Int64(written), UnsafeRawBufferPointer(rebasing: $0[..<count]))
                        }
                    }
                    try fd.sync()
                }
            } catch {
                throw failure("overwrite", error)
            }
        }
        if unlink(file) != 0 { throw failure("delete", Errno(rawValue: errno)) }  // swift-system has no unlink
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}
