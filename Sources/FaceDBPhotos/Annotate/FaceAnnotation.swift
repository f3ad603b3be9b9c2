/// What ``Annotator`` draws for one face.
public struct FaceAnnotation: Sendable {
    /// The face box.
    public var rectangle: DlibRectangle
    /// Landmarks to mark with dots, if any.
    public var landmarks: FaceLandmarks?
    /// Text shown above the box (e.g. a name and a distance), if any.
    public var label: String?
    /// The box and label-strip colour; green by default.
    public var color: RGBColor
    /// The landmark dot colour; red by default.
    public var landmarkColor: RGBColor

    /// Makes an annotation.
    public init(
        rectangle: DlibRectangle, landmarks: FaceLandmarks? = nil, label: String? = nil,
        color: RGBColor = .boxGreen, landmarkColor: RGBColor = .landmarkRed
    ) {
        self.rectangle = rectangle
        self.landmarks = landmarks
        self.label = label
        self.color = color
        self.landmarkColor = landmarkColor
    }
}
