import EarlybindCore
import EarlybindPosix
import Foundation

/// Installs and removes hook files under a root (`--destdir`), keeping the
/// manifest. Writing a file whose content and mode already match is
/// skipped, so a second `install` changes nothing.
struct Installer {
  var root: String
  var templates: String
  var layout: InstallLayout
  var keepManifest = true
  let fileSystem = PosixFileSystem()

  struct Outcome: Equatable {
    var written: [String] = []
    var unchanged: [String] = []
    var removed: [String] = []
    var kept: [String] = []
  }

  func rooted(_ path: String) -> String { root.isEmpty || root == "/" ? path : root + path }

  func loadManifest() throws(CommandFailure) -> InstallManifest {
    let path = rooted(InstallManifest.path)
    guard FileManager.default.fileExists(atPath: path) else { return InstallManifest() }
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
      throw CommandFailure("cannot read " + path)
    }
    return try InstallManifest.parse(text, file: path)
  }

  func saveManifest(_ manifest: InstallManifest) throws(CommandFailure) {
    try write(Array(manifest.text().utf8), to: rooted(InstallManifest.path), mode: 0o644)
  }

  func write(_ bytes: [UInt8], to path: String, mode: UInt32) throws(CommandFailure) {
    do {
      try fileSystem.makeDirectories(Paths.parent(path))
      try fileSystem.replaceFile(path, with: bytes, mode: mode)
    } catch {
      throw CommandFailure("cannot install " + path + ": " + error.description)
    }
  }

  func install(_ generators: [InitramfsGenerator], force: Bool) throws(CommandFailure) -> Outcome {
    var manifest = try loadManifest()
    let before = manifest
    var outcome = Outcome()
    let hookFiles = HookFiles(templates: templates, layout: layout)
    for generator in generators {
      for file in try hookFiles.files(for: generator) {
        let source = templates + "/" + file.template
        guard let text = try? String(contentsOfFile: source, encoding: .utf8) else {
          throw CommandFailure("cannot read template " + source)
        }
        let bytes = Array(layout.render(text).utf8)
        let target = rooted(file.destination)
        let existing = FileManager.default.contents(atPath: target).map { [UInt8]($0) }
        if let existing, manifest.entry(at: file.destination) == nil, existing != bytes, !force {
          throw CommandFailure(
            target + " exists and was not installed by earlybind; move it away or use --force")
        }
        if existing == bytes, currentMode(target) == file.mode {
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
    let manifest = try loadManifest()
    var outcome = Outcome()
    for entry in manifest.entries {
      let target = rooted(entry.path)
      guard let data = FileManager.default.contents(atPath: target) else { continue }
      if CRC32.checksum([UInt8](data)) != entry.checksum {
        outcome.kept.append(entry.path)
        continue
      }
      do {
        try FileManager.default.removeItem(atPath: target)
      } catch {
        throw CommandFailure("cannot remove " + target + ": \(error.localizedDescription)")
      }
      outcome.removed.append(entry.path)
      removeEmptyOwnDirectories(above: target)
    }
    let manifestPath = rooted(InstallManifest.path)
    if outcome.kept.isEmpty {
      try? FileManager.default.removeItem(atPath: manifestPath)
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
      (try? FileManager.default.contentsOfDirectory(atPath: directory))?.isEmpty == true
    {
      try? FileManager.default.removeItem(atPath: directory)
      directory = Paths.parent(directory)
    }
  }

  func currentMode(_ path: String) -> UInt32? {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
      let permissions = attributes[.posixPermissions] as? NSNumber
    else { return nil }
    return permissions.uint32Value & 0o7777
  }
}
