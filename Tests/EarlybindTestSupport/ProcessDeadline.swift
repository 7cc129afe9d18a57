// SPDX-License-Identifier: Apache-2.0
import Foundation

extension Process {
  /// Waits at most `seconds` for the process to end; false, with the
  /// process killed, when it had not. A test that a program never blocks
  /// must not block itself.
  public func waitUntilExit(seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while isRunning && Date() < deadline { usleep(10_000) }
    let ended = !isRunning
    if !ended { terminate() }
    waitUntilExit()
    return ended
  }
}
