// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore

/// A directory descriptor: one getdents64 listing into a buffer allocated
/// once, and files below it opened with openat(2), type-checked with
/// fstat(2) and read with one read(2) into the caller's buffer. Per file,
/// nothing is allocated and no path is built.
public struct PosixDirectory: DirectoryHandle {
  let fd: Int32
  let path: String

  init(_ path: String) throws(SystemError) {
    let descriptor = try FileDescriptor.open(path, flags: eb_o_rdonly() | eb_o_directory())
    fd = descriptor.rawValue
    self.path = path
  }

  public func forEachEntry(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(SystemError) {
    let size = 32768
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    defer { buffer.deallocate() }
    while true {
      let (length, errno) = retryingOnInterrupt { eb_getdents(fd, buffer, size) }
      if let errno { throw SystemError(syscall: "getdents64", path: path, errno: errno) }
      if length == 0 { return }
      var offset = 0
      while let name = eb_dirent_next(buffer, length, &offset, nil) {
        name.withMemoryRebound(to: UInt8.self, capacity: 256) { bytes in
          var count = 0
          while bytes[count] != 0 { count += 1 }
          body(UnsafeBufferPointer(start: bytes, count: count))
        }
      }
    }
  }

  public func read(_ name: UnsafePointer<CChar>, into buffer: UnsafeMutableRawBufferPointer)
    throws(SystemError) -> Int?
  {
    let (file, openErrno) = retryingOnInterrupt {
      eb_openat(fd, name, eb_o_rdonly() | eb_o_nonblock(), 0)
    }
    if let openErrno {
      if openErrno == .noSuchFile || openErrno == .notADirectory { return nil }
      throw SystemError(syscall: "open", path: child(name), errno: openErrno)
    }
    defer { _ = eb_close(file) }
    if let error = FileDescriptor.notRegularFile(file, path: { child(name) }) { throw error }
    let (count, readErrno) = retryingOnInterrupt {
      eb_read(file, buffer.baseAddress, buffer.count)
    }
    if let readErrno { throw SystemError(syscall: "read", path: child(name), errno: readErrno) }
    return count
  }

  /// The path of `name`, for messages only.
  func child(_ name: UnsafePointer<CChar>) -> String {
    Paths.join(path, String(cString: name))
  }

  public func close() {
    _ = eb_close(fd)
  }
}
