import EarlybindCore
import EarlybindPosix

/// Installs and removes hook files under a root (`--destdir`), keeping the
/// manifest. Writing a file whose content and mode already match is
/// skipped, so a second `install` changes nothing. Both hold a lock on the
/// manifest's folder, so two runs do not interleave their manifests.
struct Installer {
  var root: String
  var templates: String
  var layout: InstallLayout
  var keepManifest = true
  var fileSystem: PosixFileSystem

  struct Outcome: Equatable {
    var written: [String] = []
    var unchanged: [String] = []
    var removed: [String] = []
    var kept: [String] = []
  }

  func rooted(_ path: String) -> String { root.isEmpty || root == "/" ? path : root + path }

  var manifestPath: String { rooted(InstallManifest.path) }

  func loadManifest() throws(CommandFailure) -> InstallManifest {
    guard fileSystem.exists(manifestPath) else { return InstallManifest() }
    let bytes: [UInt8]
    do {
      bytes = try fileSystem.readFile(manifestPath, limit: 1 << 20)
    } catch {
      throw .system(error)
    }
    return try InstallManifest.parse(String(decoding: bytes, as: UTF8.self), file: manifestPath)
  }

  func saveManifest(_ manifest: InstallManifest) throws(CommandFailure) {
    try write(Array(manifest.text().utf8), to: manifestPath, mode: 0o644)
  }

  func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(CommandFailure) {
    do {
      try fileSystem.makeDirectories(Paths.parent(path))
      try fileSystem.replaceFile(path, with: bytes, mode: mode)
    } catch {
      throw .system(error)
    }
  }

  /// Locks the manifest's folder (made if missing, when `create`).
  func lock(create: Bool) throws(CommandFailure) -> FileLock? {
    let folder = Paths.parent(manifestPath)
    do {
      if create { try fileSystem.makeDirectories(folder) }
      guard fileSystem.isDirectory(folder) else { return nil }
      return try FileLock(folder)
    } catch {
      throw .system(error)
    }
  }

  func install(_ generators: [InitramfsGenerator], force: Bool) throws(CommandFailure) -> Outcome {
    let lock = keepManifest ? try self.lock(create: true) : nil
    defer { lock?.release() }
    var manifest = try loadManifest()
    let before = manifest
    var outcome = Outcome()
    let hookFiles = HookFiles(templates: templates, layout: layout, fileSystem: fileSystem)
    for generator in generators {
      for file in try hookFiles.files(for: generator) {
        let source = templates + "/" + file.template
        guard let text = try? fileSystem.readFile(source, limit: 1 << 20) else {
          throw .message("cannot read template " + source)
        }
        let bytes = Array(layout.render(String(decoding: text, as: UTF8.self)).utf8)
        let target = rooted(file.destination)
        let existing = try? fileSystem.readFile(target, limit: 1 << 20)
        if let existing, manifest.entry(at: file.destination) == nil, existing != bytes, !force {
          throw .message(
            target + " exists and was not installed by earlybind; move it away or use --force")
        }
        if existing == bytes, (try? fileSystem.status(target))?.permissions == file.mode {
          outcome.unchanged.append(file.destination)
        } else {
          try write(bytes, to: target, mode: file.mode)
          outcome.written.append(file.destination)
        }
        manifest.record(
          .init(
            path: file.destination, mode: file.mode, checksum: CRC32.checksum(bytes),
            generator: generator.rawValue))
      }
    }
    if keepManifest && manifest != before { try saveManifest(manifest) }
    return outcome
  }

  /// Removes what the manifest lists, unless it was edited since.
  func uninstall() throws(CommandFailure) -> Outcome {
    let lock = try self.lock(create: false)
    defer { lock?.release() }
    let manifest = try loadManifest()
    var outcome = Outcome()
    for entry in manifest.entries {
      let target = rooted(entry.path)
      guard let bytes = try? fileSystem.readFile(target, limit: 1 << 20) else { continue }
      if CRC32.checksum(bytes) != entry.checksum {
        outcome.kept.append(entry.path)
        continue
      }
      do {
        try fileSystem.removeFile(target)
      } catch {
        throw .system(error)
      }
      outcome.removed.append(entry.path)
      removeEmptyOwnDirectories(above: target)
    }
    if outcome.kept.isEmpty {
      try? fileSystem.removeFile(manifestPath)
      removeEmptyOwnDirectories(above: manifestPath)
    } else {
      var remaining = InstallManifest()
      for path in outcome.kept {
        if let entry = manifest.entry(at: path) { remaining.record(entry) }
      }
      try saveManifest(remaining)
    }
    return outcome
  }

  /// Directories named after earlybind (the dracut module, /var/lib/earlybind)
  /// are ours; generator directories are not.
  func removeEmptyOwnDirectories(above path: String) {
    var directory = Paths.parent(path)
    while Paths.lastComponent(directory).contains("earlybind"),
      (try? fileSystem.listDirectory(directory))?.isEmpty == true
    {
      try? fileSystem.removeDirectory(directory)
      directory = Paths.parent(directory)
    }
  }
}
