// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix

/// The initramfs generators earlybind plugs into.
enum InitramfsGenerator: String, CaseIterable, Sendable {
  case initramfsTools = "initramfs-tools"
  case dracut
  case mkinitcpio

  /// Files whose presence means earlybind's hook is installed for it.
  var installedHookFiles: [String] {
    switch self {
    case .initramfsTools:
      return ["/usr/share/initramfs-tools/hooks/earlybind", "/etc/initramfs-tools/hooks/earlybind"]
    case .dracut: return ["/usr/lib/dracut/modules.d/52earlybind/module-setup.sh"]
    case .mkinitcpio:
      return ["/usr/lib/initcpio/install/earlybind", "/etc/initcpio/install/earlybind"]
    }
  }

  /// The generators whose earlybind hook is installed under `root` ("" or
  /// "/" for the running system).
  static func hooked(root: String, fileSystem: any HostFileSystem) -> [InitramfsGenerator] {
    let base = root == "/" ? "" : root
    return allCases.filter { generator in
      generator.installedHookFiles.contains { fileSystem.exists(base + $0) }
    }
  }

  /// A generator is present when its build command is.
  var commandCandidates: [String] {
    switch self {
    case .initramfsTools: return ["/usr/sbin/mkinitramfs", "/sbin/mkinitramfs"]
    case .dracut: return ["/usr/bin/dracut", "/usr/sbin/dracut", "/sbin/dracut"]
    case .mkinitcpio: return ["/usr/bin/mkinitcpio", "/usr/sbin/mkinitcpio"]
    }
  }
}
