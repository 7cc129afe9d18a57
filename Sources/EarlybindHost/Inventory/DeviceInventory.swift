// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// The scanned devices with their sysfs state and the planner's verdicts:
/// the host's one scan-then-plan path. Uses the core scanner and planner
/// with the table's guards, so it shows what the binder would do; the
/// planner works on what was read here (`MemoryTopology`), so nothing is
/// read twice.
struct DeviceInventory {
  var records: [DeviceRecord]
  /// The planner's verdicts the records were marked from (nil without a table).
  var plan: Plan?
  /// Entries the scanner skipped; reported, never fatal.
  var problems: [String]

  /// With `nextBoot`, the drivers holding devices are judged as the binder
  /// will meet them at that boot (`NextBoot`); without it, as they are now.
  static func load<FS: HostFileSystem>(
    sysfs: String, table: BindingTable?, options: BootOptions = BootOptions(),
    fileSystem: FS, nextBoot: NextBoot? = nil
  ) throws(CommandFailure) -> DeviceInventory {
    let layout = SysfsLayout(sysfs: sysfs)
    let scanner = SysfsScanner(fileSystem: fileSystem, layout: layout)
    let scan: SysfsScanner<FS>.Result
    do {
      scan = try scanner.scan()
    } catch {
      throw .system(error)
    }
    var records: [DeviceRecord] = []
    var topology = MemoryTopology()
    let tree = DeviceTree(devices: scan.devices)
    topology.slots = slots(scanner)
    for device in scan.devices {
      let address = device.address
      func attribute(_ name: String) -> String? {
        guard let bytes = try? fileSystem.readFile(layout.attribute(address, name), limit: 256)
        else { return nil }
        let text = Text.trimmed(String(decoding: bytes, as: UTF8.self))
        return text.isEmpty ? nil : text
      }
      let resetMethod = attribute("reset_method")
      let override = attribute("driver_override")
      var record = DeviceRecord(
        device: device, iommuGroup: scanner.iommuGroup(of: address), resetMethod: resetMethod,
        resettable: resetMethod != nil || fileSystem.exists(layout.attribute(address, "reset")),
        driver: scanner.currentDriver(of: address),
        driverOverride: override == "(null)" ? nil : override)
      record.path = tree.path(of: address)
      record.slot = topology.slots.first { $0.value.sharesSlot(with: address) }?.key
      topology.drivers[address] = record.driver
      topology.groups[address] = record.iommuGroup
      records.append(record)
    }
    let judged = InventoryTopology(known: topology, scanner: scanner, nextBoot: nextBoot)
    let plan = table.map {
      Planner(
        topology: judged, protectedAddresses: $0.protectedAddresses,
        guardedAddresses: $0.guardedAddresses
      ).plan(
        devices: scan.devices, rules: $0.rules + options.extraRules, options: options,
        modules: $0.modules)
    }
    if let plan {
      for index in records.indices {
        records[index].selection = DeviceSelection(of: records[index].address, in: plan)
      }
    }
    // The scanner keeps a fixed number of problems; say how many more.
    var problems = ProblemList()
    for problem in scan.problems { problems.append(problem) }
    problems.drop(scan.droppedProblems)
    return DeviceInventory(records: records, plan: plan, problems: problems.lines)
  }

  /// The firmware's slots that name a device: name -> its function 0.
  static func slots<FS: FileSystem>(_ scanner: SysfsScanner<FS>) -> [SlotName: PCIAddress] {
    var slots: [SlotName: PCIAddress] = [:]
    let names = (try? scanner.fileSystem.listDirectory(scanner.layout.slots)) ?? []
    for name in names {
      guard let slot = SlotName(name), let address = scanner.slotAddress(named: slot) else {
        continue
      }
      slots[slot] = address
    }
    return slots
  }

  /// Names for the given records only, so pci.ids is read no further than needed.
  static func name(_ records: inout [DeviceRecord], from ids: PCIIDs) {
    for index in records.indices {
      let identity = records[index].identity
      records[index].vendorName = ids.vendorName(identity.id.vendor)
      records[index].deviceName = ids.deviceName(identity.id)
    }
  }
}

/// What the planner works on: drivers and groups as the inventory read
/// them, and the origin of a driver asked of sysfs only when the planner
/// asks, which it does only for drivers holding a selected device.
struct InventoryTopology<FS: FileSystem>: DeviceTopology {
  var known: MemoryTopology
  var scanner: SysfsScanner<FS>
  /// Judge drivers for this boot instead of as they are now.
  var nextBoot: NextBoot?

  func currentDriver(of address: PCIAddress) -> String? { known.currentDriver(of: address) }
  func iommuGroup(of address: PCIAddress) -> String? { known.iommuGroup(of: address) }
  func members(ofGroup group: String) -> [PCIAddress] { known.members(ofGroup: group) }
  func slotAddress(named name: SlotName) -> PCIAddress? { known.slotAddress(named: name) }

  func origin(ofDriver name: String) -> DriverOrigin {
    guard let nextBoot else { return scanner.origin(ofDriver: name) }
    let module =
      scanner.fileSystem.linkName(scanner.layout.driverModule(name)) ?? NextBoot.moduleName(name)
    return nextBoot.isBuiltIn(module: module) ? .builtIn : .loadsAfterBinder
  }
}

extension DeviceInventory {
  /// The binder's decisions for `table` on a live (or test) sysfs tree:
  /// the table's rules plus the command line's, its modules and guards.
  static func plan(
    _ table: BindingTable, options: BootOptions, sysfs: String, fileSystem: any HostFileSystem,
    nextBoot: NextBoot? = nil
  ) throws(CommandFailure) -> Plan {
    let inventory = try load(
      sysfs: sysfs, table: table, options: options, fileSystem: fileSystem, nextBoot: nextBoot)
    return inventory.plan ?? Plan()
  }
}

extension HostEnvironment {
  /// This boot's command line, whose switches the next boot most likely
  /// carries too.
  var bootOptions: BootOptions {
    BootOptions.parse((try? fileSystem.readFile(paths.proc + "/cmdline", limit: 65536)) ?? [])
  }
}
