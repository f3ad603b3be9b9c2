import FaceDBCore

/// Reads a NumPy `.npy` matrix of embeddings row by row, with the identities from a labels file.
///
/// Accepts format versions 1.0, 2.0 and 3.0 holding a C-order `(n, d)` array of little-endian
/// float32, float64 or float16 (the last two converted to `Float`). Anything else is refused
/// when opening, with what was found and how to save the file instead. The file's size must be
/// exactly what the header's shape calls for.
public struct NpyReader: EmbeddingSource {
    /// The embedding dimension `d` from the header.
    public let dimension: Int?
    /// The number of rows `n` from the header.
    public let totalRows: Int?
    /// The element type from the header: `"float32"`, `"float64"` or `"float16"`.
    public let elementType: String
    /// How many bytes of the `.npy` file have been consumed.
    public var bytesRead: Int { file.position }
    /// The `.npy` file's size.
    public var totalBytes: Int? { file.size }
    /// The consumed prefix of the file and of the labels file.
    public var consumed: [FilePrefix] { [file.consumed, labels.consumed] }

    private let file: ChunkedFile
    private let header: NpyHeader
    private var labels: LabelsReader
    private var rowsRead = 0
    private var finished = false
    private var scratch: [UInt8]

    /// Opens `path` and checks its header and size.
    /// - Parameter labels: the identities, one label per row.
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for an unsupported array (dtype, order,
    ///   shape), ``FaceDBError/Code/corruption`` when the file is shorter or longer than the
    ///   header says, ``FaceDBError/Code/io`` when it cannot be read.
    public init(path: String, labels: LabelsReader) throws {
        file = try ChunkedFile(path: path)
        header = try NpyHeader.read(from: file)
        self.labels = labels
        dimension = header.dimension
        totalRows = header.rows
        elementType = header.elementType.rawValue
        scratch = header.elementType == .float32 ? [] : [UInt8](repeating: 0, count: header.rowBytes)

        let name = EmbeddingFiles.fileName(of: path)
        let (dataBytes, overflow) = header.rows.multipliedReportingOverflow(by: header.rowBytes)
        let available = file.size - header.dataOffset
        if overflow || dataBytes > available {
            throw FaceDBError(
                .corruption,
                "\(name) ends after row \(available / header.rowBytes) of \(header.rows): truncated (its header declares shape (\(header.rows), \(header.dimension)) of \(elementType)).",
                remedy: "Copy or save the file again; if it is complete, its header is wrong.", path: path)
        }
        if dataBytes < available {
            throw FaceDBError(
                .corruption,
                "\(name) has \(available - dataBytes) bytes after the \(header.rows) rows its header declares (shape (\(header.rows), \(header.dimension)) of \(elementType)).",
                remedy: "The header does not match the data; save the file again with np.save.", path: path)
        }
    }

    /// The file's name, for messages.
    private var sourceName: String { file.name }

    /// The next row, or a row rejected for a malformed label; nil after the last row.
    /// - Throws: ``FaceDBError/Code/corruption`` when the data ends early,
    ///   ``FaceDBError/Code/invalidArgument`` when the labels run out or are left over.
    public mutating func next() throws -> ImportItem? {
        guard !finished else { return nil }
        let rows = header.rows
        let source = sourceName
        guard rowsRead < rows else {
            finished = true
            try labels.finish(rows: rows, in: source)
            return nil
        }
        let embedding = try readRow()
        rowsRead += 1
        switch try labels.label(forRow: rowsRead, of: rows, in: source) {
        case .rejected(let reason):
            return .rejected(RejectedRow(row: rowsRead, reason: reason))
        case .label(let label):
            return .row(
                ImportRow(
                    row: rowsRead, identity: label.identity, faceID: label.faceID,
                    embedding: embedding, metadata: label.metadata))
        }
    }

    /// Reads the next `d` elements and converts them to `Float`.
    private mutating func readRow() throws -> [Float] {
        let d = header.dimension
        var embedding: [Float]?
        switch header.elementType {
        case .float32:
            embedding = try file.readFloat32(count: d)
        case .float64:
            if try scratch.withUnsafeMutableBytes({ try file.read(into: $0) }) == header.rowBytes {
                embedding = scratch.withUnsafeBytes { raw in
                    (0..<d).map { Float(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)))) }
                }
            }
        case .float16:
            if try scratch.withUnsafeMutableBytes({ try file.read(into: $0) }) == header.rowBytes {
                embedding = scratch.withUnsafeBytes { raw in
                    (0..<d).map { Self.float(fromHalf: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self))) }
                }
            }
        }
        guard let embedding else {
            throw FaceDBError(
                .corruption,
                "\(EmbeddingFiles.fileName(of: file.path)) ends after row \(rowsRead) of \(header.rows): truncated.",
                remedy: "The file shrank while it was read; copy or save it again.", path: file.path)
        }
        return embedding
    }

    /// The `Float` with the value of an IEEE 754 binary16 (exact: every half is a float).
    static func float(fromHalf bits: UInt16) -> Float {
        let sign: UInt32 = UInt32(bits & 0x8000) << 16
        let exponent = UInt32(bits >> 10) & 0x1F
        let mantissa = UInt32(bits & 0x3FF)
        switch exponent {
        case 0:  // zero or subnormal: mantissa × 2⁻²⁴
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        case 0x1F:  // infinity or NaN
            return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default:  // rebias the exponent from 15 to 127
            return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13)
        }
    }
}
