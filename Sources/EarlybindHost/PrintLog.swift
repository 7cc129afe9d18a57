import EarlybindCore

/// A log sink for commands run by a person: the binder's lines on stdout,
/// errors and warnings marked.
struct PrintLog: LogSink {
  var verbose = false

  mutating func setVerbose(_ verbose: Bool) { self.verbose = verbose }

  mutating func log(_ level: LogLevel, _ message: String) {
    switch level {
    case .debug where !verbose: return
    case .error: print("error: " + message)
    case .warning: print("warning: " + message)
    default: print(message)
    }
  }
}
