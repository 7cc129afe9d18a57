// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `--sysfs`, for every command that looks at devices.
struct SysfsOptions: ParsableArguments {
  @Option(name: .long, help: "The sysfs mount (default: /sys).", completion: .directory)
  var sysfs: String?

  func path(in environment: HostEnvironment) -> String { sysfs ?? environment.paths.sysfs }
}

/// `--config`, for every command that reads the rules.
struct ConfigOptions: ParsableArguments {
  @Option(
    name: .long, help: "The rules file (default: /etc/earlybind.conf).", completion: .file())
  var config: String?

  func path(in environment: HostEnvironment) -> String { config ?? environment.paths.config }
}

/// `--json`, for every command with a machine-readable form.
struct OutputOptions: ParsableArguments {
  @Flag(
    name: .long,
    help: "Print one JSON document on standard output (see JSON OUTPUT in earlybind(8)).")
  var json = false
}

extension PCIAddress: ExpressibleByArgument {
  /// `0000:03:00.0` or `03:00.0`.
  public init?(argument: String) {
    self.init(argument)
  }
}
