// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore

/// `FileSystem` on the real kernel interfaces.
public struct PosixFileSystem: FileSystem, FileCreating {
  public init() {}

  public func openDirectory(_ path: String) throws(SystemError) -> PosixDirectory {
    try PosixDirectory(path)
  }

  /// Only a regular file is read: a FIFO or device there is an error.
  public func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
    let fd = try FileDescriptor.open(path, flags: eb_o_rdonly())
    defer { fd.close() }
    try fd.requireRegularFile()
    return try fd.read(limit: limit)
  }

  /// Only a regular file is written (a sysfs attribute is one): opening a
  /// FIFO without a reader fails (ENXIO), one with a reader is refused.
  public func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    let fd = try FileDescriptor.open(path, flags: eb_o_wronly())
    defer { fd.close() }
    try fd.requireRegularFile()
    try fd.write(bytes)
  }

  /// readlink(2), into a stack buffer first: sysfs links are short. A
  /// target that fills it is read again with room for PATH_MAX.
  public func readLink(_ path: String) throws(SystemError) -> String {
    for capacity in [256, 4096] {
      let result: Result<String?, SystemError> = path.withCString { cPath in
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: capacity) { buffer in
          let (count, errno) = retryingOnInterrupt {
            eb_readlink(cPath, buffer.baseAddress, buffer.count)
          }
          if let errno {
            return .failure(SystemError(syscall: "readlink", path: path, errno: errno))
          }
          if count == buffer.count { return .success(nil) }
          let bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: count)
          return .success(String(decoding: bytes, as: UTF8.self))
        }
      }
      if let target = try result.get() { return target }
    }
    throw SystemError(syscall: "readlink", path: path, errno: .nameTooLong)
  }

  /// getdents64(2) on an O_DIRECTORY descriptor, in large batches.
  public func listDirectory(_ path: String) throws(SystemError) -> [String] {
    let fd = try FileDescriptor.open(path, flags: eb_o_rdonly() | eb_o_directory())
    defer { fd.close() }
    var names: [String] = []
    var buffer = [UInt8](unsafeUninitializedCapacity: 32768) { _, initialized in
      initialized = 32768
    }
    while true {
      let (length, errno) = buffer.withUnsafeMutableBytes { raw in
        let (length, errno) = retryingOnInterrupt {
          eb_getdents(fd.rawValue, raw.baseAddress, raw.count)
        }
        var offset = 0
        while length > 0, let name = eb_dirent_next(raw.baseAddress, length, &offset, nil) {
          names.append(String(cString: name))
        }
        return (length, errno)
      }
      if let errno { throw SystemError(syscall: "getdents64", path: path, errno: errno) }
      if length == 0 { break }
    }
    return names
  }

  /// mkdir(2) for each missing component, like `mkdir -p`; the whole path
  /// first, since it usually lacks only its last component or nothing.
  public func makeDirectories(_ path: String) throws(SystemError) {
    var errno = makeDirectory(path)
    if errno == Errno.noSuchFile.rawValue {
      // Parents first; one that is a file makes the next mkdir fail ENOTDIR.
      let bytes = Array(path.utf8)
      for end in 1..<max(bytes.count, 1) where bytes[end] == 0x2F {
        _ = makeDirectory(String(decoding: bytes[0..<end], as: UTF8.self))
      }
      errno = makeDirectory(path)
    }
    if errno == Errno.exists.rawValue {
      // mkdir -p accepts an existing directory, not a file of that name.
      guard let directory = try? FileDescriptor.open(path, flags: eb_o_rdonly() | eb_o_directory())
      else { throw SystemError(syscall: "mkdir", path: path, errno: .notADirectory) }
      directory.close()
      return
    }
    if errno != 0 { throw SystemError(syscall: "mkdir", path: path, errno: Errno(rawValue: errno)) }
  }

  /// mkdir(2); 0 or the errno.
  func makeDirectory(_ path: String) -> Int32 {
    path.withCString { eb_mkdir($0, 0o755) } == 0 ? 0 : eb_errno()
  }

  /// Writes `path.tmp.PID` (O_EXCL), fsyncs it and renames it over `path`,
  /// so readers see the old file or the new one, never a torn one. The
  /// directory is fsynced too, so the rename itself survives a crash.
  public func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws(SystemError) {
    try replace(path, with: bytes, mode: mode, durable: true)
  }

  public func replaceVolatileFile(_ path: String, with bytes: [UInt8]) throws(SystemError) {
    try replace(path, with: bytes, mode: 0o644, durable: false)
  }

  /// `replace` writes PATH + this + PID; `removeStaleTemporaryFiles`
  /// looks for exactly that name.
  package static let temporaryMarker = ".tmp."

  /// `prepare` runs on the finished temporary file before it is written
  /// (the host gives it its owner there).
  package func replace(
    _ path: String, with bytes: [UInt8], mode: UInt32, durable: Bool,
    prepare: (FileDescriptor) throws(SystemError) -> Void = { _ in }
  ) throws(SystemError) {
    let temporary = path + Self.temporaryMarker + String(eb_getpid())
    let fd = try FileDescriptor.open(temporary, flags: eb_o_creat_excl_wronly(), mode: 0o600)
    var open = true
    do throws(SystemError) {
      // fchmod, not the open mode: the umask must not change what we install.
      _ = try retryingOnInterrupt("fchmod", temporary) { eb_fchmod(fd.rawValue, mode) }
      try prepare(fd)
      try fd.write(bytes)
      if durable { try fd.sync() }
      fd.close()
      open = false
      try withPath(temporary) { (from) throws(SystemError) in
        try withPath(path) { (to) throws(SystemError) in
          _ = try retryingOnInterrupt("rename", path) { eb_rename(from, to) }
        }
      }
      let parent = Paths.parent(path)
      if durable,
        let directory = try? FileDescriptor.open(
          parent.isEmpty ? "." : parent, flags: eb_o_rdonly() | eb_o_directory())
      {
        try? directory.sync()
        directory.close()
      }
    } catch {
      if open { fd.close() }
      _ = temporary.withCString { eb_unlink($0) }
      throw error
    }
  }
}
