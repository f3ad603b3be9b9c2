/// XXH64, the 64-bit xxHash of Yann Collet, written from its published specification.
///
/// Used as the checksum of index snapshots and to recognise the files of an earlier import: it reads 8-byte words, four independent lanes at a
/// time, and runs at several GB/s in optimized builds. Feed bytes with ``update(_:)`` in any
/// chunking, then call ``finalize()``; the result equals ``hash(_:seed:)`` of the whole input.
package struct XXHash64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    private let seed: UInt64
    private var lane1: UInt64
    private var lane2: UInt64
    private var lane3: UInt64
    private var lane4: UInt64
    /// Bytes seen so far.
    private var length: UInt64 = 0
    /// Input not yet consumed as a whole 32-byte stripe (fewer than 32 bytes).
    private var pending: [UInt8] = []

    /// Starts a hash.
    package init(seed: UInt64 = 0) {
        self.seed = seed
        lane1 = seed &+ Self.prime1 &+ Self.prime2
        lane2 = seed &+ Self.prime2
        lane3 = seed
        lane4 = seed &- Self.prime1
        pending.reserveCapacity(32)
    }

    /// The hash of `bytes` in one call.
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hasher = XXHash64(seed: seed)
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// The hash of `bytes` in one call.
    package static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// Adds `bytes` to the input.
    package mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Adds `bytes` to the input.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        length &+= UInt64(bytes.count)
        var offset = 0
        if !pending.isEmpty {
            let take = min(32 - pending.count, bytes.count)
            pending.append(contentsOf: bytes[0..<take])
            offset = take
            guard pending.count == 32 else { return }
            pending.withUnsafeBytes { consumeStripes($0, count: 1) }
            pending.removeAll(keepingCapacity: true)
        }
        let stripes = (bytes.count - offset) / 32
        if stripes > 0 {
            consumeStripes(UnsafeRawBufferPointer(rebasing: bytes[offset...]), count: stripes)
            offset += stripes * 32
        }
        pending.append(contentsOf: bytes[offset...])
    }

    /// The hash of everything added so far.
    package func finalize() -> UInt64 {
        var h: UInt64
        if length >= 32 {
            h = Self.rotate(lane1, 1) &+ Self.rotate(lane2, 7) &+ Self.rotate(lane3, 12) &+ Self.rotate(lane4, 18)
            h = Self.merge(h, lane1)
            h = Self.merge(h, lane2)
            h = Self.merge(h, lane3)
            h = Self.merge(h, lane4)
        } else {
            h = seed &+ Self.prime5
        }
        h &+= length
        pending.withUnsafeBytes { tail in
            var i = 0
            while i + 8 <= tail.count {
                let word = UInt64(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                h ^= Self.round(0, word)
                h = Self.rotate(h, 27) &* Self.prime1 &+ Self.prime4
                i += 8
            }
            if i + 4 <= tail.count {
                let word = UInt64(UInt32(littleEndian: tail.loadUnaligned(fromByteOffset: i, as: UInt32.self)))
                h ^= word &* Self.prime1
                h = Self.rotate(h, 23) &* Self.prime2 &+ Self.prime3
                i += 4
            }
            while i < tail.count {
                h ^= UInt64(tail[i]) &* Self.prime5
                h = Self.rotate(h, 11) &* Self.prime1
                i += 1
            }
        }
        h ^= h >> 33
        h &*= Self.prime2
        h ^= h >> 29
        h &*= Self.prime3
        h ^= h >> 32
        return h
    }

    /// Folds `count` 32-byte stripes from the start of `bytes` into the four lanes.
    private mutating func consumeStripes(_ bytes: UnsafeRawBufferPointer, count: Int) {
        var v1 = lane1, v2 = lane2, v3 = lane3, v4 = lane4
        var offset = 0
        for _ in 0..<count {
            v1 = Self.round(v1, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            v2 = Self.round(v2, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 8, as: UInt64.self)))
            v3 = Self.round(v3, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 16, as: UInt64.self)))
            v4 = Self.round(v4, UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 24, as: UInt64.self)))
            offset += 32
        }
        lane1 = v1
        lane2 = v2
        lane3 = v3
        lane4 = v4
    }

    @inline(__always)
    private static func rotate(_ x: UInt64, _ r: UInt64) -> UInt64 {
        (x << r) | (x >> (64 - r))
    }

    @inline(__always)
    private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotate(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    private static func merge(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ round(0, lane)) &* prime1 &+ prime4
    }
}
