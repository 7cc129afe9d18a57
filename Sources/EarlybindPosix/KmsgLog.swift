import CEarlybindSys
import EarlybindCore

/// Logs to `/dev/kmsg`, one record per write(2), so lines land in the
/// kernel log between the drivers' own lines, where they explain the boot.
/// Falls back to standard error when the device cannot be opened.
///
/// The kernel rate-limits each opener of /dev/kmsg to a burst of 10 records
/// per 5 seconds (unless `printk.devkmsg=on`), and the binder must not lose
/// the lines that explain a boot, so the device is reopened every few lines.
public struct KmsgLog: LogSink {
  var fd: Int32
  let path: String
  var written = 0
  static let linesPerOpen = 8
  /// Lines above this level are dropped (debug only with earlybind.debug).
  public var threshold: LogLevel
  let tag: String

  public init(path: String = "/dev/kmsg", threshold: LogLevel = .info, tag: String = "earlybind") {
    self.path = path
    fd = Self.open(path)
    self.threshold = threshold
    self.tag = tag
  }

  static func open(_ path: String) -> Int32 {
    let (opened, errno) = path.withCString { cPath in
      retryingOnInterrupt { eb_open(cPath, eb_o_append_wronly(), 0) }
    }
    return errno == nil ? opened : 2
  }

  public mutating func setVerbose(_ verbose: Bool) {
    if verbose { threshold = .debug }
  }

  public mutating func log(_ level: LogLevel, _ message: String) {
    guard level.rawValue <= threshold.rawValue else { return }
    if fd != 2 {
      if written == Self.linesPerOpen {
        _ = eb_close(fd)
        fd = Self.open(path)
        written = 0
      }
      written += 1
    }
    var line = fd == 2 ? "" : "<" + String(level.rawValue) + ">"
    line += tag + ": " + message + "\n"
    let bytes = Array(line.utf8)
    // One write(2) per record, as /dev/kmsg requires; a lost line is
    // dropped rather than retried in pieces.
    bytes.withUnsafeBytes { raw in
      _ = retryingOnInterrupt { eb_write(fd, raw.baseAddress, raw.count) }
    }
  }
}
