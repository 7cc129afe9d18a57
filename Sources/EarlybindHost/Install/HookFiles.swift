// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix

/// One file to install: its template (relative to the templates root),
/// where it goes, and its mode.
struct HookFile: Hashable, Sendable {
  var template: String
  var destination: String
  var mode: UInt32
}

/// Maps the template folders (the same ones `make install` uses) onto each
/// generator's directories. Whole folders are mapped, so a file added to a
/// template folder is installed without touching this list.
struct HookFiles {
  var templates: String
  var layout: InstallLayout
  var fileSystem: any HostFileSystem

  /// (template folder or file, destination folder or file) per generator.
  func mappings(for generator: InitramfsGenerator) -> [(String, String)] {
    switch generator {
    case .initramfsTools:
      return [
        ("initramfs-tools/hooks", layout.initramfsToolsDirectory + "/hooks"),
        ("initramfs-tools/scripts", layout.initramfsToolsDirectory + "/scripts"),
      ]
    case .dracut:
      return [
        ("dracut/52earlybind", layout.dracutModulesDirectory + "/52earlybind"),
        (
          "systemd/earlybind.service",
          layout.dracutModulesDirectory + "/52earlybind/earlybind.service"
        ),
        ("dracut/earlybind.conf", "/etc/dracut.conf.d/earlybind.conf"),
      ]
    case .mkinitcpio:
      return [
        ("mkinitcpio/install", layout.mkinitcpioDirectory + "/install"),
        ("mkinitcpio/hooks", layout.mkinitcpioDirectory + "/hooks"),
        ("systemd/earlybind.service", layout.libdir + "/earlybind.service"),
        ("mkinitcpio/earlybind.conf", "/etc/mkinitcpio.conf.d/earlybind.conf"),
      ]
    }
  }

  func files(for generator: InitramfsGenerator) throws(CommandFailure) -> [HookFile] {
    var files: [HookFile] = []
    for (source, destination) in mappings(for: generator) {
      let root = templates + "/" + source
      guard let status = try? fileSystem.status(root) else {
        throw .missingTemplate(path: root)
      }
      guard status.kind == .directory else {
        files.append(HookFile(template: source, destination: destination, mode: mode(of: root)))
        continue
      }
      let entries: [WalkEntry]
      do {
        entries = try fileSystem.walk(root)
      } catch {
        throw .system(error)
      }
      for entry in entries where entry.kind != .directory {
        files.append(
          HookFile(
            template: source + "/" + entry.path, destination: destination + "/" + entry.path,
            mode: mode(of: root + "/" + entry.path)))
      }
    }
    return files.sorted { $0.destination < $1.destination }
  }

  /// Executable templates are installed 0755, the rest 0644.
  func mode(of path: String) -> UInt32 {
    fileSystem.isExecutable(path) ? 0o755 : 0o644
  }
}
