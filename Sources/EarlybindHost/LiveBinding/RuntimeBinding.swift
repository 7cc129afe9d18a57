// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Binding and releasing on a running system, for apply and release.
struct RuntimeBinding {
  var sysfs: String
  var fileSystem: AnyHostFileSystem
  var output: any TextOutput

  init(sysfs: String, environment: HostEnvironment) {
    self.sysfs = sysfs
    fileSystem = AnyHostFileSystem(environment.fileSystem)
    output = environment.output
  }

  var layout: SysfsLayout { SysfsLayout(sysfs: sysfs) }

  /// Plans with `rebind` and `group` forced on (the devices are in use now
  /// and a partial group is useless to a guest), then runs the boot
  /// binder's own sequence.
  func apply<Loader: ModuleLoader>(
    rules: [Rule], protected: [PCIAddress], guarded: [GuardedAddress] = [],
    loader: inout Loader, dryRun: Bool
  ) throws(CommandFailure) -> Applied {
    let forced = rules.map { rule -> Rule in
      var rule = rule
      rule.rebind = true
      rule.group = true
      return rule
    }
    let plan = try DeviceInventory.plan(
      BindingTableBuilder.table(forced, protected: protected, guarded: guarded),
      options: BootOptions(),
      sysfs: sysfs, fileSystem: fileSystem)
    var log = PrintLog(output: output)
    for refusal in plan.refusals { log.log(.warning, PlanText.refusal(refusal)) }
    for rule in plan.unmatchedRules { log.log(.notice, PlanText.unmatched(rule)) }
    var report = BindingReport()
    if dryRun {
      for target in plan.targets { log.log(.notice, PlanText.target(target) + " [dry run]") }
      report.status = .dryRun
      return Applied(report: report)
    }
    var settings = BinderSettings()
    settings.layout = layout
    var binder = Binder(fileSystem: fileSystem, loader: loader, log: log, settings: settings)
    binder.carryOut(plan, into: &report)
    loader = binder.loader
    return Applied(report: report, stranded: binder.stranded)
  }

  struct Applied {
    var report: BindingReport
    /// Leaders of sets left neither bound nor back on their drivers: each
    /// needs `earlybind release`.
    var stranded: [PCIAddress] = []
  }

  struct Released {
    var address: PCIAddress
    var driver: String?
    var note: String
    var failed: Bool
  }

  /// Clears the override, unbinds and reprobes the device and every other
  /// endpoint of its IOMMU group (or of its slot when there are no groups).
  func release(_ address: PCIAddress) throws(CommandFailure) -> [Released] {
    let scanner = SysfsScanner(fileSystem: fileSystem, layout: layout)
    let devices: [PCIDevice]
    do {
      devices = try scanner.scan().devices
    } catch {
      throw .system(error)
    }
    guard let device = devices.first(where: { $0.address == address }) else {
      throw .noDevice(address)
    }
    if device.identity.isBridge { throw .bridgeStaysWithHost(address) }
    var members: [PCIAddress]
    if let group = scanner.iommuGroup(of: address) {
      members = scanner.members(ofGroup: group)
    } else {
      members = devices.filter { $0.address.sharesSlot(with: address) }.map(\.address)
    }
    members = members.filter { member in
      devices.first { $0.address == member }.map { !$0.identity.isBridge } ?? false
    }
    let control = DeviceControl(fileSystem: fileSystem, layout: layout)
    var results: [Released] = []
    for member in members {
      do {
        try control.clearOverride(member)
        if control.driver(of: member) != nil { try control.unbind(member) }
        try control.probe(member)
      } catch {
        results.append(
          Released(
            address: member, driver: control.driver(of: member),
            note: " (" + error.description + ")",
            failed: true))
        continue
      }
      let driver = control.driver(of: member)
      let failed = driver == Rule.defaultDriver || control.override(of: member) != nil
      results.append(
        Released(
          address: member, driver: driver,
          note: driver == nil ? " (no host driver claimed it; is its module loaded?)" : "",
          failed: failed))
    }
    return results
  }
}
