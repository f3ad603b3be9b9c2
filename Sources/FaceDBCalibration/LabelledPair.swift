/// One image of an LFW-style dataset: a person's name and the image's number.
public struct ImageRef: Codable, Sendable, Hashable {
    /// The person's folder name, e.g. `"Aaron_Peirsol"`.
    public var name: String
    /// The image's number within that folder, starting at 1 in LFW.
    public var number: Int

    /// Makes a reference.
    public init(name: String, number: Int) {
        self.name = name
        self.number = number
    }

    /// The image's file in the LFW layout: `directory/name/name_0001.jpg`.
    public func path(in directory: String) -> String {
        var base = directory
        while base.count > 1, base.hasSuffix("/") { base.removeLast() }
        let digits = String(number.magnitude)
        let padded = String(repeating: "0", count: max(0, 4 - digits.count)) + digits
        let file = "\(name)_\(number < 0 ? "-" : "")\(padded).jpg"
        if base.isEmpty { return "\(name)/\(file)" }
        return base == "/" ? "/\(name)/\(file)" : "\(base)/\(name)/\(file)"
    }
}

/// A pair of images from an LFW `pairs.txt`, labelled same or different person, with its fold.
public struct LabelledImagePair: Codable, Sendable, Hashable {
    /// The first image.
    public var a: ImageRef
    /// The second image.
    public var b: ImageRef
    /// Whether both images show the same person.
    public var same: Bool
    /// The fold the pair belongs to, from 0.
    public var fold: Int

    /// Makes a pair.
    public init(a: ImageRef, b: ImageRef, same: Bool, fold: Int) {
        self.a = a
        self.b = b
        self.same = same
        self.fold = fold
    }
}

/// One side of a pair from a CSV pairs file: an embedding given inline, or an image to embed.
public enum PairSide: Codable, Sendable, Hashable {
    /// An embedding written in the file.
    case embedding([Float])
    /// Anything else: the path of an image.
    case path(String)
}

/// A labelled pair from a CSV pairs file.
public struct LabelledPair: Codable, Sendable, Hashable {
    /// The first side.
    public var a: PairSide
    /// The second side.
    public var b: PairSide
    /// Whether both sides show the same person.
    public var same: Bool

    /// Makes a pair.
    public init(a: PairSide, b: PairSide, same: Bool) {
        self.a = a
        self.b = b
        self.same = same
    }
}
