// SPDX-License-Identifier: Apache-2.0
import Dispatch
import Foundation
import Testing

/// Runs `body` on another thread and waits at most `seconds` for it. A
/// call that blocks (an open(2) of a FIFO without O_NONBLOCK, say) is
/// recorded as a failure instead of hanging the test run; `release` then
/// unblocks it (for a FIFO: open the other end), so the thread ends too.
public func finishes(
  within seconds: Double = 5, _ what: String, release: @escaping () -> Void = {},
  sourceLocation: SourceLocation = #_sourceLocation, _ body: @escaping @Sendable () -> Void
) -> Bool {
  let done = DispatchSemaphore(value: 0)
  Thread.detachNewThread {
    body()
    done.signal()
  }
  if done.wait(timeout: .now() + seconds) == .success { return true }
  Issue.record("\(what) blocked for \(seconds) s", sourceLocation: sourceLocation)
  release()
  _ = done.wait(timeout: .now() + seconds)
  return false
}

/// Opens both ends of the FIFO at `path` without blocking, and closes them:
/// whoever waits in open(2) on it goes on.
public func releaseFIFO(_ path: String) {
  let fd = open(path, O_RDWR | O_NONBLOCK)
  if fd >= 0 { close(fd) }
}

/// A FIFO at `path`.
public func makeFIFO(_ path: String) throws {
  guard mkfifo(path, 0o644) == 0 else {
    throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
  }
}
