// SPDX-License-Identifier: Apache-2.0
/// Syslog levels, as `/dev/kmsg` takes them in a `<N>` prefix.
public enum LogLevel: UInt8, Sendable {
  case error = 3
  case warning = 4
  case notice = 5
  case info = 6
  case debug = 7
}

/// Where the binder's lines go: `/dev/kmsg` at boot (a file in tests), standard
/// output for `earlybind apply`.
public protocol LogSink {
  mutating func log(_ level: LogLevel, _ message: String)
  /// Called once the command line is read: `earlybind.debug` wants more.
  mutating func setVerbose(_ verbose: Bool)
  /// Whether a line of `level` would be kept: the others are not even built.
  func keeps(_ level: LogLevel) -> Bool
}

extension LogSink {
  public mutating func setVerbose(_ verbose: Bool) {}
  public func keeps(_ level: LogLevel) -> Bool { true }
}
