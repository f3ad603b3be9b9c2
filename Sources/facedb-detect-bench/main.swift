// facedb-detect-bench: per-stage timings of FaceDB's detection pipeline on photos, and dlib's
// Python API on the same photos in the same run when `python -c "import dlib"` works.
//
//   swift run -c release facedb-detect-bench [--python PYTHON] [--repeat N] [--annotate DIR] [--stages] PHOTO...
//
// Stages per photo: decode (JPEG/PNG → RGB), detect at upsample 0 and 1, landmarks (5-point) and
// chip (150×150) for every face found at upsample 1, and end-to-end (decode + detect(up 1) +
// landmarks + chips). Times are wall-clock milliseconds, best of N runs. With --annotate, each
// photo is also written to DIR as a PNG with its upsample-1 boxes, landmarks and confidences. With
// --stages, the detector's stages at upsample 1 (pyramid, each layer, decoding) are timed one by one.
import FaceDBVision
import Foundation

/// `text` padded with spaces to `width` characters (Foundation's %@ ignores field widths on Linux).
func pad(_ text: String, _ width: Int) -> NSString {
    (text.count >= width ? text : text + String(repeating: " ", count: width - text.count)) as NSString
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func best(_ runs: Int, _ body: () throws -> Void) rethrows -> Double {
    var result = Double.infinity
    for _ in 0..<runs { result = min(result, try milliseconds(body)) }
    return result
}

var arguments = Array(CommandLine.arguments.dropFirst())
var python = "/work/pyenv/bin/python"
var runs = 1
var photos: [String] = []
var annotateDirectory: String?
var stages = false
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--python": python = arguments.removeFirst()
    case "--repeat": runs = max(1, Int(arguments.removeFirst()) ?? 1)
    case "--annotate": annotateDirectory = arguments.removeFirst()
    case "--stages": stages = true
    case "-h", "--help":
        print("usage: facedb-detect-bench [--python PATH] [--repeat N] [--annotate DIR] [--stages] PHOTO...")
        exit(0)
    default: photos.append(argument)
    }
}
guard !photos.isEmpty else {
    FileHandle.standardError.write("usage: facedb-detect-bench [--python PATH] [--repeat N] [--annotate DIR] [--stages] PHOTO...\n".data(using: .utf8)!)
    exit(2)
}

let models = ModelDirectory()
let detector: FaceDetector
let predictor: ShapePredictor
do {
    detector = try FaceDetector(modelDirectory: models)
    predictor = try ShapePredictor(contentsOf: try models.path(of: .landmarks5))
} catch {
    FileHandle.standardError.write("\(error)\n".data(using: .utf8)!)
    exit(1)
}

struct Row {
    var name: String
    var size: String
    var decode = 0.0, detect0 = 0.0, detect1 = 0.0, landmarks = 0.0, chips = 0.0, total = 0.0
    var faces0 = 0, faces1 = 0
}

print("FaceDB detection pipeline, \(ProcessInfo.processInfo.activeProcessorCount) cores, best of \(runs)")
print("\(pad("photo", 58)) \(pad("size", 10))   decode   detect0   detect1   landm.    chips   end2end faces(up0/up1)")
var rows: [Row] = []
for path in photos {
    do {
        let decoder = ImageDecoder()
        var image = try decoder.decode(contentsOf: path)
        var row = Row(name: (path as NSString).lastPathComponent, size: "\(image.width)x\(image.height)")
        row.decode = try best(runs) { image = try decoder.decode(contentsOf: path) }
        var faces0: [FaceDetection] = [], faces1: [FaceDetection] = []
        row.detect0 = try best(runs) { faces0 = try detector.detect(in: image, upsample: 0) }
        row.detect1 = try best(runs) { faces1 = try detector.detect(in: image, upsample: 1) }
        var landmarks: [FaceLandmarks] = []
        row.landmarks = best(runs) { landmarks = faces1.map { predictor.predict(in: image, rectangle: $0.rectangle) } }
        row.chips = best(runs) { for l in landmarks { _ = FaceAligner.chip(from: image, landmarks: l) } }
        row.total = try best(runs) {
            let img = try decoder.decode(contentsOf: path)
            for face in try detector.detect(in: img, upsample: 1) {
                _ = FaceAligner.chip(from: img, landmarks: predictor.predict(in: img, rectangle: face.rectangle))
            }
        }
        if let directory = annotateDirectory {
            let annotations = zip(faces1, landmarks).map {
                FaceAnnotation(rectangle: $0.0.rectangle, landmarks: $0.1, label: String(format: "%.3f", $0.0.confidence))
            }
            try Annotator.write(image, faces: annotations, to: (directory as NSString).appendingPathComponent((row.name as NSString).deletingPathExtension + ".annotated.png"))
        }
        if stages {
            // Each stage's best time over the runs, at upsample 1.
            var best: [(stage: String, seconds: Double)] = []
            for _ in 0..<runs {
                let times = detector.stageTimes(in: image, upsample: 1)
                best = best.isEmpty ? times : zip(best, times).map { ($0.stage, min($0.seconds, $1.seconds)) }
            }
            for (stage, seconds) in best { print(String(format: "    %@ %9.1f ms", pad(stage, 60), seconds * 1000)) }
            print(String(format: "    %@ %9.1f ms", pad("sum of stages", 60), best.reduce(0) { $0 + $1.seconds } * 1000))
        }
        row.faces0 = faces0.count
        row.faces1 = faces1.count
        rows.append(row)
        print(String(format: "%@ %@ %8.1f %9.1f %9.1f %8.2f %8.2f %9.1f %2d/%-2d", pad(row.name, 58), pad(row.size, 10),
                     row.decode, row.detect0, row.detect1, row.landmarks, row.chips, row.total, row.faces0, row.faces1))
        fflush(nil)
    } catch {
        print("\(path): \(error)")
    }
}
let sum = rows.reduce(into: Row(name: "total", size: "")) {
    $0.decode += $1.decode; $0.detect0 += $1.detect0; $0.detect1 += $1.detect1
    $0.landmarks += $1.landmarks; $0.chips += $1.chips; $0.total += $1.total
}
print(String(format: "%@ %@ %8.1f %9.1f %9.1f %8.2f %8.2f %9.1f", pad("TOTAL (ms)", 58), pad("", 10),
             sum.decode, sum.detect0, sum.detect1, sum.landmarks, sum.chips, sum.total))

