import FaceDB

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
        return rows
    }
}
