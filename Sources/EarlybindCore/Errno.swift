// SPDX-License-Identifier: Apache-2.0
/// An errno value with its symbolic name, so messages read
/// `No such file or directory (ENOENT)` without libc's strerror.
public struct Errno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: Int32
  public init(rawValue: Int32) { self.rawValue = rawValue }

  public static let notPermitted = Errno(rawValue: 1)
  public static let noSuchFile = Errno(rawValue: 2)
  public static let interrupted = Errno(rawValue: 4)
  public static let ioError = Errno(rawValue: 5)
  public static let noSuchDevice = Errno(rawValue: 19)
  public static let invalidArgument = Errno(rawValue: 22)
  public static let exists = Errno(rawValue: 17)
  public static let busy = Errno(rawValue: 16)
  public static let notADirectory = Errno(rawValue: 20)
  public static let nameTooLong = Errno(rawValue: 36)
  public static let tooManyLinks = Errno(rawValue: 40)
  public static let wouldBlock = Errno(rawValue: 11)
  public static let noSuchProcess = Errno(rawValue: 3)
  public static let accessDenied = Errno(rawValue: 13)
  public static let readOnlyFileSystem = Errno(rawValue: 30)

  static let names: [(Int32, String, String)] = [
    (1, "EPERM", "Operation not permitted"),
    (2, "ENOENT", "No such file or directory"),
    (3, "ESRCH", "No such process"),
    (4, "EINTR", "Interrupted system call"),
    (5, "EIO", "Input/output error"),
    (6, "ENXIO", "No such device or address"),
    (7, "E2BIG", "Argument list too long"),
    (9, "EBADF", "Bad file descriptor"),
    (11, "EAGAIN", "Resource temporarily unavailable"),
    (12, "ENOMEM", "Cannot allocate memory"),
    (13, "EACCES", "Permission denied"),
    (16, "EBUSY", "Device or resource busy"),
    (17, "EEXIST", "File exists"),
    (18, "EXDEV", "Invalid cross-device link"),
    (19, "ENODEV", "No such device"),
    (20, "ENOTDIR", "Not a directory"),
    (21, "EISDIR", "Is a directory"),
    (22, "EINVAL", "Invalid argument"),
    (24, "EMFILE", "Too many open files"),
    (27, "EFBIG", "File too large"),
    (28, "ENOSPC", "No space left on device"),
    (30, "EROFS", "Read-only file system"),
    (36, "ENAMETOOLONG", "File name too long"),
    (38, "ENOSYS", "Function not implemented"),
    (40, "ELOOP", "Too many levels of symbolic links"),
    (95, "EOPNOTSUPP", "Operation not supported"),
  ]

  public var name: String {
    for entry in Self.names where entry.0 == rawValue { return entry.1 }
    return "errno " + ASCII.decimal(Int(rawValue))
  }

  public var description: String {
    for entry in Self.names where entry.0 == rawValue { return entry.2 + " (" + entry.1 + ")" }
    return "errno " + ASCII.decimal(Int(rawValue))
  }
}

/// A failed system call: which call, on what path, and the errno.
public struct SystemError: Error, Hashable, Sendable, CustomStringConvertible {
  public var syscall: String
  public var path: String
  public var errno: Errno
  /// Set when the call worked but found the wrong kind of file (a FIFO
  /// where a regular file belongs); it replaces the errno's text.
  public var detail: String?

  public init(syscall: String, path: String, errno: Errno, detail: String? = nil) {
    self.syscall = syscall
    self.path = path
    self.errno = errno
    self.detail = detail
  }

  public var description: String {
    syscall + " " + path + ": " + (detail ?? errno.description)
  }
}
