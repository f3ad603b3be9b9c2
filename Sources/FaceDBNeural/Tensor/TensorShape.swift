/// The shape of an NCHW tensor: samples, channels (dlib's `k`), rows (`nr`) and columns (`nc`).
package struct TensorShape: Hashable, Sendable, CustomStringConvertible {
    /// The number of samples (images) in the batch.
    package var samples: Int
    /// The number of channels per sample.
    package var channels: Int
    /// The number of rows per channel plane.
    package var rows: Int
    /// The number of columns per channel plane.
    package var columns: Int

    /// Makes a shape; every dimension must be zero or positive.
    package init(samples: Int, channels: Int, rows: Int, columns: Int) {
        precondition(samples >= 0 && channels >= 0 && rows >= 0 && columns >= 0, "negative tensor dimension")
        self.samples = samples
        self.channels = channels
        self.rows = rows
        self.columns = columns
    }

    /// Elements in one channel plane (rows × columns).
    package var planeCount: Int { rows * columns }
    /// Elements in one sample (channels × rows × columns).
    package var sampleCount: Int { channels * rows * columns }
    /// Elements in the whole tensor.
    package var count: Int { samples * channels * rows * columns }

    /// `samples×channels×rows×columns`.
    package var description: String { "\(samples)×\(channels)×\(rows)×\(columns)" }
}
