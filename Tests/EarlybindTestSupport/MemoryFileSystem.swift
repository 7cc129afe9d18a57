// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import Foundation

/// A file system held in memory, for host tests that need no disk:
/// folders, regular files and symlinks (absolute or relative, followed as
/// the kernel follows them), with the errors the real calls give. Writes
/// behave like sysfs attributes: a file must exist and is replaced whole.
/// A class, so that every copy of the environment sees the same tree.
public final class MemoryFileSystem: HostFileSystem {
  enum Node {
    case file([UInt8], mode: UInt32, owner: UInt32)
    case directory(mode: UInt32, owner: UInt32)
    case symlink(String)
  }

  /// By absolute path without symlinks (`/sys/bus/pci`); `/` always exists.
  var nodes: [String: Node] = ["/": .directory(mode: 0o755, owner: 0)]
  /// The owner of what is created.
  public var owner: UInt32

  public init(owner: UInt32 = 0) { self.owner = owner }

  // MARK: paths

  static func components(_ path: String) -> [String] {
    path.split(separator: "/").map(String.init)
  }

  static func join(_ parent: String, _ name: String) -> String {
    parent == "/" ? "/" + name : parent + "/" + name
  }

  /// `path` with `.`, `..` and every symlink resolved, except the last
  /// component's unless `followingLast`; the last component need not exist.
  func resolve(_ path: String, followingLast: Bool, syscall: String) throws(SystemError)
    -> String
  {
    var pending = Self.components(path)
    var current = "/"
    var hops = 0
    while !pending.isEmpty {
      let name = pending.removeFirst()
      if name == "." { continue }
      if name == ".." {
        current = Paths.parent(current).isEmpty ? "/" : Paths.parent(current)
        continue
      }
      guard case .directory = nodes[current] else {
        throw SystemError(syscall: syscall, path: path, errno: .notADirectory)
      }
      let next = Self.join(current, name)
      if case .symlink(let target) = nodes[next], followingLast || !pending.isEmpty {
        hops += 1
        if hops > 40 { throw SystemError(syscall: syscall, path: path, errno: .tooManyLinks) }
        pending = Self.components(target) + pending
        if target.hasPrefix("/") { current = "/" }
        continue
      }
      if nodes[next] == nil, !pending.isEmpty {
        throw SystemError(syscall: syscall, path: path, errno: .noSuchFile)
      }
      current = next
    }
    return current
  }

  func existing(_ path: String, followingLast: Bool = true, syscall: String) throws(SystemError)
    -> (path: String, node: Node)
  {
    let resolved = try resolve(path, followingLast: followingLast, syscall: syscall)
    guard let node = nodes[resolved] else {
      throw SystemError(syscall: syscall, path: path, errno: .noSuchFile)
    }
    return (resolved, node)
  }

  /// Where a new entry `path` goes: its parent must be a folder.
  func place(_ path: String, syscall: String) throws(SystemError) -> String {
    let resolved = try resolve(path, followingLast: false, syscall: syscall)
    guard case .directory = nodes[Paths.parent(resolved).isEmpty ? "/" : Paths.parent(resolved)]
    else { throw SystemError(syscall: syscall, path: path, errno: .noSuchFile) }
    return resolved
  }

  // MARK: FileSystem

