/// A growable, manually managed float buffer (64-byte aligned) that keeps its memory across uses.
package final class FloatBuffer: @unchecked Sendable {
    package private(set) var pointer: UnsafeMutablePointer<Float>
    package private(set) var capacity: Int

    package init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        pointer = FloatBuffer.allocate(self.capacity)
    }

    /// Grows to at least `count` floats; the old contents are not kept.
    package func reserve(_ count: Int) {
        guard count > capacity else { return }
        UnsafeMutableRawPointer(pointer).deallocate()
        capacity = count
        pointer = FloatBuffer.allocate(count)
    }

    private static func allocate(_ count: Int) -> UnsafeMutablePointer<Float> {
        UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
    }

    deinit { UnsafeMutableRawPointer(pointer).deallocate() }
}
