// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore

/// An open file descriptor; the thin layer over open(2), fstat(2), read(2),
/// write(2), fsync(2) and close(2).
package struct FileDescriptor {
  package let rawValue: Int32
  package let path: String

  package init(rawValue: Int32, path: String) {
    self.rawValue = rawValue
    self.path = path
  }

  /// open(2), always with O_CLOEXEC and O_NONBLOCK: opening a FIFO or a
  /// device must never wait (the binder must not hold a boot up), and a
  /// FIFO or device is then refused by `requireRegularFile`.
  package static func open(_ path: String, flags: Int32, mode: UInt32 = 0o644)
    throws(SystemError) -> FileDescriptor
  {
    let fd = try withPath(path) { (cPath) throws(SystemError) -> Int32 in
      try retryingOnInterrupt("open", path) { eb_open(cPath, flags | eb_o_nonblock(), mode) }
    }
    return FileDescriptor(rawValue: fd, path: path)
  }

  /// fstat(2): throws unless this is a regular file (sysfs and proc
  /// attributes, tables and configs all are), so that nothing else is ever
  /// read or written where one belongs.
  package func requireRegularFile() throws(SystemError) {
    if let error = Self.notRegularFile(rawValue, path: { path }) { throw error }
  }

  /// The error for `fd` unless it is a regular file; `path` (for the
  /// message) is only built then.
  package static func notRegularFile(_ fd: Int32, path: () -> String) -> SystemError? {
    var type: UInt32 = 0
    var size: Int64 = 0
    let (_, errno) = retryingOnInterrupt { eb_fstat(fd, &type, &size) }
    if let errno { return SystemError(syscall: "fstat", path: path(), errno: errno) }
    guard type == eb_s_ifreg() else {
      return SystemError(
        syscall: "fstat", path: path(), errno: .invalidArgument,
        detail: fileTypeName(type) + " where a regular file was expected")
    }
    return nil
  }

  package static func fileTypeName(_ type: UInt32) -> String {
    switch type {
    case eb_s_ififo(): return "a FIFO"
    case eb_s_ifchr(): return "a character device"
    case eb_s_ifblk(): return "a block device"
    case eb_s_ifdir(): return "a directory"
    case eb_s_ifsock(): return "a socket"
    case eb_s_iflnk(): return "a symbolic link"
    default: return "a file of type " + ASCII.hex(type, width: 6)
    }
  }

  /// read(2) until `limit` bytes, end of file or a short read. Sysfs and
  /// proc attributes arrive whole in one read and regular files return
  /// short only at their end, so a short read saves the extra call that
  /// would only confirm end of file.
  package func read(limit: Int) throws(SystemError) -> [UInt8] {
    // Start small and grow: attributes are a few bytes, the table a few KiB,
    // and a large zero-filled buffer per read costs page faults at boot.
    var capacity = min(limit, 512)
    var bytes: [UInt8] = []
    while true {
      let filled = bytes.count
      let requested = capacity - filled
      var failure: Errno? = nil
      var count = 0
      let chunk = [UInt8](unsafeUninitializedCapacity: requested) { buffer, initialized in
        let (result, errno) = retryingOnInterrupt {
          eb_read(rawValue, buffer.baseAddress, requested)
        }
        failure = errno
        count = errno == nil ? result : 0
        initialized = count
      }
      if bytes.isEmpty { bytes = chunk } else { bytes += chunk }
      if let failure { throw SystemError(syscall: "read", path: path, errno: failure) }
      if count < requested || bytes.count == limit { return bytes }
      capacity = min(limit, capacity * 4)
    }
  }

  /// read(2) until end of file: for pipes, whose reads return what has
  /// arrived so far.
  package func readToEnd() throws(SystemError) -> [UInt8] {
    var bytes: [UInt8] = []
    let chunkSize = 65536
    while true {
      var failure: Errno? = nil
      let chunk = [UInt8](unsafeUninitializedCapacity: chunkSize) { buffer, initialized in
        let (result, errno) = retryingOnInterrupt {
          eb_read(rawValue, buffer.baseAddress, chunkSize)
        }
        failure = errno
        initialized = errno == nil ? result : 0
      }
      if let failure { throw SystemError(syscall: "read", path: path, errno: failure) }
      if chunk.isEmpty { return bytes }
      bytes += chunk
    }
  }

  /// write(2) of the whole buffer; sysfs attributes need it in one call,
  /// which a short buffer always gets.
  package func write(_ bytes: [UInt8]) throws(SystemError) {
    try Self.writeAll(bytes, path: path) { base, count in
      retryingOnInterrupt { eb_write(rawValue, base, count) }
    }
  }

  /// Calls `write` until all of `bytes` is written. A call that writes
  /// nothing is an error: asking again would only spin.
  package static func writeAll(
    _ bytes: [UInt8], path: String,
    write: (UnsafeRawPointer, Int) -> (Int, Errno?)
  ) throws(SystemError) {
    var written = 0
    while written < bytes.count {
      let (count, errno) = bytes.withUnsafeBytes { buffer in
        write(buffer.baseAddress! + written, bytes.count - written)
      }
      if let errno { throw SystemError(syscall: "write", path: path, errno: errno) }
      if count <= 0 {
        throw SystemError(
          syscall: "write", path: path, errno: .ioError,
          detail: "wrote 0 of " + ASCII.decimal(bytes.count - written) + " bytes")
      }
      written += count
    }
  }

  /// fsync(2).
  package func sync() throws(SystemError) {
    _ = try retryingOnInterrupt("fsync", path) { eb_fsync(rawValue) }
  }

  /// close(2); EINTR is not retried (the descriptor is gone either way).
  package func close() {
    _ = eb_close(rawValue)
  }
}
