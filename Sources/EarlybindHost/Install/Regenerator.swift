// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Rebuilds the initramfs of every installed kernel (not just the running
/// one) with each generator earlybind was installed for.
struct Regenerator {
  var runner: any ProcessRunner
  var kernels: [String]
  var bootDirectory: String
  var fileSystem: any HostFileSystem
  var output: any TextOutput

  init(environment: HostEnvironment) {
    runner = environment.runner
    fileSystem = environment.fileSystem
    output = environment.output
    bootDirectory = environment.paths.boot
    kernels = InstalledKernels.list(
      modules: environment.paths.modules, boot: environment.paths.boot,
      fileSystem: environment.fileSystem)
  }

  /// The commands, in order, for `generators`.
  func commands(for generators: [InitramfsGenerator]) -> [[String]] {
    var commands: [[String]] = []
    for generator in generators {
      switch generator {
      case .initramfsTools:
        for kernel in kernels {
          let exists = fileSystem.exists(bootDirectory + "/initrd.img-" + kernel)
          commands.append(["update-initramfs", exists ? "-u" : "-c", "-k", kernel])
        }
      case .dracut:
        for kernel in kernels {
          commands.append(["dracut", "--force", "--kver", kernel])
        }
      case .mkinitcpio:
        // Presets name the kernels; -P rebuilds every one of them.
        commands.append(["mkinitcpio", "-P"])
      }
    }
    return commands
  }

  func regenerate(_ generators: [InitramfsGenerator]) throws(CommandFailure) {
    for command in commands(for: generators) {
      let line = command.joined(separator: " ")
      output.line("earlybind: running " + line)
      let status: Int32
      do {
        status = try runner.run(command)
      } catch {
        throw .system(error)
      }
      if status != 0 {
        throw .generatorFailed(command: line, status: status)
      }
    }
  }

  /// The step that takes a config change into the images. Where
  /// `earlybind install` put the hooks (its manifest is there), `install
  /// --regenerate` rebuilds them. Where a package did (hooks but no
  /// manifest), that would claim the package's files for the manifest, so
  /// the own rebuild command is named of each hooked generator this host
  /// has (a package ships the hooks of all three; a host uses one), or of
  /// every hooked one when none is found. Nil when no hook is installed.
  /// `hooked` is `InitramfsGenerator.hooked` of `root`.
  static func rebuildCommand(
    root: String, fileSystem: any HostFileSystem, hooked: [InitramfsGenerator]
  ) -> String? {
    let base = root == "/" ? "" : root
    if fileSystem.exists(base + InstallManifest.path) {
      return "earlybind install --regenerate"
    }
    guard !hooked.isEmpty else { return nil }
    let present = hooked.filter { generator in
      generator.commandCandidates.contains { fileSystem.exists(base + $0) }
    }
    return (present.isEmpty ? hooked : present).map(\.rebuildAllCommand)
      .joined(separator: "; ")
  }

  static func rebuildHint(root: String, fileSystem: any HostFileSystem) -> String {
    let hooked = InitramfsGenerator.hooked(root: root, fileSystem: fileSystem)
    guard let command = rebuildCommand(root: root, fileSystem: fileSystem, hooked: hooked) else {
      return "No initramfs hook is installed: earlybind install --regenerate adds one and"
        + " rebuilds the initramfs"
    }
    return "Rebuild the initramfs to use it at boot: " + command
  }
}

extension InitramfsGenerator {
  /// Rebuilds the image of every installed kernel, as a person types it.
  var rebuildAllCommand: String {
    switch self {
    case .initramfsTools: return "update-initramfs -u -k all"
    case .dracut: return "dracut --regenerate-all --force"
    case .mkinitcpio: return "mkinitcpio -P"
    }
  }
}
