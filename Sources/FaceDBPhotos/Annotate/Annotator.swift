import FaceDBCore
import FaceDBNeural

/// Draws face boxes, landmarks and labels on a copy of a photo, for people to check results
/// (`facedb detect --annotate` will wrap it).
///
/// ```swift
/// let faces = try detector.detect(in: photo)
/// try Annotator.write(photo, faces: faces.map { FaceAnnotation(rectangle: $0.rectangle, label: "0.98") }, to: "out.png")
/// ```
public enum Annotator {
    /// Returns `image` with every annotation drawn: the box (lines scale with the photo's size),
    /// a dot per landmark and the label in a filled strip above the box (below it when the box
    /// touches the top edge). Drawing is clipped to the image.
    public static func annotate(_ image: RGBImage, faces: [FaceAnnotation]) -> RGBImage {
        var canvas = Canvas(image)
        let thickness = max(1, min(image.width, image.height) / 300)
        for face in faces {
            canvas.rectangle(face.rectangle, thickness: thickness, color: face.color)
            for point in face.landmarks?.points ?? [] {
                let r = thickness + 1
                canvas.fill(DlibRectangle(left: point.x - r, top: point.y - r, right: point.x + r, bottom: point.y + r), color: face.landmarkColor)
            }
            if let label = face.label, !label.isEmpty {
                let scale = max(1, min(image.width, image.height) / 250)
                let textWidth = label.count * (BitmapFont.width + 1) * scale + scale
                let textHeight = (BitmapFont.height + 2) * scale
                var top = face.rectangle.top - thickness - textHeight
                if top < 0 { top = face.rectangle.bottom + thickness + 1 }
                let strip = DlibRectangle(
                    left: face.rectangle.left, top: top, right: face.rectangle.left + textWidth - 1, bottom: top + textHeight - 1)
                canvas.fill(strip, color: face.color)
                canvas.text(label, x: strip.left + scale, y: strip.top + scale, scale: scale, color: .white)
            }
        }
        return canvas.image
    }

    /// Annotates `image` and writes it at `path` in the format its extension names: PNG (`.png`) or
    /// JPEG (`.jpg`, `.jpeg`), atomically (see ``ImageFileFormat/write(_:to:)``).
    ///
    /// - Throws: ``FaceDBError/Code/invalidArgument`` for another extension;
    ///   ``FaceDBError/Code/io`` when the file cannot be written.
    public static func write(_ image: RGBImage, faces: [FaceAnnotation], to path: String) throws {
        try ImageFileFormat.write(annotate(image, faces: faces), to: path)
    }

    /// A mutable pixel buffer with clipped drawing.
    private struct Canvas {
        let width: Int
        let height: Int
        var pixels: [UInt8]

        init(_ image: RGBImage) {
            width = image.width
            height = image.height
            pixels = image.pixels
        }

        var image: RGBImage { try! RGBImage(width: width, height: height, pixels: pixels) }

        mutating func fill(_ rect: DlibRectangle, color: RGBColor) {
            let r = rect.intersection(DlibRectangle(left: 0, top: 0, right: width - 1, bottom: height - 1))
            guard !r.isEmpty else { return }
            for y in r.top...r.bottom {
                for x in r.left...r.right {
                    let i = (y * width + x) * 3
                    pixels[i] = color.red; pixels[i + 1] = color.green; pixels[i + 2] = color.blue
                }
            }
        }

        mutating func rectangle(_ r: DlibRectangle, thickness t: Int, color: RGBColor) {
            fill(DlibRectangle(left: r.left - t, top: r.top - t, right: r.right + t, bottom: r.top - 1), color: color)
            fill(DlibRectangle(left: r.left - t, top: r.bottom + 1, right: r.right + t, bottom: r.bottom + t), color: color)
            fill(DlibRectangle(left: r.left - t, top: r.top, right: r.left - 1, bottom: r.bottom), color: color)
            fill(DlibRectangle(left: r.right + 1, top: r.top, right: r.right + t, bottom: r.bottom), color: color)
        }

        mutating func text(_ text: String, x: Int, y: Int, scale: Int, color: RGBColor) {
            for (i, character) in text.enumerated() {
                let x0 = x + i * (BitmapFont.width + 1) * scale
                for gy in 0..<BitmapFont.height {
                    for gx in 0..<BitmapFont.width where BitmapFont.ink(character, x: gx, y: gy) {
                        fill(
                            DlibRectangle(
                                left: x0 + gx * scale, top: y + gy * scale,
                                right: x0 + gx * scale + scale - 1, bottom: y + gy * scale + scale - 1), color: color)
                    }
                }
            }
        }
    }
}
