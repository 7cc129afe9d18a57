// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Where the machine's state is read and written. Tests point every path
/// into a temp tree.
struct HostPaths: Sendable {
  var sysfs = "/sys"
  var proc = "/proc"
  var boot = "/boot"
  /// The kernels' module trees, one folder per release.
  var modules = "/lib/modules"
  var config = "/etc/earlybind.conf"
  var table = "/etc/earlybind/bindings.tbl"
  var report = "/run/earlybind/report.json"
  /// Prefix of the hook locations (`/usr/share/initramfs-tools/...`).
  var root = ""
  /// pci.ids where Debian and Fedora/Arch put it; the first one found is read.
  var pciIDs = ["/usr/share/misc/pci.ids", "/usr/share/hwdata/pci.ids"]
}

/// Everything a command reaches outside its own process, in one value:
/// the real machine when run from the command line, fakes in tests.
struct HostEnvironment {
  var paths = HostPaths()
  var fileSystem = PosixFileSystem()
  /// The controllers holding the host's filesystems.
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
    let fileSystem = PosixFileSystem()
    var noColor: [String: String] = [:]
    noColor["NO_COLOR"] = ProcessEnvironment.variable("NO_COLOR")
    return HostEnvironment(
      fileSystem: fileSystem,
      rootGuard: { RootDeviceGuard.system(fileSystem: fileSystem).resolve() },
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
