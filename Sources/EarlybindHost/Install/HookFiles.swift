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

/// The files install writes, each named: the one list that `install`
/// writes and `uninstall` may remove (never a folder: generator folders are
/// shared with other packages). A template file not listed here is not
/// installed; a test compares the list with the template folders.
struct HookFiles {
  var templates: String
  var layout: InstallLayout
  var fileSystem: any HostFileSystem

  /// (template file, destination file) per generator.
  func mappings(for generator: InitramfsGenerator) -> [(String, String)] {
    switch generator {
    case .initramfsTools:
      let directory = layout.initramfsToolsDirectory
      return [
        ("initramfs-tools/hooks/earlybind", directory + "/hooks/earlybind"),
        ("initramfs-tools/scripts/init-top/earlybind", directory + "/scripts/init-top/earlybind"),
      ]
    case .dracut:
      let module = layout.dracutModulesDirectory + "/52earlybind"
      return [
        ("dracut/52earlybind/earlybind-cmdline.sh", module + "/earlybind-cmdline.sh"),
        ("dracut/52earlybind/module-setup.sh", module + "/module-setup.sh"),
        ("systemd/earlybind.service", module + "/earlybind.service"),
        ("dracut/earlybind.conf", "/etc/dracut.conf.d/earlybind.conf"),
      ]
    case .mkinitcpio:
      let directory = layout.mkinitcpioDirectory
      return [
        ("mkinitcpio/install/earlybind", directory + "/install/earlybind"),
        ("mkinitcpio/hooks/earlybind", directory + "/hooks/earlybind"),
        ("systemd/earlybind.service", layout.libdir + "/earlybind.service"),
        ("mkinitcpio/earlybind.conf", "/etc/mkinitcpio.conf.d/earlybind.conf"),
      ]
    }
  }

  func files(for generator: InitramfsGenerator) throws(CommandFailure) -> [HookFile] {
    var files: [HookFile] = []
    for (source, destination) in mappings(for: generator) {
      let template = templates + "/" + source
      guard (try? fileSystem.status(template))?.kind == .regular else {
        throw .missingTemplate(path: template)
      }
      files.append(HookFile(template: source, destination: destination, mode: mode(of: template)))
    }
    return files.sorted { $0.destination < $1.destination }
  }

  /// Executable templates are installed 0755, the rest 0644.
  func mode(of path: String) -> UInt32 {
    fileSystem.isExecutable(path) ? 0o755 : 0o644
  }
}
