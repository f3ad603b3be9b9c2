// The child process of the crash-safety test (FaceDBTests/CrashSafetyTests.swift).
//
//   facedb-crash-writer DB INDEX-KIND FIRST-BATCH
//
// Opens (or creates) DB and writes batches forever: batch n adds identity "b<n>" with 1 + n % 5
// faces whose vectors are a pure function of (n, face number); every third batch also removes
// identity "b<n-2>". After each write returns it prints "ADD n" or "DEL n" and flushes, so the
// parent knows exactly which writes were acknowledged when it kills this process with SIGKILL.
import FaceDB
import FaceDBCore
import FaceDBTestSupport
import Foundation

/// Writes one line to standard output, unbuffered, so the parent sees it before the next write starts.
func acknowledge(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

let arguments = CommandLine.arguments
guard arguments.count == 4, let kind = IndexConfiguration.Kind(rawValue: arguments[2]), let first = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: facedb-crash-writer DB flat|hnsw|ivf|ivfpq FIRST-BATCH\n".utf8))
    exit(2)
}
let path = arguments[1]
let dimension = 16
let options = DatabaseOptions(snapshotAfterChanges: 40, logger: DatabaseOptions.silentLogger)
let db: FaceDatabase
do {
    if FileManager.default.fileExists(atPath: path) {
        db = try FaceDatabase.open(at: path, options: options)
    } else {
        let index = IndexConfiguration(kind: kind, nlist: 4, pqM: 4)
        db = try FaceDatabase.create(
            at: path, space: EmbeddingSpace(model: "crash-test", dimension: dimension, metric: .l2),
            index: index, options: options)
    }
} catch {
    FileHandle.standardError.write(Data("open failed: \(error)\n".utf8))
    exit(1)
}
acknowledge("READY")
var n = first
while true {
    do {
        let faces = (0..<CrashTestData.faceCount(batch: n)).map { j in
            NewFace(identity: "b\(n)", embedding: CrashTestData.vector(batch: n, face: j, dimension: dimension))
        }
        try db.addFaces(faces, createMissingIdentities: true)
        acknowledge("ADD \(n)")
        if n % 3 == 0 && n - 2 >= first {
            try db.removeIdentity("b\(n - 2)")
            acknowledge("DEL \(n - 2)")
        }
    } catch {
        FileHandle.standardError.write(Data("write failed: \(error)\n".utf8))
        exit(1)
    }
    n += 1
}
