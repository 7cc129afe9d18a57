// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Runs the generators and image listers the host tool drives.
protocol ProcessRunner {
  /// Runs a command found through PATH, its output passed through; returns
  /// its exit status.
  func run(_ arguments: [String]) throws(SystemError) -> Int32
  /// Runs a command with standard output captured and errors discarded.
  func capture(_ arguments: [String]) throws(SystemError) -> Subprocess.Result
}

struct SystemProcessRunner: ProcessRunner {
  func run(_ arguments: [String]) throws(SystemError) -> Int32 {
    try Subprocess.run(arguments).status
  }

  func capture(_ arguments: [String]) throws(SystemError) -> Subprocess.Result {
    try Subprocess.run(arguments, captureOutput: true, discardErrors: true)
  }
}
