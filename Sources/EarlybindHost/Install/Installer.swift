// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
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
  var fileSystem: any HostFileSystem

  struct Outcome: Equatable {
    var written: [String] = []
    var unchanged: [String] = []
    var removed: [String] = []
    var kept: [String] = []
    /// Manifest entries uninstall would not touch, and why.
    var refused: [Refusal] = []
  }

  struct Refusal: Equatable {
    var path: String
    var reason: String
  }

  /// The root as a prefix of absolute paths: "" for the running system.
  var base: String { root.isEmpty || root == "/" ? "" : root }

  func rooted(_ path: String) -> String { base + path }

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
          throw .unreadableTemplate(path: source)
        }
        let bytes = Array(layout.render(String(decoding: text, as: UTF8.self)).utf8)
        let target = rooted(file.destination)
        let existing = try? fileSystem.readFile(target, limit: 1 << 20)
        if let existing, manifest.entry(at: file.destination) == nil, existing != bytes, !force {
          throw .foreignFile(path: target)
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

  /// Removes what the manifest lists, unless it was edited since. The
  /// manifest is not trusted: an entry that is not one of the files install
  /// writes, or that is reached through a symlink, is refused (and stays in
  /// the manifest); the others are still removed. Each file is reached
  /// with `ConfinedFile`, so a folder swapped for a symlink meanwhile is
  /// never followed.
  func uninstall() throws(CommandFailure) -> Outcome {
    let lock = try self.lock(create: false)
    defer { lock?.release() }
    let manifest = try loadManifest()
    var outcome = Outcome()
    let locations = installLocations
    for entry in manifest.entries {
      if let reason = refusal(of: entry.path, locations: locations) {
        outcome.refused.append(Refusal(path: entry.path, reason: reason))
        continue
      }
      let file: ConfinedFile
      do {
        file = try ConfinedFile(
          root: base.isEmpty ? "/" : base,
          components: entry.path.split(separator: "/").map(String.init))
      } catch {
        if error.errno == .tooManyLinks {
          outcome.refused.append(
            Refusal(path: entry.path, reason: "below the symbolic link " + error.path))
        }
        // Otherwise a folder is missing or is a file: nothing to remove.
        continue
      }
      defer { file.close() }
      let bytes: [UInt8]
      do {
        bytes = try file.read(limit: 1 << 20)
      } catch {
        if error.errno == .tooManyLinks {
          outcome.refused.append(Refusal(path: entry.path, reason: "a symbolic link"))
        }
        continue
      }
      if CRC32.checksum(bytes) != entry.checksum {
        outcome.kept.append(entry.path)
        continue
      }
      do {
        try file.remove()
      } catch {
        throw .system(error)
      }
      outcome.removed.append(entry.path)
      removeEmptyOwnDirectories(above: rooted(entry.path))
    }
    let remaining = outcome.kept + outcome.refused.map(\.path)
    if remaining.isEmpty {
      try? fileSystem.removeFile(manifestPath)
      removeEmptyOwnDirectories(above: manifestPath)
    } else {
      var left = InstallManifest()
      for entry in manifest.entries where remaining.contains(entry.path) { left.record(entry) }
      try saveManifest(left)
    }
    return outcome
  }

  /// The files install writes, for every layout an earlier install may
  /// have used (this one, the vendor one, the /usr/local one).
  var installLocations: Set<String> {
    var locations: Set<String> = []
    for layout in [layout, InstallLayout(prefix: "/usr"), InstallLayout(prefix: "/usr/local")] {
      let hookFiles = HookFiles(templates: templates, layout: layout, fileSystem: fileSystem)
      for generator in InitramfsGenerator.allCases {
        locations.formUnion(hookFiles.mappings(for: generator).map(\.1))
      }
    }
    return locations
  }

  /// Why uninstall must leave the manifest entry `path` alone, or nil:
  /// only the exact files of `installLocations` may go.
  func refusal(of path: String, locations: Set<String>) -> String? {
    let components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
    guard path.hasPrefix("/"),
      components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." })
    else {
      return "not a plain absolute path"
    }
    guard locations.contains(path) else { return "not a file earlybind installs" }
    return nil
  }

  /// Directories named after earlybind (the dracut module, /var/lib/earlybind)
  /// are ours; generator directories are not. Never the root or above it,
  /// never through a symlink.
  func removeEmptyOwnDirectories(above path: String) {
    var directory = Paths.parent(path)
    while directory.count > base.count, directory.hasPrefix(base + "/"),
      Paths.lastComponent(directory).contains("earlybind"),
      (try? fileSystem.status(directory, followingLinks: false))?.kind == .directory,
      (try? fileSystem.listDirectory(directory))?.isEmpty == true
    {
      try? fileSystem.removeDirectory(directory)
      directory = Paths.parent(directory)
    }
  }
}