  public func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8] {
    switch try existing(path, syscall: "open").node {
    case .file(let bytes, _, _): return Array(bytes.prefix(limit))
    case .directory: throw SystemError(syscall: "read", path: path, errno: .isADirectory)
    case .symlink: throw SystemError(syscall: "open", path: path, errno: .noSuchFile)
    }
  }

  public func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    let (resolved, node) = try existing(path, syscall: "open")
    guard case .file(_, let mode, let owner) = node else {
      throw SystemError(syscall: "open", path: path, errno: .isADirectory)
    }
    nodes[resolved] = .file(bytes, mode: mode, owner: owner)
  }

  public func readLink(_ path: String) throws(SystemError) -> String {
    guard
      case .symlink(let target) = try existing(path, followingLast: false, syscall: "readlink").node
    else { throw SystemError(syscall: "readlink", path: path, errno: .invalidArgument) }
    return target
  }

  public func listDirectory(_ path: String) throws(SystemError) -> [String] {
    let (resolved, node) = try existing(path, syscall: "open")
    guard case .directory = node else {
      throw SystemError(syscall: "open", path: path, errno: .notADirectory)
    }
    let prefix = resolved == "/" ? "/" : resolved + "/"
    return nodes.keys.filter {
      $0.hasPrefix(prefix) && $0 != "/" && !$0.dropFirst(prefix.count).contains("/")
    }
    .map { String($0.dropFirst(prefix.count)) }
  }

  // MARK: FileCreating

  public func makeDirectories(_ path: String) throws(SystemError) {
    var current = ""
    for name in Self.components(path) {
      current += "/" + name
      let resolved = try resolve(current, followingLast: true, syscall: "mkdir")
      switch nodes[resolved] {
      case .directory: continue
      case nil: nodes[resolved] = .directory(mode: 0o755, owner: owner)
      default: throw SystemError(syscall: "mkdir", path: path, errno: .notADirectory)
      }
    }
  }

  public func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws(SystemError) {
    try replaceFile(path, with: bytes, mode: mode, owner: owner)
  }

  public func replaceVolatileFile(_ path: String, with bytes: [UInt8]) throws(SystemError) {
    try replaceFile(path, with: bytes, mode: 0o644, owner: owner)
  }

  // MARK: HostFileSystem

  public func status(_ path: String, followingLinks: Bool) throws(SystemError) -> FileStatus {
    let syscall = followingLinks ? "stat" : "lstat"
    switch try existing(path, followingLast: followingLinks, syscall: syscall).node {
    case .file(let bytes, let mode, let owner):
      return FileStatus(
        kind: .regular, permissions: mode, owner: owner, size: Int64(bytes.count))
    case .directory(let mode, let owner):
      return FileStatus(kind: .directory, permissions: mode, owner: owner)
    case .symlink(let target):
      return FileStatus(
        kind: .symlink, permissions: 0o777, owner: owner, size: Int64(target.utf8.count))
    }
  }

  public func resolvedPath(_ path: String) throws(SystemError) -> String {
    try existing(path, syscall: "realpath").path
  }

  public func isExecutable(_ path: String) -> Bool {
    guard case .file(_, let mode, _) = try? existing(path, syscall: "access").node else {
      return false
    }
    return mode & 0o111 != 0
  }

  public func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32, owner: UInt32)
    throws(SystemError)
  {
    let resolved = try place(path, syscall: "open")
    if case .directory = nodes[resolved] {
      throw SystemError(syscall: "rename", path: path, errno: .isADirectory)
    }
    nodes[resolved] = .file(bytes, mode: mode, owner: owner)
  }

  public func removeFile(_ path: String) throws(SystemError) {
    let (resolved, node) = try existing(path, followingLast: false, syscall: "unlink")
    if case .directory = node {
      throw SystemError(syscall: "unlink", path: path, errno: .isADirectory)
    }
    nodes[resolved] = nil
  }

  public func removeDirectory(_ path: String) throws(SystemError) {
    let (resolved, node) = try existing(path, followingLast: false, syscall: "rmdir")
    guard case .directory = node else {
      throw SystemError(syscall: "rmdir", path: path, errno: .notADirectory)
    }
    guard try listDirectory(resolved).isEmpty else {
      throw SystemError(syscall: "rmdir", path: path, errno: Errno(rawValue: ENOTEMPTY))
    }
    nodes[resolved] = nil
  }

  /// No process leaves anything behind in memory.
  @discardableResult
  public func removeStaleTemporaryFiles(of path: String) -> [String] { [] }

  // MARK: building trees

  /// A symlink at `path` holding `target` as it is, with its folders.
  public func link(_ path: String, to target: String) throws(SystemError) {
    try makeDirectories(Paths.parent(path))
    let resolved = try place(path, syscall: "symlink")
    guard nodes[resolved] == nil else {
      throw SystemError(syscall: "symlink", path: path, errno: .exists)
    }
    nodes[resolved] = .symlink(target)
  }

  /// Writes a whole file (mode 0644), with its folders.
  public func write(_ path: String, _ bytes: [UInt8]) throws(SystemError) {
    try makeDirectories(Paths.parent(path))
    try replaceFile(path, with: bytes, mode: 0o644, owner: owner)
  }
}

/// A folder of a `MemoryFileSystem` with `TemporaryDirectory`'s calls, so
/// fixtures build the same trees in memory as on disk.
public final class MemoryDirectory: FakeTree {
  public let fileSystem: MemoryFileSystem
  public let path: String

  public init(_ fileSystem: MemoryFileSystem, path: String = "/memory") throws {
    self.fileSystem = fileSystem
    self.path = path
    try fileSystem.makeDirectories(path)
  }

  public func file(_ relative: String) -> String { path + "/" + relative }

  public func write(_ relative: String, _ bytes: [UInt8]) throws {
    try fileSystem.write(file(relative), bytes)
  }

  public func read(_ relative: String) -> String? {
    guard let bytes = try? fileSystem.readFile(file(relative), limit: Int.max) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  public func makeDirectory(_ relative: String) throws {
    try fileSystem.makeDirectories(file(relative))
  }

  public func link(_ relative: String, to destination: String) throws {
    try fileSystem.link(file(relative), to: destination)
  }

  public func remove(_ relative: String) throws {
    let full = file(relative)
    if fileSystem.isDirectory(full)
      && (try? fileSystem.status(full, followingLinks: false))?.kind
        == .directory
    {
      for name in try fileSystem.listDirectory(full) { try remove(relative + "/" + name) }
      try fileSystem.removeDirectory(full)
    } else {
      try fileSystem.removeFile(full)
    }
  }

  public func list(_ relative: String) -> [String] {
    ((try? fileSystem.listDirectory(file(relative))) ?? []).sorted()
  }

  public func exists(_ relative: String) -> Bool { fileSystem.exists(file(relative)) }

  public func readLink(_ relative: String) -> String? { try? fileSystem.readLink(file(relative)) }
}
