/// The rectifier, `y = max(0, x)` element-wise (dlib's `relu_`).
package enum ReLU {
    /// Runs the rectifier on `input`.
    package static func forward(_ input: Tensor) -> Tensor {
        var output = input
        output.values.withUnsafeMutableBufferPointer { apply(to: $0.baseAddress!, count: $0.count) }
        return output
    }

    /// Rectifies `count` floats in place.
    package static func apply(to values: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { values[i] = max(0, values[i]) }
    }
}
