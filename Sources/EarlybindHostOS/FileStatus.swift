// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

/// A device number split as the kernel encodes `dev_t` (glibc's `major()`
/// and `minor()`): `8:2` for /dev/sda2.
public struct DeviceNumber: Hashable, Sendable, CustomStringConvertible {
  public var major: UInt32
  public var minor: UInt32

  public init(major: UInt32, minor: UInt32) {
    self.major = major
    self.minor = minor
  }

  /// Splits an encoded `dev_t` (stat's `st_dev`, the old hex `root=0802`).
  public init(encoded device: UInt64) {
    let major = ((device >> 8) & 0xFFF) | ((device >> 32) & ~UInt64(0xFFF))
    let minor = (device & 0xFF) | ((device >> 12) & ~UInt64(0xFF))
    self.init(
      major: UInt32(truncatingIfNeeded: major), minor: UInt32(truncatingIfNeeded: minor))
  }

  /// `8:2`, as `/sys/dev/block/` names it.
  public var description: String { String(major) + ":" + String(minor) }
}

/// What stat(2) says about a path: the little the host tool needs.
public struct FileStatus: Hashable, Sendable {
  public enum Kind: Hashable, Sendable {
    case regular
    case directory
    case symlink
    case blockDevice
    case characterDevice
    case fifo
    case socket
    case other

    /// `a FIFO`, for messages.
    public var name: String {
      switch self {
      case .regular: return "a regular file"
      case .directory: return "a directory"
      case .symlink: return "a symbolic link"
      case .blockDevice: return "a block device"
      case .characterDevice: return "a character device"
      case .fifo: return "a FIFO"
      case .socket: return "a socket"
      case .other: return "a special file"
      }
    }
  }

  public var kind: Kind
  /// Permission bits (`0o644`), set-id and sticky bits included, no type.
  public var permissions: UInt32
  /// The owner's uid (`st_uid`).
  public var owner: UInt32
  /// The device of the filesystem holding the path (`st_dev`).
  public var device: DeviceNumber
  /// For a device node, the device it stands for (`st_rdev`).
  public var representedDevice: DeviceNumber
  public var size: Int64

  public init(
    kind: Kind, permissions: UInt32, owner: UInt32,
    device: DeviceNumber = DeviceNumber(major: 0, minor: 0),
    representedDevice: DeviceNumber = DeviceNumber(major: 0, minor: 0), size: Int64 = 0
  ) {
    self.kind = kind
    self.permissions = permissions
    self.owner = owner
    self.device = device
    self.representedDevice = representedDevice
    self.size = size
  }

  init(_ raw: eb_file_status) {
    switch raw.mode & eb_s_ifmt() {
    case eb_s_ifreg(): kind = .regular
    case eb_s_ifdir(): kind = .directory
    case eb_s_iflnk(): kind = .symlink
    case eb_s_ifblk(): kind = .blockDevice
    case eb_s_ifchr(): kind = .characterDevice
    case eb_s_ififo(): kind = .fifo
    case eb_s_ifsock(): kind = .socket
    default: kind = .other
    }
    permissions = raw.mode & 0o7777
    owner = raw.owner
    device = DeviceNumber(encoded: raw.device)
    representedDevice = DeviceNumber(encoded: raw.represented_device)
    size = raw.size
  }
}

extension PosixFileSystem: HostFileSystem {
  /// stat(2), or lstat(2) with `followingLinks: false`.
  public func status(_ path: String, followingLinks: Bool) throws(SystemError)
    -> FileStatus
  {
    var raw = eb_file_status()
    _ = try withPath(path) { (cPath) throws(SystemError) -> Int32 in
      try retryingOnInterrupt(followingLinks ? "stat" : "lstat", path) {
        eb_stat(cPath, followingLinks ? 1 : 0, &raw)
      }
    }
    return FileStatus(raw)
  }

  /// A regular file this process may execute (access(2) with X_OK).
  public func isExecutable(_ path: String) -> Bool {
    guard (try? status(path))?.kind == .regular else { return false }
    return path.withCString { eb_access($0, eb_x_ok()) } == 0
  }

  /// realpath(3): absolute, every symlink and `.`/`..` resolved.
  public func resolvedPath(_ path: String) throws(SystemError) -> String {
    let resolved: Result<String, SystemError> = path.withCString { cPath in
      guard let buffer = eb_realpath(cPath) else {
        return .failure(
          SystemError(syscall: "realpath", path: path, errno: Errno(rawValue: eb_errno())))
      }
      defer { eb_free(buffer) }
      return .success(String(cString: buffer))
    }
    return try resolved.get()
  }

  /// Writes `path` atomically (see `replaceFile`), owned by `owner`.
  public func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32, owner: UInt32)
    throws(SystemError)
  {
    try replace(path, with: bytes, mode: mode, durable: true) { (fd) throws(SystemError) in
      _ = try retryingOnInterrupt("fchown", fd.path) { eb_fchown(fd.rawValue, owner) }
    }
  }

  /// unlink(2).
  public func removeFile(_ path: String) throws(SystemError) {
    _ = try withPath(path) { (cPath) throws(SystemError) -> Int32 in
      try retryingOnInterrupt("unlink", path) { eb_unlink(cPath) }
    }
  }

  /// rmdir(2): only an empty directory goes.
  public func removeDirectory(_ path: String) throws(SystemError) {
    _ = try withPath(path) { (cPath) throws(SystemError) -> Int32 in
      try retryingOnInterrupt("rmdir", path) { eb_rmdir(cPath) }
    }
  }
}
