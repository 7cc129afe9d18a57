// SPDX-License-Identifier: Apache-2.0
/// An errno by what it means, with its symbolic name, so messages read
/// `No such file or directory (ENOENT)` without libc's strerror. The core
/// knows no numbers: the OS layer maps the platform's values (from its C
/// headers) to these cases and back, so a port cannot mislabel an error.
public enum Errno: Hashable, Sendable, CustomStringConvertible {
  /// EPERM
  case notPermitted
  /// ENOENT
  case noSuchFile
  /// ESRCH
  case noSuchProcess
  /// EINTR
  case interrupted
  /// EIO
  case ioError
  /// ENXIO
  case noSuchDeviceOrAddress
  /// E2BIG
  case argumentListTooLong
  /// EBADF
  case badFileDescriptor
  /// EAGAIN
  case wouldBlock
  /// ENOMEM
  case outOfMemory
  /// EACCES
  case accessDenied
  /// EBUSY
  case busy
  /// EEXIST
  case exists
  /// EXDEV
  case crossDeviceLink
  /// ENODEV
  case noSuchDevice
  /// ENOTDIR
  case notADirectory
  /// EISDIR
  case isADirectory
  /// EINVAL
  case invalidArgument
  /// EMFILE
  case tooManyOpenFiles
  /// EFBIG
  case fileTooLarge
  /// ENOSPC
  case noSpace
  /// EROFS
  case readOnlyFileSystem
  /// ENAMETOOLONG
  case nameTooLong
  /// ENOSYS
  case notImplemented
  /// ELOOP
  case tooManyLinks
  /// EOPNOTSUPP
  case notSupported
  /// A value the project has no name for, as the platform numbers it.
  case other(Int32)

  /// The case's symbolic name and text.
  var names: (name: String, text: String)? {
    switch self {
    case .notPermitted: return ("EPERM", "Operation not permitted")
    case .noSuchFile: return ("ENOENT", "No such file or directory")
    case .noSuchProcess: return ("ESRCH", "No such process")
    case .interrupted: return ("EINTR", "Interrupted system call")
    case .ioError: return ("EIO", "Input/output error")
    case .noSuchDeviceOrAddress: return ("ENXIO", "No such device or address")
    case .argumentListTooLong: return ("E2BIG", "Argument list too long")
    case .badFileDescriptor: return ("EBADF", "Bad file descriptor")
    case .wouldBlock: return ("EAGAIN", "Resource temporarily unavailable")
    case .outOfMemory: return ("ENOMEM", "Cannot allocate memory")
    case .accessDenied: return ("EACCES", "Permission denied")
    case .busy: return ("EBUSY", "Device or resource busy")
    case .exists: return ("EEXIST", "File exists")
    case .crossDeviceLink: return ("EXDEV", "Invalid cross-device link")
    case .noSuchDevice: return ("ENODEV", "No such device")
    case .notADirectory: return ("ENOTDIR", "Not a directory")
    case .isADirectory: return ("EISDIR", "Is a directory")
    case .invalidArgument: return ("EINVAL", "Invalid argument")
    case .tooManyOpenFiles: return ("EMFILE", "Too many open files")
    case .fileTooLarge: return ("EFBIG", "File too large")
    case .noSpace: return ("ENOSPC", "No space left on device")
    case .readOnlyFileSystem: return ("EROFS", "Read-only file system")
    case .nameTooLong: return ("ENAMETOOLONG", "File name too long")
    case .notImplemented: return ("ENOSYS", "Function not implemented")
    case .tooManyLinks: return ("ELOOP", "Too many levels of symbolic links")
    case .notSupported: return ("EOPNOTSUPP", "Operation not supported")
    case .other: return nil
    }
  }

  public var name: String {
    if let names { return names.name }
    if case .other(let number) = self { return "errno " + ASCII.decimal(Int(number)) }
    return ""
  }

  public var description: String {
    if let names { return names.text + " (" + names.name + ")" }
    return name
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
