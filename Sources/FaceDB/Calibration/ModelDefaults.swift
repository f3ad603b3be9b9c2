import FaceDBCore

/// Published default thresholds of known models, used until a database is calibrated.
public enum ModelDefaults {
    /// The default threshold for `space`, in its metric's natural unit, or nil if none is known.
    ///
    /// - dlib's `dlib_face_recognition_resnet_model_v1`: Euclidean distance 0.6 (dlib's and
    ///   face_recognition's tolerance; dlib reports 99.38% on LFW with it).
    public static func threshold(for space: EmbeddingSpace) -> Float? {
        if space.model == EmbeddingSpace.dlibResNet.model && space.metric == .l2 && !space.normalize { return 0.6 }
        return nil
    }
}
