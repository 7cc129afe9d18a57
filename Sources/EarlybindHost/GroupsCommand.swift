import ArgumentParser
import EarlybindCore
import EarlybindPosix
import Foundation

/// `earlybind groups`: the IOMMU groups, and for the config's targets
/// whether their groups go whole. A guest gets a group only when every
/// endpoint in it is on vfio-pci; one forgotten member blocks it.
struct GroupsCommand: RenderingCommand {
  static let configuration = CommandConfiguration(
    commandName: "groups",
    abstract: "Show the IOMMU groups and whether the rules' targets take whole groups.",
    discussion: """
      Lists every IOMMU group with its PCI functions. With a config, checks each
      group holding a target: every member except bridges (class 06xx, which stay
      with the host) must be a target too, or the guest cannot use the group.
      Exits 0 with a clear message when the IOMMU is off (no groups).
      JSON (--json): {iommu (bool), config, problems, groups: [{group, devices:
      [{address, class, class_name, vendor, device, subsystem_vendor,
      subsystem_device, driver, role, line}]}], checks: [{group, lines, targets,
      missing, bridges, complete (bool), message}]}. Groups are sorted by number,
      devices by address; role is selected, function, group, refused or null.
      """)

  @Flag(name: .long, help: "Print JSON.")
  var json = false

  @Option(name: .long, help: "The sysfs mount to scan.")
  var sysfs: String = "/sys"

  @Option(name: .long, help: "The config whose targets to check (default: /etc/earlybind.conf).")
  var config: String?

  func render(colour: Bool) throws(CommandFailure) -> (text: String, warnings: [String]) {
    let loaded = DeviceInventory.loadRules(config: config)
    let inventory = try DeviceInventory.load(sysfs: sysfs, rules: loaded.rules)
    let report = GroupReport(inventory: inventory, sysfs: sysfs, config: loaded.path)
    let warnings = (loaded.warning.map { [$0] } ?? []) + inventory.problems
    return (json ? report.json() : report.text(colour: colour), warnings)
  }
}