// dlib's Python API on the same photos, same stages (Pillow decode as face_recognition does).
let script = """
import sys, time
try:
    import dlib, numpy as np
    from PIL import Image, ImageOps
except Exception as e:
    print("UNAVAILABLE", e); sys.exit(0)
models, runs = sys.argv[1], int(sys.argv[2])
det = dlib.cnn_face_detection_model_v1(models + "/mmod_human_face_detector.dat")
sp = dlib.shape_predictor(models + "/shape_predictor_5_face_landmarks.dat")
def best(f):
    b = 1e30
    for _ in range(runs):
        t = time.perf_counter(); f(); b = min(b, (time.perf_counter() - t) * 1000)
    return b
for p in sys.argv[3:]:
    load = lambda: np.array(ImageOps.exif_transpose(Image.open(p)).convert("RGB"))
    img = load()
    d = best(load)
    d0 = best(lambda: det(img, 0))
    faces = det(img, 1)
    d1 = best(lambda: det(img, 1))
    shapes = []
    lm = best(lambda: shapes.__setitem__(slice(None), [sp(img, f.rect) for f in faces]))
    ch = best(lambda: [dlib.get_face_chip(img, s, size=150, padding=0.25) for s in shapes])
    def e2e():
        im = load()
        for f in det(im, 1):
            dlib.get_face_chip(im, sp(im, f.rect), size=150, padding=0.25)
    tot = best(e2e)
    print("ROW", p, d, d0, d1, lm, ch, tot)
"""
let process = Process()
process.executableURL = URL(fileURLWithPath: python)
process.arguments = ["-c", script, models.path, String(runs)] + photos
let pipe = Pipe()
process.standardOutput = pipe
process.standardError = FileHandle.nullDevice
do {
    try process.run()
    let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    if output.hasPrefix("UNAVAILABLE") || output.isEmpty {
        print("dlib (Python): not available (\(output.trimmingCharacters(in: .whitespacesAndNewlines))); no comparison")
    } else {
        var dlibSum = [Double](repeating: 0, count: 6)
        print("dlib (Python), ms, and how many times faster FaceDB is (dlib ÷ FaceDB):")
        print("\(pad("photo", 58))     detect0            detect1            end2end")
        for line in output.split(separator: "\n") where line.hasPrefix("ROW ") {
            let parts = line.split(separator: " ")
            let values = parts.suffix(6).compactMap { Double($0) }
            guard values.count == 6 else { continue }
            for i in 0..<6 { dlibSum[i] += values[i] }
            let name = (String(parts[1]) as NSString).lastPathComponent
            if let row = rows.first(where: { $0.name == name }) {
                print(String(format: "%@ %9.1f %6.1f×  %9.1f %6.1f×  %9.1f %6.1f×", pad(name, 58),
                             values[1], values[1] / row.detect0, values[2], values[2] / row.detect1, values[5], values[5] / row.total))
            }
        }
        let ours = [sum.decode, sum.detect0, sum.detect1, sum.landmarks, sum.chips, sum.total]
        print("totals (ms):")
        for (i, name) in ["decode", "detect0", "detect1", "landmarks", "chips", "end2end"].enumerated() {
            print(String(format: "  %@ dlib %9.1f  FaceDB %9.1f  dlib ÷ FaceDB %5.2f×", pad(name, 10), dlibSum[i], ours[i], dlibSum[i] / max(ours[i], 1e-9)))
        }
    }
} catch {
    print("dlib (Python): could not run \(python): \(error)")
}
