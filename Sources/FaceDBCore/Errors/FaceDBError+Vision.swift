extension FaceDBError.Code {
    /// A model file (e.g. `dlib_face_recognition_resnet_model_v1.dat`) is not in the models directory.
    public static let modelMissing = FaceDBError.Code("model-missing")
    /// A model file is present but truncated, altered or of another format than expected.
    public static let modelCorrupt = FaceDBError.Code("model-corrupt")
}
