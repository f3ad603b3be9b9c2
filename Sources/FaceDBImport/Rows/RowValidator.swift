import FaceDBCore

/// Checks rows against the database's embedding space before they are stored, so that every bad
/// row is rejected with a reason instead of failing a batch.
///
/// Checks, in order: the identity (non-empty, at most ``Identity/maximumIDLength`` bytes, no NUL),
/// the face id (in ``FaceID/chosenRange``), the metadata (a JSON object), the embedding's length, its values
/// (no NaN or infinity) and, when the space normalizes, that it is not all zeros. A valid row is
/// returned unchanged: normalizing it is the database's job.
public struct RowValidator: Sendable {
    /// The space rows are checked against.
    public let space: EmbeddingSpace

    /// Makes a validator for `space`.
    public init(space: EmbeddingSpace) {
        self.space = space
    }

    /// `.row(row)` unchanged when it can be stored, else `.rejected` with what is wrong.
    public func validate(_ row: ImportRow) -> ImportItem {
        if let reason = problem(with: row) {
            return .rejected(RejectedRow(row: row.row, reason: reason))
        }
        return .row(row)
    }

    /// What is wrong with `row`, or nil when nothing is.
    private func problem(with row: ImportRow) -> String? {
        do {
            try Identity.validate(id: row.identity)
        } catch let error as FaceDBError {
            return error.message
        } catch {
            return "\(error)"
        }
        if let faceID = row.faceID, faceID < 0 {
            return "face_id \(faceID) is negative; face ids must be 0 or greater"
        }
        if let faceID = row.faceID, faceID > FaceID.maximumChosen {
            return "face_id \(faceID) is above the largest id a row may carry (\(FaceID.maximumChosen), 2^62 − 1)"
        }
        if let metadata = row.metadata, metadata.objectValue == nil {
            return "metadata must be a JSON object, not \(RowFields.clip(metadata.description))"
        }
        let embedding = row.embedding
        guard embedding.count == space.dimension else {
            return "embedding has \(embedding.count) values, the database stores \(space.dimension)"
        }
        var allZero = true
        for (i, x) in embedding.enumerated() {
            guard x.isFinite else {
                return "embedding value \(i) is \(x.isNaN ? "NaN" : x < 0 ? "-infinity" : "infinity"); every value must be a finite number"
            }
            if x != 0 { allZero = false }
        }
        if allZero && space.normalize {
            return "embedding is all zeros, which has no direction to normalize for \(space.metric.rawValue) comparison"
        }
        return nil
    }
}
