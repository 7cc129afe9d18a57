// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore

/// Runs a raw call until it stops failing with EINTR. Every raw call in the
/// project goes through here, so the retry and the errno capture are in one
/// place. (Sysfs and /dev/kmsg writes can be interrupted while a driver probes.)
@inline(__always)
package func retryingOnInterrupt<R: BinaryInteger>(
  _ name: String, _ path: String, _ body: () -> R
) throws(SystemError) -> R {
  while true {
    let result = body()
    if result >= 0 { return result }
    let errno = Errno(rawValue: eb_errno())
    if errno != .interrupted {
      throw SystemError(syscall: name, path: path, errno: errno)
    }
  }
}

/// Calls `body` with `path` as a C string (String.withCString is rethrows,
/// so the typed error travels in a Result).
@inline(__always)
package func withPath<R>(
  _ path: String, _ body: (UnsafePointer<CChar>) throws(SystemError) -> R
) throws(SystemError) -> R {
  let result: Result<R, SystemError> = path.withCString { pointer in
    do throws(SystemError) {
      return .success(try body(pointer))
    } catch {
      return .failure(error)
    }
  }
  return try result.get()
}

/// The non-throwing form, for use inside the standard library's rethrowing
/// `withUnsafe...` closures: the result, or the errno that is not EINTR.
@inline(__always)
package func retryingOnInterrupt<R: BinaryInteger>(_ body: () -> R) -> (R, Errno?) {
  while true {
    let result = body()
    if result >= 0 { return (result, nil) }
    let errno = Errno(rawValue: eb_errno())
    if errno != .interrupted { return (result, errno) }
  }
}
