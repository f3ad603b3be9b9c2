import FaceDBCore

/// Writes one NumPy `.npy` array (format 1.0, C order) row by row. The number of rows is not known
/// in advance, so the header is written with room to spare and its shape filled in by ``finish()``.
final class NpyArrayWriter {
    /// The file.
    let file: OutputFile
    /// How many rows have been written.
    private(set) var rows = 0
    private let descr: String
    private let rowShape: [Int]

    /// The header's fixed length (magic, version, length field and dict text), a multiple of 64.
    private static let headerLength = 128

    /// Creates `path` for rows of `descr` (a NumPy type string such as `<f4`, `<i8`, `<U12`), each of
    /// shape `rowShape` (empty for a 1-D array of scalars).
    init(path: String, descr: String, rowShape: [Int]) throws {
        file = try OutputFile(path: path)
        self.descr = descr
        self.rowShape = rowShape
        try file.write(header(rows: 0))
    }

    /// Records that one row's bytes were written with ``file``.
    func didWriteRow() { rows += 1 }

    /// Fills in the shape, flushes and closes.
    func finish() throws {
        try file.overwrite(header(rows: rows), at: 0)
        try file.commit()
    }

    /// The header for `rows` rows, padded with spaces to ``headerLength`` and ending in a newline.
    private func header(rows: Int) -> [UInt8] {
        let dims = [rows] + rowShape
        let shape = dims.count == 1 ? "(\(dims[0]),)" : "(" + dims.map(String.init).joined(separator: ", ") + ")"
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        let prefix = 10
        dict += [UInt8](repeating: 0x20, count: Self.headerLength - prefix - dict.count - 1)
        dict.append(0x0A)
        var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
        let length = UInt16(dict.count)
        bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
        return bytes + dict
    }
}
