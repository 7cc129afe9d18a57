// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix

/// Where a command's words go: standard output for what scripts read,
/// standard error for warnings and failures.
protocol TextOutput: AnyObject {
  /// Text for standard output, as it is.
  func write(_ text: String)
  /// Text for standard error, as it is.
  func writeError(_ text: String)
}

extension TextOutput {
  /// `earlybind: message` on standard error.
  func warn(_ message: String) { writeError("earlybind: " + message + "\n") }

  /// A line on standard output.
  func line(_ text: String) { write(text + "\n") }
}

/// The process's own standard output and error, unbuffered, so the two
/// keep their order.
final class StandardOutput: TextOutput {
  func write(_ text: String) { ProcessEnvironment.write(text, to: 1) }
  func writeError(_ text: String) { ProcessEnvironment.write(text, to: 2) }
}
