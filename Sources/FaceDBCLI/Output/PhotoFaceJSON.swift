import FaceDB
import FaceDBPhotos

/// One face of a photo as printed by `--json` (`facedb embed`, `identify` and `verify` on photos).
struct PhotoFaceJSON: Encodable {
    var box: [Int]
    var confidence: Double
    var landmarks: [[Int]]
    var quality: FaceQuality?
    var embedding: [Float]?
    var identification: Identification?

    init(_ face: AnalyzedFace, embedding: Bool = false, identification: Identification? = nil) {
        let r = face.detection.rectangle
        box = [r.left, r.top, r.right, r.bottom]
        confidence = face.detection.confidence
        landmarks = face.landmarks.points.map { [$0.x, $0.y] }
        quality = embedding ? nil : face.quality
        self.embedding = embedding ? face.embedding : nil
        self.identification = identification
    }
}

/// A photo's result as printed by `--json`: its faces, or the error that stopped it.
struct PhotoJSON: Encodable {
    var path: String
    var faces: [PhotoFaceJSON]?
    var error: String?
}
