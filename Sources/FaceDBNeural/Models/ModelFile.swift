/// One of the three dlib model files of FaceDB's face pipeline, as shipped in PyPI's
/// `face_recognition_models==0.3.0` and fetched by `Tools/fetch-models`.
public enum ModelFile: String, CaseIterable, Sendable {
    /// The CNN face detector (MMOD).
    case faceDetector = "mmod_human_face_detector.dat"
    /// The 5-point landmark model (ensemble of regression trees).
    case landmarks5 = "shape_predictor_5_face_landmarks.dat"
    /// The 128-D ResNet face embedding network.
    case faceEmbedder = "dlib_face_recognition_resnet_model_v1.dat"

    /// The file name inside the models directory.
    public var fileName: String { rawValue }

    /// The file's size in bytes.
    public var byteCount: Int {
        switch self {
        case .faceDetector: 729_940
        case .landmarks5: 9_150_489
        case .faceEmbedder: 22_466_066
        }
    }

    /// The file's SHA-256, lowercase hex (the same table as `Tools/fetch-models`).
    public var sha256: String {
        switch self {
        case .faceDetector: "4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6"
        case .landmarks5: "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
        case .faceEmbedder: "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
        }
    }
}
