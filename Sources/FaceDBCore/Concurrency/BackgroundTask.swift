import Foundation
import Synchronization

/// Work started on another thread now, whose result is collected later: ``value()`` waits for it.
///
/// The work must end even if nobody asks for its value; callers that may leave early wait for it
/// with ``wait()`` (for example in a `defer`) before releasing what it uses.
package final class BackgroundTask<T: Sendable>: Sendable {
    private let group = DispatchGroup()
    private let result = Mutex<Result<T, any Error>?>(nil)

    /// Starts `body` on a global queue.
    package init(_ body: @escaping @Sendable () throws -> T) {
        DispatchQueue.global().async(group: group) { [self] in
            let outcome = Result { try body() }
            result.withLock { $0 = outcome }
        }
    }

    /// Waits for the work to end.
    package func wait() { group.wait() }

    /// Waits for the work to end and returns its result, or rethrows its error.
    package func value() throws -> T {
        group.wait()
        // Set before the group's wait returned.
        return try result.withLock { $0! }.get()
    }
}
