import Synchronization
import SystemPackage

/// Random 96-bit nonces for ``DataCipher``, drawn from the kernel's CSPRNG 4 KiB at a time.
///
/// Why not `AES.GCM.Nonce()`: it asks the kernel for every nonce (one `getrandom` call each),
/// which measured 0.54 µs per nonce, a sixth of sealing a 560-byte face row (3.2 µs) and most of
/// the kernel time of an encrypted import. Drawn 4 KiB at a time, a nonce costs 0.06 µs. The
/// bytes are the same kernel randomness; they are handed out once each and the pool is not
/// shared with a forked child (FaceDB does not fork).
package final class NoncePool: Sendable {
    /// Bytes fetched from the kernel at a time (341 nonces).
    private static let poolSize = 4096
    private let pool = Mutex(Pool())

    private struct Pool: ~Copyable {
        var bytes = [UInt8](repeating: 0, count: NoncePool.poolSize)
        var used = NoncePool.poolSize
    }

    /// An empty pool; the first nonce fills it.
    package init() {}

    /// Twelve fresh random bytes, passed to `body`.
    package func withNonce<T>(_ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        var nonce: (UInt64, UInt32) = (0, 0)
        pool.withLock { pool in
            if pool.used + 12 > pool.bytes.count {
                pool.bytes.withUnsafeMutableBytes { Self.fill($0) }
                pool.used = 0
            }
            withUnsafeMutableBytes(of: &nonce) { target in
                pool.bytes.withUnsafeBytes { target.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[pool.used..<(pool.used + 12)])) }
            }
            // A nonce is never handed out twice: its bytes are cleared once taken.
            for i in pool.used..<(pool.used + 12) { pool.bytes[i] = 0 }
            pool.used += 12
        }
        return try withUnsafeBytes(of: &nonce) { try body(UnsafeRawBufferPointer(rebasing: $0[0..<12])) }
    }

    /// `buffer` filled from the kernel's CSPRNG (`/dev/urandom`, the source `getrandom` draws on,
    /// which the Glibc module does not declare).
    private static func fill(_ buffer: UnsafeMutableRawBufferPointer) {
        do {
            let random = try FileDescriptor.open("/dev/urandom", .readOnly, options: .closeOnExec, retryOnInterrupt: true)
            defer { try? random.close() }
            var filled = 0
            while filled < buffer.count {
                let got = try random.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), retryOnInterrupt: true)
                guard got > 0 else { throw Errno.ioError }
                filled += got
            }
        } catch {
            // Every Linux system has /dev/urandom; sealing without randomness must never happen.
            fatalError("/dev/urandom cannot be read (\(error)): the kernel's random source is unavailable")
        }
    }
}
