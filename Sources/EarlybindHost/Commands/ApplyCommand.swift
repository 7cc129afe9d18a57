// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// `earlybind apply`: bind now, without a reboot, with the boot binder's
/// own sequence and guards.
struct ApplyCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Bind the config's targets (or one selector's) now, without a reboot.",
    discussion: """
      Uses the kernel's safe sequence: write driver_override, unbind the current driver,
      load the modules, drivers_probe, verify the driver link. Whole IOMMU groups move
      at once (bridges excepted); the boot GPU, devices holding the root filesystem and
      groups containing them are refused, as at boot. When a device cannot be unbound,
      the rest of its set is given back to the drivers it had. Exit status 1 if anything
      failed, 2 if a set could not be given back (the message names the release command).
      """)

  @Argument(help: "SELECTOR [OPTION ...]; default: every rule of the config.")
  var words: [String] = []

  @OptionGroup var config: ConfigOptions
  @OptionGroup var sysfs: SysfsOptions

  @Flag(name: .long, help: "Only show what would be done.")
  var dryRun = false

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let rules =
      words.isEmpty
      ? try ConfigFile.load(config.path(in: environment), fileSystem: environment.fileSystem)
      : [try RuleArguments.parse(words)]
    let guarded = environment.rootGuard()
    guarded.printWarnings(to: environment.output)
    var loader = AnyModuleLoader(base: environment.moduleLoader())
    let applied = try RuntimeBinding(sysfs: sysfs.path(in: environment), environment: environment)
      .apply(
        rules: rules, protected: guarded.addresses, guarded: guarded.guardedAddresses,
        loader: &loader, dryRun: dryRun)
    if !applied.stranded.isEmpty { return .severe }
    return applied.report.failedCount > 0 ? .failure : .success
  }
}

/// `earlybind release ADDR`: give a device (and its group) back to the host.
struct ReleaseCommand: HostCommand {
  static let configuration = CommandConfiguration(
    commandName: "release",
    abstract: "Give a device and the rest of its IOMMU group back to their host drivers.",
    discussion: """
      Clears driver_override (the step that, when forgotten, keeps a device from ever
      returning), unbinds it from vfio-pci and asks the kernel to probe it again.
      Bridges stay with the host and are never bound: given one, release says so and
      exits 1.
      """)

  @Argument(help: "The PCI address, e.g. 0000:03:00.0 or 03:00.0.")
  var address: PCIAddress

  @OptionGroup var sysfs: SysfsOptions

  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus {
    let results = try RuntimeBinding(sysfs: sysfs.path(in: environment), environment: environment)
      .release(address)
    for result in results {
      environment.output.line(
        result.address.description + ": " + (result.driver ?? "no driver") + result.note)
    }
    return results.contains(where: \.failed) ? .failure : .success
  }
}
