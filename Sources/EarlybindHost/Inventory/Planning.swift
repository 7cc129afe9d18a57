// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

/// The binder's decisions for a table on a live (or test) sysfs tree:
/// the table's rules plus the command line's, its modules and guards.
enum Planning {
  /// With `nextBoot`, drivers holding devices are judged as the binder
  /// will meet them at that boot (`NextBoot`); without it, as they are now.
  static func plan(
    _ table: BindingTable, options: BootOptions, sysfs: String, fileSystem: PosixFileSystem,
    nextBoot: NextBoot? = nil
  ) throws(CommandFailure) -> Plan {
    let scanner = SysfsScanner(fileSystem: fileSystem, layout: SysfsLayout(sysfs: sysfs))
    let scan: SysfsScanner<PosixFileSystem>.Result
    do {
      scan = try scanner.scan()
    } catch {
      throw .system(error)
    }
    let rules = table.rules + options.extraRules
    if let nextBoot {
      let topology = NextBootTopology(live: scanner, nextBoot: nextBoot)
      return Planner(topology: topology, protectedAddresses: table.protectedAddresses).plan(
        devices: scan.devices, rules: rules, options: options, modules: table.modules)
    }
    return Planner(topology: scanner, protectedAddresses: table.protectedAddresses).plan(
      devices: scan.devices, rules: rules, options: options, modules: table.modules)
  }

  /// A table made straight from rules: their modules, no guarded addresses.
  static func table(_ rules: [Rule], protected: [PCIAddress] = []) -> BindingTable {
    BindingTable(
      rules: rules, modules: BindingTable.modules(for: rules), protectedAddresses: protected)
  }
}
