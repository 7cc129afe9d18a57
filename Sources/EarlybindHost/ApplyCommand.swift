import ArgumentParser
import EarlybindCore
import EarlybindPosix

/// `earlybind apply`: bind now, without a reboot, with the boot binder's
/// own sequence and guards.
struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Bind the config's targets (or one selector's) now, without a reboot.",
    discussion: """
      Uses the kernel's safe sequence: write driver_override, unbind the current driver,
      load the modules, drivers_probe, verify the driver link. Whole IOMMU groups move
      at once (bridges excepted); the boot GPU, devices holding the root filesystem and
      groups containing them are refused, as at boot. Exit status 1 if anything failed.
      """)

  @Argument(help: "SELECTOR [OPTION ...]; default: every rule of the config.")
  var words: [String] = []

  @Option(name: .long, help: "The config to apply.")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "The sysfs mount to act on.")
  var sysfs: String = "/sys"

  @Flag(name: .long, help: "Only show what would be done.")
  var dryRun = false

  func run() throws {
    do {
      let rules = words.isEmpty ? try ConfigFile.load(config) : [try parseArguments(words)]
      var loader = KmodModules()
      let report = try RuntimeBinding(sysfs: sysfs).apply(
        rules: rules, protected: RuntimeBinding.protectedAddresses(), loader: &loader,
        dryRun: dryRun)
      if report.failedCount > 0 { throw ExitCode(1) }
    } catch let exit as ExitCode {
      throw exit
    } catch {
      throw Self.fail(error)
    }
  }
}

/// `earlybind release ADDR`: give a device (and its group) back to the host.
struct ReleaseCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "release",
    abstract: "Give a device and the rest of its IOMMU group back to their host drivers.",
    discussion: """
      Clears driver_override (the step that, when forgotten, keeps a device from ever
      returning), unbinds it from vfio-pci and asks the kernel to probe it again.
      """)

  @Argument(help: "The PCI address, e.g. 0000:03:00.0.")
  var address: String

  @Option(name: .long, help: "The sysfs mount to act on.")
  var sysfs: String = "/sys"

  func validate() throws {
    if PCIAddress(address) == nil {
      throw ValidationError("'\(address)' is not a PCI address (expected 0000:03:00.0 or 03:00.0)")
    }
  }

  func run() throws {
    do {
      let results = try RuntimeBinding(sysfs: sysfs).release(PCIAddress(address)!)
      var failed = false
      for result in results {
        print(result.address.description + ": " + (result.driver ?? "no driver") + result.note)
        failed = failed || result.failed
      }
      if failed { throw ExitCode(1) }
    } catch let exit as ExitCode {
      throw exit
    } catch {
      throw Self.fail(error)
    }
  }
}
