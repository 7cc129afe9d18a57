import CEarlybindSys
import EarlybindCore

/// Logs to `/dev/kmsg`, one record per write(2), so lines land in the
/// kernel log between the drivers' own lines, where they explain the boot.
/// Falls back to standard error when the device cannot be opened.
public struct KmsgLog: LogSink {
  let fd: Int32
  /// Lines above this level are dropped (debug only with earlybind.debug).
  public var threshold: LogLevel
  let tag: String

  public init(path: String = "/dev/kmsg", threshold: LogLevel = .info, tag: String = "earlybind") {
    let opened = path.withCString { eb_open($0, eb_o_append_wronly(), 0) }
    fd = opened >= 0 ? opened : 2
    self.threshold = threshold
    self.tag = tag
  }

  public mutating func setVerbose(_ verbose: Bool) {
    if verbose { threshold = .debug }
  }

  public mutating func log(_ level: LogLevel, _ message: String) {
    guard level.rawValue <= threshold.rawValue else { return }
    var line = fd == 2 ? "" : "<" + String(level.rawValue) + ">"
    line += tag + ": " + message + "\n"
    let bytes = Array(line.utf8)
    bytes.withUnsafeBytes { raw in
      var result: Int
      repeat {
        result = eb_write(fd, raw.baseAddress, raw.count)
      } while result < 0 && eb_errno() == Errno.interrupted.rawValue
    }
  }
}
