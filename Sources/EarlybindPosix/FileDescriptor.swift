import CEarlybindSys
import EarlybindCore

/// An open file descriptor; the thin layer over open(2), read(2), write(2),
/// fsync(2) and close(2).
struct FileDescriptor {
  let rawValue: Int32
  let path: String

  /// open(2), always with O_CLOEXEC.
  static func open(_ path: String, flags: Int32, mode: UInt32 = 0o644)
    throws(SystemError) -> FileDescriptor
  {
    let fd = try withPath(path) { (cPath) throws(SystemError) -> Int32 in
      try retryingOnInterrupt("open", path) { eb_open(cPath, flags, mode) }
    }
    return FileDescriptor(rawValue: fd, path: path)
  }

  /// read(2) until `limit` bytes or end of file.
  func read(limit: Int) throws(SystemError) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: limit)
    var filled = 0
    while filled < limit {
      let (count, errno) = bytes.withUnsafeMutableBytes { buffer in
        let base = buffer.baseAddress! + filled
        return retryingOnInterrupt { eb_read(rawValue, base, limit - filled) }
      }
      if let errno { throw SystemError(syscall: "read", path: path, errno: errno) }
      if count == 0 { break }
      filled += count
    }
    bytes.removeSubrange(filled...)
    return bytes
  }

  /// write(2) of the whole buffer; sysfs attributes need it in one call,
  /// which a short buffer always gets.
  func write(_ bytes: [UInt8]) throws(SystemError) {
    var written = 0
    while written < bytes.count {
      let (count, errno) = bytes.withUnsafeBytes { buffer in
        let base = buffer.baseAddress! + written
        return retryingOnInterrupt { eb_write(rawValue, base, bytes.count - written) }
      }
      if let errno { throw SystemError(syscall: "write", path: path, errno: errno) }
      written += count
    }
  }

  /// fsync(2).
  func sync() throws(SystemError) {
    _ = try retryingOnInterrupt("fsync", path) { eb_fsync(rawValue) }
  }

  /// close(2); EINTR is not retried (the descriptor is gone either way).
  func close() {
    _ = eb_close(rawValue)
  }
}
