// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys

/// The process arguments (Embedded Swift has no `CommandLine`).
public enum Arguments {
  public static var all: [String] {
    var result: [String] = []
    let count = Int(eb_argc())
    guard let vector = eb_argv() else { return result }
    for index in 0..<count {
      if let argument = vector[index] { result.append(String(cString: argument)) }
    }
    return result
  }
}

/// Monotonic clock in nanoseconds.
public func monotonicNanoseconds() -> UInt64 { eb_monotonic_ns() }

/// Writes a line to standard output or error without stdio.
public func writeLine(_ text: String, toError: Bool = false) {
  let bytes = Array((text + "\n").utf8)
  bytes.withUnsafeBytes { raw in
    _ = eb_write(toError ? 2 : 1, raw.baseAddress, raw.count)
  }
}

/// _exit(2): nothing to flush, no stdio in use.
public func exitProcess(_ status: Int32) -> Never {
  eb_exit(status)
  while true {}
}
