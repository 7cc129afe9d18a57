// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// A log sink for commands run by a person: the binder's lines on standard
/// output, errors and warnings marked.
struct PrintLog: LogSink {
  var output: any TextOutput
  var verbose = false

  mutating func setVerbose(_ verbose: Bool) { self.verbose = verbose }

  mutating func log(_ level: LogLevel, _ message: String) {
    switch level {
    case .debug where !verbose: return
    case .error: output.line("error: " + message)
    case .warning: output.line("warning: " + message)
    default: output.line(message)
    }
  }
}
