import FaceDB
import FaceDBCore

extension DatabaseStats {
    /// The name–value lines `facedb stats` and the shell's `stats` print. `detailed` adds the format
    /// version, the change and snapshot sequences and the durability (what `facedb stats` shows).
    func rows(detailed: Bool) -> [(String, String)] {
        var rows: [(String, String)] = [("database", path)]
        if detailed { rows.append(("format version", "\(formatVersion)")) }
        rows += [
            ("model", space.model),
            ("dimension", "\(space.dimension)"),
            ("metric", space.metric.rawValue + (space.normalize ? " (normalized)" : "")),
            ("identities", "\(identities)"),
            ("faces", "\(faces)"),
            ("index", index.description),
        ]
        if let efSearch { rows.append(("efSearch", efSearchText(efSearch))) }
        rows += [
            ("index state", indexState),
            ("indexed vectors", "\(indexedVectors)" + (indexTombstones > 0 ? " (+\(indexTombstones) deleted, not yet compacted)" : "")),
            ("index memory", formatBytes(indexMemory)),
        ]
        if detailed {
            rows += [("change sequence", "\(sequence)"), ("snapshot sequence", snapshotSequence.map { "\($0)" } ?? "none")]
        }
        rows.append(("size on disk", formatBytes(sizeOnDisk)))
        if detailed {
            rows.append(("durability", durability == .powerLoss ? "sync (survives power loss)" : "process (survives a killed process)"))
        }
        rows.append(("encryption", encrypted ? "AES-256-GCM (opened with its key)" : "none"))
        if audited { rows.append(("audit trail", "kept (facedb audit)")) }
        return rows
    }

    /// HNSW's efSearch and where it comes from, e.g. `64 (tuned: recall 0.988 ± 0.007 at 200000 faces)`.
    private func efSearchText(_ efSearch: Int) -> String {
        if let efSearchTuning { return efSearchTuning.summary }
        guard index.recallTarget != nil else { return "\(efSearch) (set explicitly)" }
        if indexedVectors < IndexConfiguration.minimumTuningCount {
            return "\(efSearch) (tuned automatically from \(IndexConfiguration.minimumTuningCount) faces on)"
        }
        return "\(efSearch) (tuning pending: it runs with the next snapshot)"
    }
}
