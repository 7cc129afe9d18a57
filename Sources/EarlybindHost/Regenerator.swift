import Foundation

/// Rebuilds the initramfs of every installed kernel (not just the running
/// one) with each generator earlybind was installed for.
struct Regenerator {
  /// Runs a command and returns its exit status (injected by tests).
  var run: (_ command: String, _ arguments: [String]) throws -> Int32
  var modulesDirectory = "/lib/modules"
  var bootDirectory = "/boot"

  /// Kernels with both a module tree and an image in /boot.
  func installedKernels() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: modulesDirectory)) ?? []
    return names.filter {
      FileManager.default.fileExists(atPath: bootDirectory + "/vmlinuz-" + $0)
    }.sorted()
  }

  /// The commands, in order, for `generators`.
  func commands(for generators: [InitramfsGenerator]) -> [(String, [String])] {
    var commands: [(String, [String])] = []
    let kernels = installedKernels()
    for generator in generators {
      switch generator {
      case .initramfsTools:
        for kernel in kernels {
          let exists = FileManager.default.fileExists(
            atPath: bootDirectory + "/initrd.img-" + kernel)
          commands.append(("update-initramfs", [exists ? "-u" : "-c", "-k", kernel]))
        }
      case .dracut:
        for kernel in kernels {
          commands.append(("dracut", ["--force", "--kver", kernel]))
        }
      case .mkinitcpio:
        // Presets name the kernels; -P rebuilds every one of them.
        commands.append(("mkinitcpio", ["-P"]))
      }
    }
    return commands
  }

  func regenerate(_ generators: [InitramfsGenerator]) throws(CommandFailure) {
    for (command, arguments) in commands(for: generators) {
      print("earlybind: running " + ([command] + arguments).joined(separator: " "))
      let status: Int32
      do {
        status = try run(command, arguments)
      } catch {
        throw CommandFailure("cannot run \(command): \(error.localizedDescription)")
      }
      if status != 0 {
        throw CommandFailure(
          ([command] + arguments).joined(separator: " ") + " failed with status \(status)")
      }
    }
  }

  /// Runs through PATH, output passed through.
  static func runProcess(_ command: String, _ arguments: [String]) throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [command] + arguments
    try process.run()
    process.waitUntilExit()
    return process.terminationStatus
  }
}
