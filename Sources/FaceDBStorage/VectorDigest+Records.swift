import FaceDBCore

extension VectorDigest {
    /// Removes the face whose `faces` row value is `record` (its vector's bytes are hashed in place).
    mutating func remove(id: Int64, record: UnsafeRawBufferPointer, dimension: Int) throws {
        let range = try FaceRecord.layout(record, dimension: dimension).vector
        self = VectorDigest(value: value &- Self.term(id: id, bytes: UnsafeRawBufferPointer(rebasing: record[range])))
    }
}
