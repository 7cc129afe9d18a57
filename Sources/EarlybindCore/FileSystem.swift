/// The file operations the scanner and binder need, kept small so the posix
/// implementation is the one place for raw calls. Tests run that
/// implementation on sysfs-shaped trees in temp directories, wrapped when
/// they need to watch the writes; the planner, which reads no files, is
/// tested on a `MemoryTopology`.
public protocol FileSystem {
  /// Reads at most `limit` bytes (sysfs attributes are short).
  func readFile(_ path: String, limit: Int) throws(SystemError) -> [UInt8]
  /// Writes `bytes` with one write(2), as sysfs attributes require.
  func writeFile(_ path: String, _ bytes: [UInt8]) throws(SystemError)
  func readLink(_ path: String) throws(SystemError) -> String
  /// Entry names, unsorted, without `.` and `..`.
  func listDirectory(_ path: String) throws(SystemError) -> [String]
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
