// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Everything a command reaches outside its own process, in one value:
/// the real machine when run from the command line, fakes in tests.
struct HostEnvironment {
  var paths = HostPaths()
  var fileSystem: any HostFileSystem = PosixFileSystem()
  /// The controllers holding the host's filesystems, and the devices it
  /// needs at boot (keyboards, the boot's network).
  var rootGuard: () -> RootDeviceReport
  /// The module tree in a folder (`/lib/modules/6.1.0-13-amd64`).
  var moduleTree: (String) -> any ModuleTree
  /// Loads modules into the running kernel (`apply`).
  var moduleLoader: () -> any ModuleLoader
  var runner: any ProcessRunner
  var output: any TextOutput
  var kernelRelease: String
  /// Colour codes for a person at a terminal (never with NO_COLOR).
  var colour: Bool
  /// This executable's path, for the default install prefix.
  var executable: String
  /// How long add, remove and compile wait for another run's lock on the
  /// config before they give up.
  var lockTimeout: Double = 10
  /// The only user who may own or write the config, the table and their
  /// folders (root); tests set their own to check both sides.
  var trustedUID: UInt32 = 0

  /// The running system.
  static func system() -> HostEnvironment {
    let paths = HostPaths()
    let fileSystem = PosixFileSystem()
    var noColor: [String: String] = [:]
    noColor["NO_COLOR"] = ProcessEnvironment.variable("NO_COLOR")
    return HostEnvironment(
      paths: paths, fileSystem: fileSystem,
      rootGuard: {
        var report = RootDeviceGuard.system(paths: paths, fileSystem: fileSystem).resolve()
        KeyboardGuard(sysfs: paths.sysfs, fileSystem: fileSystem).resolve(into: &report)
        NetworkGuard(paths: paths, fileSystem: fileSystem).resolve(into: &report)
        return report
      },
      moduleTree: { KmodModules(moduleDirectory: $0) },
      moduleLoader: { KmodModules() },
      runner: SystemProcessRunner(),
      output: StandardOutput(),
      kernelRelease: ProcessEnvironment.kernelRelease,
      colour: TextTable.wantsColour(
        isTerminal: ProcessEnvironment.isTerminal(1), environment: noColor),
      executable: (try? fileSystem.resolvedPath("/proc/self/exe")) ?? "/usr/sbin/earlybind")
  }
}
