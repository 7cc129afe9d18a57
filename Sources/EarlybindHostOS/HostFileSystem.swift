// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

/// The file operations the host tool needs beyond the core's `FileSystem`:
/// status, real paths, owners, removal. The running system's is
/// `PosixFileSystem`; tests run the host on an in-memory one.
public protocol HostFileSystem: FileSystem, FileCreating {
  /// stat(2), or lstat(2) with `followingLinks: false`.
  func status(_ path: String, followingLinks: Bool) throws(SystemError) -> FileStatus
  /// realpath(3): absolute, every symlink and `.`/`..` resolved.
  func resolvedPath(_ path: String) throws(SystemError) -> String
  /// A regular file this process may execute.
  func isExecutable(_ path: String) -> Bool
  /// Writes `path` atomically (see `replaceFile`), owned by `owner`.
  func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32, owner: UInt32)
    throws(SystemError)
  func removeFile(_ path: String) throws(SystemError)
  /// Only an empty directory goes.
  func removeDirectory(_ path: String) throws(SystemError)
  /// Removes the temporary files killed writers of `path` left beside it;
  /// returns what was removed.
  @discardableResult
  func removeStaleTemporaryFiles(of path: String) -> [String]
}

/// One entry below a walked directory.
public struct WalkEntry: Hashable, Sendable {
  /// Relative to the walked directory, `/`-separated.
  public var path: String
  /// The entry itself: a symlink is reported as one, never followed.
  public var kind: FileStatus.Kind
}

extension HostFileSystem {
  public func status(_ path: String) throws(SystemError) -> FileStatus {
    try status(path, followingLinks: true)
  }

  /// Whether anything is there (a dangling symlink is not).
  public func exists(_ path: String) -> Bool {
    (try? status(path)) != nil
  }

  public func isDirectory(_ path: String) -> Bool {
    (try? status(path))?.kind == .directory
  }

  /// `path` with symlinks in its last component followed (a dangling
  /// one too), so that a file replaced by rename is replaced at its
  /// target and the link stays. Relative targets are taken from the
  /// link's folder. Parent directories are left as they are.
  public func linkTarget(_ path: String) throws(SystemError) -> String {
    var current = path
    for _ in 0..<40 {
      guard (try? status(current, followingLinks: false))?.kind == .symlink else {
        return current
      }
      let target = try readLink(current)
      if target.hasPrefix("/") {
        current = target
      } else {
        let parent = Paths.parent(current)
        current = parent.isEmpty ? target : Paths.join(parent, target)
      }
    }
    throw SystemError(syscall: "readlink", path: path, errno: .tooManyLinks)
  }

  /// Throws unless `path` is a regular file or absent: what is replaced
  /// by rename must not be a FIFO, socket, device or directory.
  public func requireRegularOrAbsent(_ path: String) throws(SystemError) {
    guard let status = try? status(path, followingLinks: false) else { return }
    guard status.kind == .regular else {
      throw SystemError(
        syscall: "lstat", path: path, errno: .invalidArgument,
        detail: status.kind.name + " where a regular file was expected")
    }
  }

  /// Everything below `root`, depth first, sorted by path. Symlinked
  /// directories are listed, not entered.
  public func walk(_ root: String) throws(SystemError) -> [WalkEntry] {
    var entries: [WalkEntry] = []
    var pending = [""]
    while let relative = pending.popLast() {
      let directory = relative.isEmpty ? root : Paths.join(root, relative)
      for name in try listDirectory(directory) {
        let path = relative.isEmpty ? name : relative + "/" + name
        let kind = try status(Paths.join(root, path), followingLinks: false).kind
        entries.append(WalkEntry(path: path, kind: kind))
        if kind == .directory { pending.append(path) }
      }
    }
    entries.sort { $0.path < $1.path }
    return entries
  }
}

/// A host file system behind an existential, for the core's generic
/// scanner, device control and binder.
public struct AnyHostFileSystem: HostFileSystem {
  public var base: any HostFileSystem

  public init(_ base: any HostFileSystem) { self.base = base }

  public func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
    try base.readFile(path, limit: limit)
  }
  public func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    try base.writeFile(path, bytes)
  }
  public func readLink(_ path: String) throws(SystemError) -> String { try base.readLink(path) }
  public func listDirectory(_ path: String) throws(SystemError) -> [String] {
    try base.listDirectory(path)
  }
  public func makeDirectories(_ path: String) throws(SystemError) {
    try base.makeDirectories(path)
  }
  public func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws(SystemError) {
    try base.replaceFile(path, with: bytes, mode: mode)
  }
  public func replaceVolatileFile(_ path: String, with bytes: [UInt8]) throws(SystemError) {
    try base.replaceVolatileFile(path, with: bytes)
  }
  public func status(_ path: String, followingLinks: Bool) throws(SystemError) -> FileStatus {
    try base.status(path, followingLinks: followingLinks)
  }
  public func resolvedPath(_ path: String) throws(SystemError) -> String {
    try base.resolvedPath(path)
  }
  public func isExecutable(_ path: String) -> Bool { base.isExecutable(path) }
  public func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32, owner: UInt32)
    throws(SystemError)
  {
    try base.replaceFile(path, with: bytes, mode: mode, owner: owner)
  }
  public func removeFile(_ path: String) throws(SystemError) { try base.removeFile(path) }
  public func removeDirectory(_ path: String) throws(SystemError) {
    try base.removeDirectory(path)
  }
  @discardableResult
  public func removeStaleTemporaryFiles(of path: String) -> [String] {
    base.removeStaleTemporaryFiles(of: path)
  }
}
