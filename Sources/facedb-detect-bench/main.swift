// facedb-detect-bench: per-stage timings of FaceDB's detection pipeline on photos, and dlib's
// Python API on the same photos in the same run when `python -c "import dlib"` works.
//
//   swift run -c release facedb-detect-bench [--python PYTHON] [--repeat N] [--annotate DIR] [--stages] PHOTO...
//
// Stages per photo: decode (JPEG/PNG → RGB), detect at upsample 0 and 1, landmarks (5-point) and
// chip (150×150) for every face found at upsample 1, and end-to-end (decode + detect(up 1) +
// landmarks + chips). Times are wall-clock milliseconds, the best of N rounds. In each round every
// stage of every photo is timed on FaceDB and on dlib (a Python worker process) back to back, who
// goes first alternating, so that both sides sample the same moments of a machine whose speed
// drifts (this VM's changes by up to ±40% within minutes). With --annotate, each
// photo is also written to DIR as a PNG with its upsample-1 boxes, landmarks and confidences. With
// --stages, the detector's stages at upsample 1 (pyramid, each layer, decoding) are timed one by one.
import FaceDBPhotos
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
    case "--repeat": runs = max(1, Int(arguments.removeFirst()) ?? 1)  // rounds
    case "--annotate": annotateDirectory = arguments.removeFirst()
    case "--stages": stages = true
    case "-h", "--help":
        print("usage: facedb-detect-bench [--python PATH] [--repeat N] [--annotate DIR] [--stages] PHOTO...")
        exit(0)
    default: photos.append(argument)
    }
}
guard !photos.isEmpty else {
    FileHandle.standardError.write(
        "usage: facedb-detect-bench [--python PATH] [--repeat N] [--annotate DIR] [--stages] PHOTO...\n".data(using: .utf8)!)
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

/// The six timed stages, in order (the indices of ``Row/times``).
let stageNames = ["decode", "detect0", "detect1", "landmarks", "chips", "end2end"]
let (detect0Stage, detect1Stage, endToEndStage) = (1, 2, 5)

/// One photo's times (ms) on one side, per stage of ``stageNames``.
struct Row {
    var name: String
    var size: String
    var times = [Double](repeating: .infinity, count: stageNames.count)
    var faces0 = 0, faces1 = 0

    /// Keeps the better time of each stage.
    mutating func merge(_ other: Row) { times = zip(times, other.times).map { min($0, $1) } }
}

/// FaceDB's side of one photo: its state between stages, and each stage timed on demand.
@MainActor final class FaceDBPhoto {
    let path: String
    let decoder = ImageDecoder()
    var image: RGBImage
    var faces0: [FaceDetection] = [], faces1: [FaceDetection] = []
    var landmarks: [FaceLandmarks] = []

    init(_ path: String) throws {
        self.path = path
        image = try decoder.decode(contentsOf: path)
        faces1 = try detector.detect(in: image, upsample: 1)
        landmarks = faces1.map { predictor.predict(in: image, rectangle: $0.rectangle) }
    }

    /// Milliseconds of stage `stage` (an index into ``stageNames``).
    func time(_ stage: Int) throws -> Double {
        switch stage {
        case 0: return try milliseconds { image = try decoder.decode(contentsOf: path) }
        case 1: return try milliseconds { faces0 = try detector.detect(in: image, upsample: 0) }
        case 2: return try milliseconds { faces1 = try detector.detect(in: image, upsample: 1) }
        case 3: return milliseconds { landmarks = faces1.map { predictor.predict(in: image, rectangle: $0.rectangle) } }
        case 4: return milliseconds { for l in landmarks { _ = FaceAligner.chip(from: image, landmarks: l) } }
        default:
            return try milliseconds {
                let img = try decoder.decode(contentsOf: path)
                for face in try detector.detect(in: img, upsample: 1) {
                    _ = FaceAligner.chip(from: img, landmarks: predictor.predict(in: img, rectangle: face.rectangle))
                }
            }
        }
    }
}

// dlib's side: a Python process that times one stage per request ("<stage> <photo>" on a line;
// it answers with the milliseconds), with Pillow decoding as face_recognition does.
let script = """
    import sys, time
    try:
        import dlib, numpy as np
        from PIL import Image, ImageOps
    except Exception as e:
        print("UNAVAILABLE", e, flush=True); sys.exit(0)
    det = dlib.cnn_face_detection_model_v1(sys.argv[1] + "/mmod_human_face_detector.dat")
    sp = dlib.shape_predictor(sys.argv[1] + "/shape_predictor_5_face_landmarks.dat")
    print("READY", flush=True)
    load = lambda p: np.array(ImageOps.exif_transpose(Image.open(p)).convert("RGB"))
    state = {}
    def e2e(p):
        im = load(p)
        for f in det(im, 1):
            dlib.get_face_chip(im, sp(im, f.rect), size=150, padding=0.25)
    for line in sys.stdin:
        stage, p = line.rstrip("\\n").split(" ", 1)
        if p not in state:
            img = load(p); faces = det(img, 1)
            state[p] = [img, faces, [sp(img, f.rect) for f in faces]]
        img, faces, shapes = state[p]
        work = {"decode": lambda: load(p), "detect0": lambda: det(img, 0), "detect1": lambda: det(img, 1),
                "landmarks": lambda: [sp(img, f.rect) for f in faces],
                "chips": lambda: [dlib.get_face_chip(img, s, size=150, padding=0.25) for s in shapes],
                "end2end": lambda: e2e(p)}[stage]
        t = time.perf_counter(); work(); print((time.perf_counter() - t) * 1000, flush=True)
    """

/// The running dlib worker, or nil when Python or dlib is missing (the reason printed).
@MainActor final class DlibWorker {
    let process = Process()
    let input = Pipe(), output = Pipe()
    var buffer = Data()

    init?() {
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", script, models.path]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch {
            print("dlib (Python): could not run \(python): \(error); no comparison")
            return nil
        }
        let first = readLine() ?? ""
        guard first == "READY" else {
            print("dlib (Python): not available (\(first)); no comparison")
            return nil
        }
    }

    /// Milliseconds of `stage` on `path`, or nil if the worker failed.
    func time(_ stage: String, _ path: String) -> Double? {
        input.fileHandleForWriting.write("\(stage) \(path)\n".data(using: .utf8)!)
        return readLine().flatMap(Double.init)
    }

    private func readLine() -> String? {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: buffer[buffer.startIndex..<end], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex...end)
                return line
            }
            let more = output.fileHandleForReading.availableData
            if more.isEmpty { return nil }
            buffer.append(more)
        }
    }

    func stop() {
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

print(
    "FaceDB detection pipeline, \(ProcessInfo.processInfo.activeProcessorCount) cores, best of \(runs) rounds; "
        + "every stage of every photo is timed on FaceDB and on dlib back to back (who goes first alternates)")
var rows: [Row] = []
var dlibRows: [String: Row] = [:]
/// Seconds of idleness before each timed stage: OpenBLAS's idle threads busy-wait for a while after
/// their work ends (dlib's, here), and would take a core from whichever side runs next.
let settle = 0.3
let dlib = DlibWorker()
for round in 0..<runs {
    for path in photos {
        do {
            let photo = try FaceDBPhoto(path)
            let name = (path as NSString).lastPathComponent
            var ours = Row(name: name, size: "\(photo.image.width)x\(photo.image.height)")
            var theirs = Row(name: name, size: "")
            for stage in stageNames.indices {
                let oursFirst = (round + stage) % 2 == 0
                if oursFirst { ours.times[stage] = try photo.time(stage) }
                Thread.sleep(forTimeInterval: settle)
                theirs.times[stage] = dlib?.time(stageNames[stage], path) ?? .infinity
                Thread.sleep(forTimeInterval: settle)
                if !oursFirst { ours.times[stage] = try photo.time(stage) }
            }
            ours.faces0 = photo.faces0.count
            ours.faces1 = photo.faces1.count
            if round == 0, let directory = annotateDirectory {
                let annotations = zip(photo.faces1, photo.landmarks).map {
                    FaceAnnotation(rectangle: $0.0.rectangle, landmarks: $0.1, label: String(format: "%.3f", $0.0.confidence))
                }
                try Annotator.write(
                    photo.image, faces: annotations,
                    to: (directory as NSString).appendingPathComponent((name as NSString).deletingPathExtension + ".annotated.png"))
            }
            if let i = rows.firstIndex(where: { $0.name == name }) { rows[i].merge(ours) } else { rows.append(ours) }
            if dlib != nil { dlibRows[name, default: theirs].merge(theirs) }
        } catch {
            if round == 0 { print("\(path): \(error)") }
        }
    }
    FileHandle.standardError.write("round \(round + 1) of \(runs) done\n".data(using: .utf8)!)
}
dlib?.stop()

/// The stage-by-stage sums of `rows`.
func totals(_ rows: [Row]) -> [Double] {
    rows.reduce(into: [Double](repeating: 0, count: stageNames.count)) { sum, row in
        for (i, t) in row.times.enumerated() { sum[i] += t }
    }
}

print("\(pad("photo", 58)) \(pad("size", 10))   decode   detect0   detect1   landm.    chips   end2end faces(up0/up1)")
for row in rows {
    let t = row.times
    print(
        String(
            format: "%@ %@ %8.1f %9.1f %9.1f %8.2f %8.2f %9.1f %2d/%-2d", pad(row.name, 58), pad(row.size, 10),
            t[0], t[1], t[2], t[3], t[4], t[5], row.faces0, row.faces1))
}
let sum = totals(rows)
print(
    String(
        format: "%@ %@ %8.1f %9.1f %9.1f %8.2f %8.2f %9.1f", pad("TOTAL (ms)", 58), pad("", 10),
        sum[0], sum[1], sum[2], sum[3], sum[4], sum[5]))

if stages {
    // Each stage's best time over the rounds' worth of runs, at upsample 1.
    for path in photos {
        guard let image = try? ImageDecoder().decode(contentsOf: path) else { continue }
        print("stages of \((path as NSString).lastPathComponent) at upsample 1:")
        var best: [(stage: String, seconds: Double)] = []
        for _ in 0..<runs {
            let times = detector.stageTimes(in: image, upsample: 1)
            best = best.isEmpty ? times : zip(best, times).map { ($0.stage, min($0.seconds, $1.seconds)) }
        }
        for (stage, seconds) in best { print(String(format: "    %@ %9.1f ms", pad(stage, 60), seconds * 1000)) }
        print(String(format: "    %@ %9.1f ms", pad("sum of stages", 60), best.reduce(0) { $0 + $1.seconds } * 1000))
    }
}

if !dlibRows.isEmpty {
    print("dlib (Python), ms, and how many times faster FaceDB is (dlib ÷ FaceDB):")
    print("\(pad("photo", 58))     detect0            detect1            end2end")
    for row in rows {
        guard let d = dlibRows[row.name]?.times else { continue }
        let t = row.times
        print(
            String(
                format: "%@ %9.1f %6.1f×  %9.1f %6.1f×  %9.1f %6.1f×", pad(row.name, 58),
                d[detect0Stage], d[detect0Stage] / t[detect0Stage], d[detect1Stage], d[detect1Stage] / t[detect1Stage],
                d[endToEndStage], d[endToEndStage] / t[endToEndStage]))
    }
    let dlibSum = totals(rows.compactMap { dlibRows[$0.name] })
    print("totals (ms):")
    for (i, name) in stageNames.enumerated() {
        print(
            String(format: "  %@ dlib %9.1f  FaceDB %9.1f  dlib ÷ FaceDB %5.2f×", pad(name, 10), dlibSum[i], sum[i], dlibSum[i] / max(sum[i], 1e-9)))
    }
}
