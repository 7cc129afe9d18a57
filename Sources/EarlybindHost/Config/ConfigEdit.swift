import EarlybindCore
import EarlybindPosix

/// One locked edit of the config, shared by add and remove: read, change,
/// validate the whole new text, write it atomically with the old mode.
struct ConfigEdit {
  var path: String
  var fileSystem: PosixFileSystem

  /// Runs `change` on the current text under a lock on the config's
  /// folder (the file itself is replaced by rename, so a lock on it would
  /// lock the old copy), then writes the result. Returns the new rules.
  func apply(_ change: (inout ConfigEditor) throws(CommandFailure) -> Void)
    throws(CommandFailure) -> [Rule]
  {
    let folder = Paths.parent(path).isEmpty ? "." : Paths.parent(path)
    let lock: FileLock
    do {
      try fileSystem.makeDirectories(folder)
      lock = try FileLock(folder)
    } catch {
      throw .system(error)
    }
    defer { lock.release() }
    var editor = ConfigEditor(text: try read())
    try change(&editor)
    return try write(editor.text)
  }

  func read() throws(CommandFailure) -> String {
    guard fileSystem.exists(path) else {
      return "# earlybind rules: SELECTOR [OPTION ...], see earlybind.conf(5)\n"
    }
    return String(decoding: try ConfigFile.read(path, fileSystem: fileSystem), as: UTF8.self)
  }

  /// Validates the whole new text before anything is written.
  func write(_ text: String) throws(CommandFailure) -> [Rule] {
    let rules: [Rule]
    do {
      rules = try RuleParser.parseConfig(Array(text.utf8), file: path)
    } catch {
      throw .config(error)
    }
    let mode = (try? fileSystem.status(path))?.permissions ?? 0o644
    do {
      try fileSystem.replaceFile(path, with: Array(text.utf8), mode: mode)
    } catch {
      throw .system(error)
    }
    return rules
  }
}
