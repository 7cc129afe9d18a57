import EarlybindCore
import EarlybindPosix
import Foundation

/// How the config's rules treat one device, as the planner decided it.
struct DeviceSelection: Hashable {
  enum Role: String {
    case selected, function, group, refused
  }

  var rule: Rule
  var role: Role
  var driver: String
  /// The selected device a function or group member follows.
  var parent: PCIAddress?
  /// Why a refused device is left alone, in the binder's words.
  var reason: String?

  /// `line 2 selected`, `line 2 function`, with the driver when not vfio-pci.
  var summary: String {
    var text = rule.origin + " " + role.rawValue
    if role != .refused, driver != Rule.defaultDriver { text += " driver=" + driver }
    return text
  }
}

/// Everything `list` and `groups` show about one function, read once.
struct DeviceRecord {
  var device: PCIDevice
  var iommuGroup: String?
  /// The kernel's `reset_method` (e.g. `flr bus`); absent on older kernels.
  var resetMethod: String?
  /// `reset_method` lists something, or (older kernels) a `reset` file exists.
  var resettable: Bool
  var driver: String?
  var driverOverride: String?
  var vendorName: String?
  var deviceName: String?
  var selection: DeviceSelection?

  var address: PCIAddress { device.address }
  var identity: PCIIdentity { device.identity }
  var className: String { PCIClassNames.name(identity.classCode) }
  /// All six digits: the programming interface tells xHCI from EHCI.
  var classText: String { Self.hex(identity.classCode, width: 6) }
  /// `0300 VGA`: the subclass as lspci shows it, and a short name.
  var classLabel: String { Self.hex(identity.classCode >> 8, width: 4) + " " + className }

  /// The identity keys both `list --json` and `groups --json` print.
  var jsonIdentity: [String: Any] {
    [
      "address": address.description, "class": classText, "class_name": className,
      "vendor": Self.hex(identity.id.vendor), "device": Self.hex(identity.id.device),
      "subsystem_vendor": Self.hex(identity.subsystem.vendor),
      "subsystem_device": Self.hex(identity.subsystem.device),
    ]
  }

  static func hex(_ value: UInt16) -> String { hex(UInt32(value), width: 4) }

  static func hex(_ value: UInt32, width: Int) -> String { ASCII.hex(value, width: width) }
}

/// The scanned devices with their sysfs state and the config's verdicts.
/// Uses the core scanner and planner, so it shows what the binder would do.
struct DeviceInventory {
  var records: [DeviceRecord]
  /// The planner's verdicts the records were marked from (nil without rules).
  var plan: Plan?
  /// Entries the scanner skipped; reported, never fatal.
  var problems: [String]

  static func load(sysfs: String, rules: [Rule]?, protected: [PCIAddress] = [])
    throws(CommandFailure) -> DeviceInventory
  {
    let fileSystem = PosixFileSystem()
    let layout = SysfsLayout(sysfs: sysfs)
    let scanner = SysfsScanner(fileSystem: fileSystem, layout: layout)
    let scan: SysfsScanner<PosixFileSystem>.Result
    do {
      scan = try scanner.scan()
    } catch {
      throw CommandFailure("cannot scan PCI devices: " + error.description)
    }
    let plan = rules.map {
      Planner(topology: scanner, protectedAddresses: protected).plan(
        devices: scan.devices, rules: $0)
    }
    var records: [DeviceRecord] = []
    for device in scan.devices {
      let address = device.address
      func attribute(_ name: String) -> String? {
        guard let bytes = try? fileSystem.readFile(layout.attribute(address, name), limit: 256)
        else { return nil }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(
          in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
      }
      let resetMethod = attribute("reset_method")
      let override = attribute("driver_override")
      records.append(
        DeviceRecord(
          device: device, iommuGroup: scanner.iommuGroup(of: address), resetMethod: resetMethod,
          resettable: resetMethod != nil
            || FileManager.default.fileExists(atPath: layout.attribute(address, "reset")),
          driver: scanner.currentDriver(of: address),
          driverOverride: override == "(null)" ? nil : override,
          selection: plan.flatMap { selection(of: address, in: $0) }))
    }
    return DeviceInventory(records: records, plan: plan, problems: scan.problems)
  }

  /// A target wins over a refusal: a device claimed by one rule and
  /// refused by a later, conflicting one still goes to the first.
  static func selection(of address: PCIAddress, in plan: Plan) -> DeviceSelection? {
    if let target = plan.target(at: address) {
      switch target.reason {
      case .selected:
        return DeviceSelection(rule: target.rule, role: .selected, driver: target.driver)
      case .function(let parent):
        return DeviceSelection(
          rule: target.rule, role: .function, driver: target.driver, parent: parent)
      case .group(let parent, _):
        return DeviceSelection(
          rule: target.rule, role: .group, driver: target.driver, parent: parent)
      }
    }
    guard let refusal = plan.refusals.first(where: { $0.device.address == address }) else {
      return nil
    }
    return DeviceSelection(
      rule: refusal.rule, role: .refused, driver: refusal.rule.driver,
      reason: PlanText.reason(refusal.reason))
  }

  /// Names for the given records only, so pci.ids is read no further than needed.
  static func name(_ records: inout [DeviceRecord], from ids: PCIIDs) {
    for index in records.indices {
      let identity = records[index].identity
      records[index].vendorName = ids.vendorName(identity.id.vendor)
      records[index].deviceName = ids.deviceName(identity.id)
    }
  }

  /// Commands that list devices work without a config: a missing default
  /// one is normal (nothing set up yet), a missing explicit one is noted.
  /// A broken config is always noted; the listing goes on without rules.
  static func loadRules(config: String?) -> (rules: [Rule]?, path: String?, warning: String?) {
    let path = config ?? ConfigFile.defaultPath
    guard FileManager.default.fileExists(atPath: path) else {
      return (nil, nil, config == nil ? nil : "no config at " + path + "; rules not shown")
    }
    do {
      return (try ConfigFile.load(path), path, nil)
    } catch {
      return (nil, nil, error.description + " (rules not shown)")
    }
  }
}
