import ArgumentParser
import EarlybindCore
import EarlybindPosix
import Foundation

/// `earlybind list`: the devices a user might pass through, with what
/// decides whether that works (group, reset, driver) and what the config
/// does to them, so rules can be written without lspci and sysfs digging.
struct ListCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "list",
    abstract: "List the PCI devices that matter for passthrough.",
    discussion: """
      Shows display, multimedia (audio), USB, storage and network controllers, and
      any device the config's rules touch; --all shows every PCI function. Names
      come from pci.ids (/usr/share/misc/pci.ids or /usr/share/hwdata/pci.ids; Debian
      package pci.ids, which pciutils pulls in) when installed. The RULE column says
      which config line takes the device: selected, function (follows the selected
      function of its slot), group (follows through the IOMMU group) or refused.
      JSON (--json): {config, pci_ids (the files used, or null), problems, devices},
      devices sorted by address, each with: address, class (6 hex digits),
      class_name, vendor, device, subsystem_vendor, subsystem_device (4 hex digits),
      vendor_name, device_name, boot_vga (bool), iommu_group (string), reset_method,
      resettable (bool), driver, driver_override, rule ({line, rule, role, driver,
      of, reason}; role is selected, function, group or refused). Absent values are
      null.
      """)

  @Flag(name: .long, help: "List every PCI function, not only the usual passthrough classes.")
  var all = false

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  @Option(name: .long, help: "The sysfs mount to scan.")
  var sysfs: String = "/sys"

  @Option(name: .long, help: "The config whose rules to show (default: /etc/earlybind.conf).")
  var config: String?

  @Option(name: .customLong("pci-ids"), help: "The pci.ids file for names.")
  var pciIDs: String?

  /// The output and the warnings for stderr, apart so tests can read both.
  func render(colour: Bool) throws(CommandFailure) -> (text: String, warnings: [String]) {
    let loaded = DeviceInventory.loadRules(config: config)
    var warnings = loaded.warning.map { [$0] } ?? []
    let inventory = try DeviceInventory.load(sysfs: sysfs, rules: loaded.rules)
    warnings += inventory.problems
    var records = inventory.records.filter { all || Self.matters($0) }
    let ids = PCIIDs.load(path: pciIDs, wanted: records.map(\.identity))
    if let ids {
      DeviceInventory.name(&records, from: ids)
    } else if let pciIDs {
      warnings.append("cannot read " + pciIDs + "; names not shown")
    }
    let report = ListReport(
      records: records, config: loaded.path, pciIDs: ids?.path, problems: inventory.problems,
      filtered: !all)
    return (json ? report.json() : report.text(colour: colour), warnings)
  }

  /// Classes people pass through, plus anything a rule touches.
  static func matters(_ record: DeviceRecord) -> Bool {
    let code = record.identity.classCode
    return (0x01...0x04).contains(code >> 16) || code >> 8 == 0x0C03 || record.selection != nil
  }
}

/// The listing in both forms.
struct ListReport {
  var records: [DeviceRecord]
  var config: String?
  var pciIDs: String?
  var problems: [String]
  var filtered: Bool

  func text(colour: Bool) -> String {
    if records.isEmpty {
      return filtered
        ? "No display, audio, USB, storage or network controller found (--all lists every device).\n"
        : "No PCI device found.\n"
    }
    var headers = [
      "ADDRESS", "BOOT", "CLASS", "ID", "SUBSYSTEM", "GROUP", "RESET", "DRIVER", "OVERRIDE",
    ]
    if config != nil { headers.append("RULE") }
    if pciIDs != nil { headers.append("NAME") }
    var table = TextTable(headers: headers)
    var notes: [String] = []
    for record in records {
      typealias Cell = TextTable.Cell
      var row = [
        Cell(record.address.description),
        record.device.isBootVGA ? Cell("yes", .yellow) : Cell("-"),
        Cell(record.classLabel),
        Cell(record.identity.id.description), Cell(record.identity.subsystem.description),
        Cell(record.iommuGroup ?? "-"),
        Cell(
          record.resetMethod?.replacingOccurrences(of: " ", with: ",")
            ?? (record.resettable ? "yes" : "no")),
        Cell(record.driver ?? "-", record.driver == Rule.defaultDriver ? .green : .plain),
        record.driverOverride.map { Cell($0, .cyan) } ?? Cell("-"),
      ]
      if config != nil {
        if let selection = record.selection {
          row.append(Cell(selection.summary, selection.role == .refused ? .red : .green))
          if let reason = selection.reason {
            notes.append(record.address.description + ": " + selection.rule.origin + ": " + reason)
          }
        } else {
          row.append(Cell("-"))
        }
      }
      if pciIDs != nil {
        let name = [record.vendorName, record.deviceName].compactMap { $0 }
        row.append(Cell(name.isEmpty ? "-" : name.joined(separator: " ")))
      }
      table.add(row)
    }
    var out = table.render(colour: colour)
    if !notes.isEmpty {
      out += "\nRefused:\n" + notes.map { "  " + $0 + "\n" }.joined()
    }
    return out
  }

  func json() -> String {
    let object: [String: Any] = [
      "config": JSONText.orNull(config),
      "pci_ids": JSONText.orNull(pciIDs),
      "problems": problems,
      "devices": records.map(Self.jsonObject),
    ]
    return JSONText.render(object)
  }

  static func jsonObject(_ record: DeviceRecord) -> [String: Any] {
    var rule: Any = NSNull()
    if let selection = record.selection {
      rule =
        [
          "line": selection.rule.line, "rule": selection.rule.description,
          "role": selection.role.rawValue, "driver": selection.driver,
          "of": JSONText.orNull(selection.parent?.description),
          "reason": JSONText.orNull(selection.reason),
        ] as [String: Any]
    }
    return record.jsonIdentity.merging(
      [
        "vendor_name": JSONText.orNull(record.vendorName),
        "device_name": JSONText.orNull(record.deviceName),
        "boot_vga": record.device.isBootVGA, "iommu_group": JSONText.orNull(record.iommuGroup),
        "reset_method": JSONText.orNull(record.resetMethod), "resettable": record.resettable,
        "driver": JSONText.orNull(record.driver),
        "driver_override": JSONText.orNull(record.driverOverride), "rule": rule,
      ]
    ) { _, new in new }
  }
}
