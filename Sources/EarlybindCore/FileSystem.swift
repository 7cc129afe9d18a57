// SPDX-License-Identifier: Apache-2.0
/// The file operations the scanner and binder need, kept small so the posix
/// implementation is the one place for raw calls. Tests run that
/// implementation on sysfs-shaped trees in temp directories, wrapped when
/// they need to watch the writes; the planner, which reads no files, is
/// tested on a `MemoryTopology`.
public protocol FileSystem {
  /// An open directory the scanner reads devices through.
  associatedtype Directory: DirectoryHandle = PathDirectory<Self>

  /// Opens the directory `path` for reads relative to it.
  func openDirectory(_ path: String) throws(SystemError) -> Directory
  /// Reads at most `limit` bytes (sysfs attributes are short).
  func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8]
  /// Writes `bytes` with one write(2), as sysfs attributes require.
  func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError)
  func readLink(_ path: String) throws(SystemError) -> String
  /// Entry names, unsorted, without `.` and `..`.
  func listDirectory(_ path: String) throws(SystemError) -> [String]
}

/// A directory held open so that files below it are read relative to it
/// (openat(2)): the scanner's per-device path, with no path string, array or
/// lookup of the directory's own path per device. Names are NUL-terminated
/// C strings relative to the directory, such as `0000:03:00.0/modalias`.
public protocol DirectoryHandle {
  /// Calls `body` with the name of each entry except `.` and `..`, as bytes
  /// valid only during the call, in the order the directory lists them.
  func forEachEntry(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(SystemError)
  /// Reads the regular file `name` into `buffer` with one read: the number
  /// of bytes, or nil when there is no such file (ENOENT, ENOTDIR).
  func read(_ name: UnsafePointer<CChar>, into buffer: UnsafeMutableRawBufferPointer)
    throws(SystemError) -> Int?
  func close()
}

/// `DirectoryHandle` through a file system's path-based calls, for file
/// systems without directory descriptors (in-memory fakes).
public struct PathDirectory<FS: FileSystem>: DirectoryHandle {
  public let fileSystem: FS
  public let path: String

  public init(fileSystem: FS, path: String) {
    self.fileSystem = fileSystem
    self.path = path
  }

  public func forEachEntry(_ body: (UnsafeBufferPointer<UInt8>) -> Void) throws(SystemError) {
    for name in try fileSystem.listDirectory(path) {
      Array(name.utf8).withUnsafeBufferPointer { body($0) }
    }
  }

  public func read(_ name: UnsafePointer<CChar>, into buffer: UnsafeMutableRawBufferPointer)
    throws(SystemError) -> Int?
  {
    let bytes: [UInt8]
    do {
      bytes = try fileSystem.readFile(Paths.join(path, String(cString: name)), limit: buffer.count)
    } catch {
      if error.errno == .noSuchFile || error.errno == .notADirectory { return nil }
      throw error
    }
    buffer.copyBytes(from: bytes)
    return bytes.count
  }

  public func close() {}
}

extension FileSystem where Directory == PathDirectory<Self> {
  public func openDirectory(_ path: String) throws(SystemError) -> PathDirectory<Self> {
    PathDirectory(fileSystem: self, path: path)
  }
}

extension FileSystem {
  /// The last path component of a symlink target (`.../drivers/vfio-pci`).
  public func linkName(_ path: String) -> String? {
    guard let target = try? readLink(path) else { return nil }
    return Paths.lastComponent(target)
  }
}

/// Path helpers: plain byte work, no Foundation.
public enum Paths {
  public static func join(_ base: String, _ component: String) -> String {
    if base.isEmpty { return component }
    if base.utf8.last == ASCII.slash { return base + component }
    return base + "/" + component
  }

  public static func lastComponent(_ path: String) -> String {
    let bytes = Array(path.utf8)
    var end = bytes.count
    while end > 0, bytes[end - 1] == ASCII.slash { end -= 1 }
    var start = end
    while start > 0, bytes[start - 1] != ASCII.slash { start -= 1 }
    return ASCII.string(bytes[start..<end])
  }
}

/// Creating files is only needed for the report and for tables; kept apart
/// from `FileSystem` so sysfs access cannot create anything by mistake.
public protocol FileCreating {
  /// Creates `path` and its missing parents, like `mkdir -p`.
  func makeDirectories(_ path: String) throws(SystemError)
  /// Writes a whole file atomically with exactly `mode`: temp file, fchmod,
  /// fsync, rename.
  func replaceFile(_ path: String, with bytes: [UInt8], mode: UInt32) throws(SystemError)
  /// Atomic (temp file, rename) but not durable: for files on tmpfs such as
  /// /run, where an fsync buys nothing and costs boot time.
  func replaceVolatileFile(_ path: String, with bytes: [UInt8]) throws(SystemError)
}

extension Paths {
  /// Everything before the last component; "" for a bare name.
  public static func parent(_ path: String) -> String {
    let bytes = Array(path.utf8)
    guard let slash = bytes.lastIndex(of: ASCII.slash) else { return "" }
    return slash == 0 ? "/" : ASCII.string(bytes[0..<slash])
  }
}

extension FileCreating {
  public func replaceFile(_ path: String, with bytes: [UInt8]) throws(SystemError) {
    try replaceFile(path, with: bytes, mode: 0o644)
  }

  public func replaceVolatileFile(_ path: String, with bytes: [UInt8]) throws(SystemError) {
    try replaceFile(path, with: bytes, mode: 0o644)
  }
}
