// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// One locked edit of the config, shared by add and remove: read, change,
/// validate the whole new text, write it atomically with the old mode. A
/// config that is a symlink is edited at its target, and the link stays.
struct ConfigEdit {
  var path: String
  var fileSystem: any HostFileSystem
  /// How long to wait for another edit's lock.
  var lockTimeout: Double = 10
  /// Who the written config belongs to, when this process may give it away.
  var trustedUID: UInt32 = 0

  /// The file the edit replaces: `path`, or the target it links to.
  func target() throws(CommandFailure) -> String {
    do {
      return try fileSystem.linkTarget(path)
    } catch {
      throw .system(error)
    }
  }

  /// Runs `change` on the current text and writes the result, all under
  /// the config's lock (`ConfigLock`). Returns the new rules. A result the
  /// parser would refuse for its size is not written, unless `shrinking`
  /// (remove): that reads a config of any size and always writes a
  /// smaller one, so an oversized config can be mended.
  func apply(
    shrinking: Bool = false, _ change: (inout ConfigEditor) throws(CommandFailure) -> Void
  ) throws(CommandFailure) -> [Rule] {
    let target = try target()
    let folder = Paths.parent(target).isEmpty ? "." : Paths.parent(target)
    do {
      try fileSystem.makeDirectories(folder)
    } catch {
      throw .system(error)
    }
    let lock = try ConfigLock.acquire(target, waitingAtMost: lockTimeout)
    defer { lock.release() }
    fileSystem.removeStaleTemporaryFiles(of: target)
    var editor = ConfigEditor(bytes: try read(target, anySize: shrinking))
    try change(&editor)
    let bytes = editor.bytes
    if !shrinking, bytes.count >= ConfigFile.limit {
      throw .configTooLarge(path: path, size: bytes.count, limit: ConfigFile.limit)
    }
    return try write(bytes, to: target)
  }

  func read(_ target: String, anySize: Bool = false) throws(CommandFailure) -> [UInt8] {
    do {
      try fileSystem.requireRegularOrAbsent(target)
    } catch {
      throw .system(error)
    }
    guard fileSystem.exists(target) else {
      return Array("# earlybind rules: SELECTOR [OPTION ...], see earlybind.conf(5)\n".utf8)
    }
    guard anySize else { return try ConfigFile.read(target, fileSystem: fileSystem) }
    do {
      return try fileSystem.readFile(target, limit: Int.max)
    } catch {
      throw .system(error)
    }
  }

  /// Validates the whole new text before anything is written.
  func write(_ bytes: [UInt8], to target: String) throws(CommandFailure) -> [Rule] {
    let rules: [Rule]
    do {
      rules = try RuleParser.parseConfig(bytes, file: path)
    } catch {
      throw .config(error)
    }
    // The old mode without set-id and sticky bits, never wider; a new
    // config is 0644. Root writes it for the trusted user (root itself
    // outside tests); anyone else writes their own file.
    let mode = (try? fileSystem.status(target)).map { $0.permissions & 0o777 } ?? 0o644
    do {
      if ProcessEnvironment.effectiveUID == 0 {
        try fileSystem.replaceFile(target, with: bytes, mode: mode, owner: trustedUID)
      } else {
        try fileSystem.replaceFile(target, with: bytes, mode: mode)
      }
    } catch {
      throw .system(error)
    }
    return rules
  }
}
