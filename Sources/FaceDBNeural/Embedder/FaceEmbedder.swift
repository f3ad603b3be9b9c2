import FaceDBCore
import Synchronization

/// dlib's 128-D face descriptor network (`dlib_face_recognition_resnet_model_v1.dat`) on FaceDB's own
/// CNN engine: input a 150×150 RGB aligned face chip, output the 128 floats exactly as dlib computes
/// them (unnormalized; compare with Euclidean distance, 0.6 = same person).
///
/// ```swift
/// let embedder = try FaceEmbedder()                     // finds the model via ModelDirectory()
/// let chip = try RGBImage(width: 150, height: 150, pixels: bytes)
/// let descriptor = try embedder.descriptor(for: chip)   // [Float], 128 values
/// let many = try embedder.descriptors(for: chips)       // batched forward passes
/// ```
///
/// Thread safety: one embedder may be used from several threads at once; each call takes its own
/// workspace from a pool. Threads: see ``ComputeBudget``.
public final class FaceEmbedder: Sendable {
    /// Rows and columns of the chips the network takes.
    public static let chipSize = 150

    /// The network's parameters.
    public let model: ResNetModel
    /// The most chips in one forward pass; larger requests are split (bounds memory: about 1.3 MB per chip).
    public let maximumBatch: Int
    /// The most threads one forward pass uses (it may get fewer, see ``ComputeBudget``).
    public let maximumWorkers: Int
    private let budget: ComputeBudget
    private let workspaces = Mutex<[Workspace]>([])

    /// Loads the model from the models directory (``ModelDirectory``), by default checking its SHA-256.
    ///
    /// - Throws: ``FaceDBError/Code/modelMissing`` or ``FaceDBError/Code/modelCorrupt``, naming the
    ///   file, where it was looked for and `Tools/fetch-models`.
    public convenience init(
        modelDirectory: ModelDirectory = ModelDirectory(), verifyChecksum: Bool = true,
        maximumBatch: Int = 32, maximumWorkers: Int? = nil
    ) throws {
        let path = try modelDirectory.path(of: .faceEmbedder, verifyChecksum: verifyChecksum)
        self.init(model: try DlibResNetReader.read(contentsOf: path), maximumBatch: maximumBatch, maximumWorkers: maximumWorkers)
    }

    /// Wraps a model that was read already.
    public init(model: ResNetModel, maximumBatch: Int = 32, maximumWorkers: Int? = nil, budget: ComputeBudget = .shared) {
        precondition(maximumBatch > 0, "maximumBatch must be positive")
        self.model = model
        self.maximumBatch = maximumBatch
        self.budget = budget
        self.maximumWorkers = max(1, maximumWorkers ?? budget.cores)
    }

    /// The descriptor of one 150×150 chip.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` if the image is not 150×150.
    public func descriptor(for chip: RGBImage) throws -> [Float] {
        try descriptors(for: [chip])[0]
    }

    /// The descriptors of many chips, in order, computed in batches of up to ``maximumBatch``.
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` naming the first chip that is not 150×150.
    public func descriptors(for chips: [RGBImage]) throws -> [[Float]] {
        for (i, chip) in chips.enumerated() where chip.width != model.inputColumns || chip.height != model.inputRows {
            throw FaceDBError(
                .invalidArgument,
                "Chip \(i) is \(chip.width)×\(chip.height) pixels; the face embedder takes \(model.inputColumns)×\(model.inputRows).",
                remedy: "Pass aligned face chips of 150×150 pixels (dlib's get_face_chip with size 150, padding 0.25).")
        }
        let workspace = workspaces.withLock { $0.popLast() } ?? Workspace()
        defer { workspaces.withLock { $0.append(workspace) } }
        var result: [[Float]] = []
        result.reserveCapacity(chips.count)
        var start = 0
        while start < chips.count {
            let end = min(chips.count, start + maximumBatch)
            result += forward(chips[start..<end], workspace: workspace)
            start = end
        }
        return result
    }

    /// Releases the memory kept for reuse between calls (it is allocated again on the next call).
    public func releaseWorkspaces() {
        workspaces.withLock { $0.removeAll() }
    }

    /// The number of workers for the next layer, from the shared budget.
    func withWorkers<T>(_ body: (Int) -> T) -> T {
        budget.withWorkers(upTo: maximumWorkers, body)
    }
}
