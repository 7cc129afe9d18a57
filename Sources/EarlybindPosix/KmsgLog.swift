// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore

/// Logs to `/dev/kmsg`, one record per write(2), so lines land in the
/// kernel log between the drivers' own lines, where they explain the boot.
///
/// The kernel rejects a record longer than it can store (EINVAL), so long
/// messages (echoed command-line words, say) are split into records it
/// accepts. When the device cannot be opened, is not a character device or
/// a regular file (a FIFO would block), or refuses a record (ENOSPC,
/// EINVAL), the record goes to the fallback descriptor instead: standard
/// error, which is the console in an initramfs. Nothing here waits.
///
/// The kernel rate-limits each opener of /dev/kmsg to a burst of 10 records
/// per 5 seconds (unless `printk.devkmsg=on`), and the binder must not lose
/// the lines that explain a boot, so the device is reopened every few records.
public struct KmsgLog: LogSink {
  /// The longest write /dev/kmsg accepts on every kernel since 4.x:
  /// 1024 bytes less the record prefix it reserves (48 bytes with
  /// CONFIG_PRINTK_CALLER, as Debian and Fedora build; 32 without).
  public static let maximumRecord = 976
  static let linesPerOpen = 8
  /// Marks the records that continue a split message.
  static let continuation: [UInt8] = Array("... ".utf8)

  let path: String
  /// The kmsg descriptor; -1 before the first record, `fallback` when the
  /// device is unusable.
  var fd: Int32 = -1
  var written = 0
  let fallback: Int32
  /// Lines above this level are dropped (debug only with earlybind.debug).
  public var threshold: LogLevel
  let tag: String

  public init(
    path: String = "/dev/kmsg", threshold: LogLevel = .info, tag: String = "earlybind",
    fallback: Int32 = 2
  ) {
    self.path = path
    self.threshold = threshold
    self.tag = tag
    self.fallback = fallback
  }

  /// Opens `path` for appending without blocking; only a character device
  /// (the real /dev/kmsg) or a regular file (tests) is used.
  static func open(_ path: String) -> Int32? {
    let (fd, errno) = path.withCString { path in
      retryingOnInterrupt { eb_open(path, eb_o_append_wronly() | eb_o_nonblock(), 0) }
    }
    guard errno == nil else { return nil }
    var type: UInt32 = 0
    var size: Int64 = 0
    guard eb_fstat(fd, &type, &size) == 0, type == eb_s_ifchr() || type == eb_s_ifreg() else {
      _ = eb_close(fd)
      return nil
    }
    return fd
  }

  public mutating func setVerbose(_ verbose: Bool) {
    if verbose { threshold = .debug }
  }

  public func keeps(_ level: LogLevel) -> Bool { level.rawValue <= threshold.rawValue }

  public mutating func log(_ level: LogLevel, _ message: String) {
    guard keeps(level) else { return }
    let priority = Array(("<" + String(level.rawValue) + ">").utf8)
    let prefix = priority + Array((tag + ": ").utf8)
    var text = Array(message.utf8)
    // One record is one line: control bytes (a newline in an echoed
    // value) would cut it.
    for index in text.indices where text[index] < 0x20 || text[index] == 0x7F {
      text[index] = 0x3F
    }
    for record in Self.records(prefix: prefix, text: text) {
      emit(record, priorityLength: priority.count)
    }
  }

  /// `prefix + text + "\n"`, split into records of at most `maximumRecord`
  /// bytes, never inside a UTF-8 sequence; later records start with the
  /// prefix and `continuation`.
  static func records(prefix: [UInt8], text: [UInt8], limit: Int = maximumRecord) -> [[UInt8]] {
    var records: [[UInt8]] = []
    var start = 0
    repeat {
      var record = prefix
      if start > 0 { record += continuation }
      let room = max(1, limit - record.count - 1)
      var end = min(text.count, start + room)
      // Back off to a character boundary (not before one byte of progress).
      while end < text.count, end > start + 1, text[end] & 0xC0 == 0x80 { end -= 1 }
      record += text[start..<end]
      record.append(0x0A)
      records.append(record)
      start = end
    } while start < text.count
    return records
  }

  mutating func emit(_ record: [UInt8], priorityLength: Int) {
    if fd < 0 || (fd != fallback && written == Self.linesPerOpen) {
      if fd >= 0 { _ = eb_close(fd) }
      fd = Self.open(path) ?? fallback
      written = 0
    }
    if fd != fallback {
      written += 1
      if write(record[...], to: fd) { return }
    }
    // Standard error has no use for the <N> priority.
    _ = write(record[priorityLength...], to: fallback)
  }

  /// One write(2) of `bytes`; false when it fails or comes up short.
  func write(_ bytes: ArraySlice<UInt8>, to fd: Int32) -> Bool {
    bytes.withUnsafeBytes { raw in
      let (count, errno) = retryingOnInterrupt { eb_write(fd, raw.baseAddress, raw.count) }
      return errno == nil && count == raw.count
    }
  }
}
