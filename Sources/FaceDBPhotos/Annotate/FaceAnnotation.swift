/// What ``Annotator`` draws for one face.
public struct FaceAnnotation: Sendable {
    /// The face box.
    public var rectangle: DlibRectangle
    /// Landmarks to mark with dots, if any.
    public var landmarks: FaceLandmarks?
    /// Text shown above the box (e.g. a name and a distance), if any.
    public var label: String?
    /// The box and label-strip colour (R, G, B); green by default.
    public var color: (UInt8, UInt8, UInt8)
    /// The landmark dot colour; red by default.
    public var landmarkColor: (UInt8, UInt8, UInt8)

    /// Makes an annotation.
    public init(
        rectangle: DlibRectangle, landmarks: FaceLandmarks? = nil, label: String? = nil,
        color: (UInt8, UInt8, UInt8) = (0, 200, 0), landmarkColor: (UInt8, UInt8, UInt8) = (255, 0, 0)
    ) {
        self.rectangle = rectangle
        self.landmarks = landmarks
        self.label = label
        self.color = color
        self.landmarkColor = landmarkColor
    }
}
