import FaceDBCore
import FaceDBNeural
import Foundation

/// Reads dlib's serialized `shape_predictor` (specification 6.1): version 1, the initial shape
/// (a float column matrix), the forests (cascades of regression trees: splits and leaf shape
/// increments), the anchor landmark of every feature pixel and its offset.
///
/// Counts are read from the file, then checked for consistency (complete trees, leaf sizes equal
/// to the shape size, feature and landmark indices in range) and the file must end exactly after
/// the last value; anything else is a ``FaceDBError/Code/modelCorrupt`` naming the byte offset.
package enum ShapePredictorReader {
    /// Reads the model at `path`.
    ///
    /// - Throws: ``FaceDBError/Code/modelMissing``, ``FaceDBError/Code/io`` or
    ///   ``FaceDBError/Code/modelCorrupt``.
    package static func read(contentsOf path: String) throws -> ShapePredictor {
        try DlibDecoder.readModel(at: path, file: .landmarks5, format: "dlib's shape predictor format", parse)
    }

    /// Reads the model from the bytes of a file; `path` names it in errors.
    package static func read(bytes: [UInt8], path: String) throws -> ShapePredictor {
        try DlibDecoder.parseModel(bytes, path: path, file: .landmarks5, format: "dlib's shape predictor format", parse)
    }

    /// A `matrix<float>` column vector: −rows, −cols (positive accepted as legacy), values.
    private static func readColumn(_ d: inout DlibDecoder, _ what: String, maxRows: Int) throws(DlibDecoder.Failure) -> [Float] {
        let rows = abs(try d.readInt("the rows of \(what)", in: -maxRows...maxRows))
        let columns = abs(try d.readInt("the columns of \(what)", in: -1...1))
        guard columns == 1 || rows == 0 else { throw d.fail("\(what) should be a column vector") }
        var values = [Float](repeating: 0, count: rows)
        for i in 0..<rows { values[i] = try d.readFloat("\(what)") }
        return values
    }

    private static func parse(_ d: inout DlibDecoder) throws(DlibDecoder.Failure) -> ShapePredictor {
        try d.expectInt(1, "the shape predictor's version")
        let initial = try readColumn(&d, "the initial shape", maxRows: 2048)
        guard initial.count >= 4, initial.count % 2 == 0 else { throw d.fail("the initial shape has \(initial.count) values") }
        let landmarks = initial.count / 2

        let cascadeCount = try d.readInt("the number of cascades", in: 1...1000)
        var forests: [[ShapePredictor.Tree]] = []
        for k in 0..<cascadeCount {
            d.context = "cascade \(k + 1)"
            let treeCount = try d.readInt("the number of trees", in: 0...100_000)
            var trees: [ShapePredictor.Tree] = []
            trees.reserveCapacity(treeCount)
            for _ in 0..<treeCount {
                let splitCount = try d.readInt("the number of splits", in: 0...65535)
                var i1 = [Int32](repeating: 0, count: splitCount), i2 = i1
                var th = [Float](repeating: 0, count: splitCount)
                for s in 0..<splitCount {
                    i1[s] = Int32(try d.readInt("a split's first feature", in: 0...Int(Int32.max)))
                    i2[s] = Int32(try d.readInt("a split's second feature", in: 0...Int(Int32.max)))
                    th[s] = try d.readFloat("a split threshold")
                }
                let leafCount = try d.readInt("the number of leaves", in: 0...65536)
                guard leafCount == splitCount + 1 else {
                    throw d.fail("a tree has \(splitCount) splits and \(leafCount) leaves (a complete tree has one more leaf than splits)")
                }
                var leaves: [Float] = []
                leaves.reserveCapacity(leafCount * initial.count)
                for _ in 0..<leafCount {
                    let leaf = try readColumn(&d, "a leaf", maxRows: initial.count)
                    guard leaf.count == initial.count else { throw d.fail("a leaf has \(leaf.count) values, the shape \(initial.count)") }
                    leaves += leaf
                }
                trees.append(ShapePredictor.Tree(index1: i1, index2: i2, threshold: th, leaves: leaves))
            }
            forests.append(trees)
        }
        d.context = "the anchors"
        try d.expectInt(cascadeCount, "the number of anchor lists")
        var anchors: [[Int]] = []
        for _ in 0..<cascadeCount {
            let count = try d.readInt("the number of feature pixels", in: 0...1_000_000)
            var list = [Int](repeating: 0, count: count)
            for j in 0..<count { list[j] = try d.readInt("an anchor landmark", in: 0...(landmarks - 1)) }
            anchors.append(list)
        }
        d.context = "the deltas"
        try d.expectInt(cascadeCount, "the number of delta lists")
        var cascades: [ShapePredictor.Cascade] = []
        for k in 0..<cascadeCount {
            try d.expectInt(anchors[k].count, "the number of deltas of cascade \(k + 1)")
            var dx = [Float](repeating: 0, count: anchors[k].count), dy = dx
            for j in 0..<anchors[k].count {
                dx[j] = try d.readFloat("a delta x")
                dy[j] = try d.readFloat("a delta y")
            }
            let features = anchors[k].count
            for tree in forests[k] where tree.index1.contains(where: { Int($0) >= features }) || tree.index2.contains(where: { Int($0) >= features })
            {
                _ = tree
                throw d.fail("cascade \(k + 1) has a split on a feature pixel ≥ \(features)")
            }
            cascades.append(ShapePredictor.Cascade(anchors: anchors[k], deltaX: dx, deltaY: dy, trees: forests[k]))
        }
        d.context = ""
        guard d.isAtEnd else { throw d.fail("\(d.remaining) unexpected bytes follow the last value (the file must end there)") }
        return ShapePredictor(initialShape: initial, cascades: cascades)
    }
}
