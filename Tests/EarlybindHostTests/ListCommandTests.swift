// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// A pci.ids excerpt with the traps of the real file: comments, subsystem
/// lines, vendors without the wanted device, and the class section.
let testPCIIDs = """
  #
  #\tList of PCI ID's
  #
  0001  SafeNet (wrong ID)
  10de  NVIDIA Corporation
  \t0020  NV4 [Riva TNT]
  \t\t10de 1b80  Decoy subsystem line
  # A comment inside the block does not end it.
  \t10f0  GP104 High Definition Audio Controller
  \t1b80  GP104 [GeForce GTX 1080]
  \t\t1458 3702  GV-N1080G1 GAMING-8GD
  144d  Samsung Electronics Co Ltd
  \ta808  NVMe SSD Controller SM981/PM981/PM983
  8086  Intel Corporation
  \t1901  6th-10th Gen Core Processor PCIe Controller (x16)
  \ta36d  Cannon Lake PCH USB 3.1 xHCI Host Controller
  ffff  Illegal Vendor ID

  # List of known device classes, subclasses and programming interfaces
  C 00  Unclassified device
  \t00  Non-VGA unclassified device

  """

/// The keys `earlybind list --json` documents for each device.
let listDeviceKeys: Set<String> = [
  "address", "class", "class_name", "vendor", "device", "subsystem_vendor", "subsystem_device",
  "vendor_name", "device_name", "boot_vga", "iommu_group", "reset_method", "resettable",
  "driver", "driver_override", "path", "slot", "rule",
]

/// Columns start where the header's words start, on every table line (the
/// table ends at the first blank line).
func tableIsAligned(_ text: String) -> Bool {
  let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
    .prefix { !$0.isEmpty }.map(Array.init)
  guard let header = lines.first, lines.count > 1 else { return false }
  var starts: [Int] = []
  for index in header.indices where header[index] != " " && (index == 0 || header[index - 1] == " ")
  {
    starts.append(index)
  }
  for line in lines.dropFirst() {
    for start in starts.dropFirst() {
      guard line.count > start, line[start - 1] == " ", line[start - 2] == " ", line[start] != " "
      else { return false }
    }
  }
  return true
}

func parseJSON(_ text: String) throws -> [String: Any] {
  try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
}

@Suite struct ListCommandTests {
  struct ListedRule: Decodable, Equatable {
    var line: Int
    var rule: String
    var role: String
    var driver: String
    var of: String?
    var reason: String?
  }

  struct ListedDevice: Decodable, Equatable {
    var address: String
    var `class`: String
    var className: String
    var vendor: String
    var device: String
    var subsystemVendor: String
    var subsystemDevice: String
    var vendorName: String?
    var deviceName: String?
    var bootVga: Bool
    var iommuGroup: String?
    var resetMethod: String?
    var resettable: Bool
    var driver: String?
    var driverOverride: String?
    var path: String?
    var slot: String?
    var rule: ListedRule?
  }

  struct Listing: Decodable {
    var config: String?
    var pciIds: String?
    var problems: [String]
    var devices: [ListedDevice]
  }

  /// The documented snake_case keys onto the structs above.
  func decode(_ text: String) throws -> Listing {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(Listing.self, from: Data(text.utf8))
  }

  /// The workstation tree, a config and the test pci.ids in one place.
  func list(_ sysfs: FakeSysfs, config: String?, _ arguments: [String] = []) throws -> (
    text: String, warnings: [String]
  ) {
    try sysfs.write("pci.ids", testPCIIDs)
    var all = ["--sysfs", sysfs.sys, "--pci-ids", sysfs.root + "/pci.ids"] + arguments
    if let config {
      try sysfs.write("earlybind.conf", config)
      all += ["--config", sysfs.root + "/earlybind.conf"]
    }
    return try TestHost(sysfs: sysfs).render(ListCommand.self, all)
  }

  @Test func eachRuleShowsWhatItWillSet() throws {
    let config = "# second GPU\n10de:1b80 reset-method=bus:flr d3cold=off\n"
    let json = try list(
      try Workstation.build(memory: MemoryFileSystem()), config: config, ["--json"])
    let devices = try #require(try parseJSON(json.text)["devices"] as? [[String: Any]])
    func settings(_ address: String) -> [String]? {
      let device = devices.first { $0["address"] as? String == address }
      return (device?["rule"] as? [String: Any])?["settings"] as? [String]
    }
    #expect(settings("0000:02:00.0") == ["reset_method=bus flr", "d3cold_allowed=0"])
    #expect(settings("0000:02:00.1") == ["reset_method=bus flr", "d3cold_allowed=0"])
    #expect(settings("0000:01:00.0") == [], "a refused device gets nothing written")
    let text = try list(try Workstation.build(memory: MemoryFileSystem()), config: config)
    #expect(text.text.contains("line 2 selected reset_method=bus,flr d3cold_allowed=0"))
  }

  @Test func jsonHasTheDocumentedFieldsForIdenticalGPUs() throws {
    let sysfs = try Workstation.build(memory: MemoryFileSystem())
    let output = try list(sysfs, config: "# second GPU\n10de:1b80\n", ["--json"])
    #expect(output.warnings.isEmpty)
    let object = try parseJSON(output.text)
    #expect(Set(object.keys) == ["version", "config", "pci_ids", "problems", "devices"])
    #expect(object["version"] as? Int == 2)
    let devices = try #require(object["devices"] as? [[String: Any]])
    for device in devices { #expect(Set(device.keys) == listDeviceKeys) }

    let listing = try decode(output.text)
    #expect(listing.config == sysfs.root + "/earlybind.conf")
    #expect(listing.pciIds == sysfs.root + "/pci.ids")
    #expect(
      listing.devices.map(\.address) == [
        "0000:00:14.0", "0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:02:00.1",
        "0000:03:00.0",
      ])
    let byAddress = Dictionary(uniqueKeysWithValues: listing.devices.map { ($0.address, $0) })
    #expect(
      byAddress["0000:01:00.0"]
        == ListedDevice(
          address: "0000:01:00.0", class: "030000", className: "VGA", vendor: "10de",
          device: "1b80", subsystemVendor: "1458", subsystemDevice: "3702",
          vendorName: "NVIDIA Corporation", deviceName: "GP104 [GeForce GTX 1080]",
          bootVga: true, iommuGroup: "1", resetMethod: "flr bus", resettable: true,
          driver: "nvidia", driverOverride: nil, path: "01.0/00.0",
          rule: ListedRule(
            line: 2, rule: "10de:1b80", role: "refused", driver: "vfio-pci", of: nil,
            reason: "boot GPU (boot_vga=1); add allow-boot-vga to take it")))
    #expect(
      byAddress["0000:02:00.0"]
        == ListedDevice(
          address: "0000:02:00.0", class: "030000", className: "VGA", vendor: "10de",
          device: "1b80", subsystemVendor: "1458", subsystemDevice: "3702",
          vendorName: "NVIDIA Corporation", deviceName: "GP104 [GeForce GTX 1080]",
          bootVga: false, iommuGroup: "2", resetMethod: nil, resettable: true, driver: nil,
          driverOverride: "vfio-pci", path: "0000:02:00.0",
          rule: ListedRule(line: 2, rule: "10de:1b80", role: "selected", driver: "vfio-pci")))
    #expect(
      byAddress["0000:02:00.1"]?.rule
        == ListedRule(
          line: 2, rule: "10de:1b80", role: "function", driver: "vfio-pci", of: "0000:02:00.0"))
    #expect(byAddress["0000:02:00.1"]?.driver == "vfio-pci")
    #expect(byAddress["0000:01:00.1"]?.rule == nil)
    let usb = try #require(byAddress["0000:00:14.0"])
    #expect(usb.class == "0c0330" && usb.className == "USB xHCI")
    #expect(usb.vendorName == "Intel Corporation")
    #expect(usb.resettable == false && usb.resetMethod == nil && usb.iommuGroup == "3")
    #expect(byAddress["0000:03:00.0"]?.className == "NVMe")
    // JSON null, not a missing key, for absent values.
    let raw = try #require(devices.first { $0["address"] as? String == "0000:01:00.1" })
    #expect(raw["rule"] is NSNull)
    #expect(raw["driver_override"] is NSNull)
  }

  @Test func defaultListsPassthroughClassesAndAllListsEverything() throws {
    let sysfs = try Workstation.build(memory: MemoryFileSystem())
    let some = try decode(try list(sysfs, config: nil, ["--json"]).text)
    #expect(
      !some.devices.contains { $0.address == "0000:00:1f.4" || $0.className.contains("bridge") })
    #expect(some.devices.count == 6)
    let all = try decode(try list(sysfs, config: nil, ["--json", "--all"]).text)
    #expect(all.devices.count == 9)
    #expect(all.devices.map(\.address) == all.devices.map(\.address).sorted())
    #expect(all.devices.first?.className == "Host bridge")
    // A device a rule touches is shown even outside the usual classes.
    let touched = try decode(try list(sysfs, config: "0000:00:1f.4\n", ["--json"]).text)
    #expect(touched.devices.count == 7)
    #expect(touched.devices.first { $0.address == "0000:00:1f.4" }?.rule?.role == "selected")
  }

  @Test func pathsAndSlotsAreListed() throws {
    let sysfs = try Machine.build(Renumbering.after, memory: MemoryFileSystem())
    try sysfs.addSlot("3", at: "0000:05:00")
    let json = try decode(try list(sysfs, config: nil, ["--json", "--all"]).text)
    let byAddress = Dictionary(uniqueKeysWithValues: json.devices.map { ($0.address, $0) })
    #expect(byAddress["0000:05:00.1"]?.path == "1c.0/00.0/00.1")
    #expect(byAddress["0000:05:00.1"]?.slot == "3")
    #expect(byAddress["0000:03:00.0"]?.path == "1b.0/00.0/00.0")
    #expect(byAddress["0000:03:00.0"]?.slot == nil)
    #expect(byAddress["0000:00:1c.0"]?.path == "1c.0")
    let text = try list(sysfs, config: nil, ["--all"]).text
    let lines = text.split(separator: "\n").map(String.init)
    #expect(lines[0].hasPrefix("ADDRESS       PATH            SLOT  BOOT"))
    let gpu = try #require(lines.first { $0.hasPrefix("0000:05:00.0") })
    #expect(gpu.split(separator: " ").prefix(3) == ["0000:05:00.0", "1c.0/00.0/00.0", "3"])
    #expect(tableIsAligned(text))
  }

  @Test func textColumnsAreAlignedAndPlainWhenNotATerminal() throws {
    let sysfs = try Workstation.build(memory: MemoryFileSystem())
    let output = try list(sysfs, config: "10de:1b80\n")
    let text = output.text
    #expect(!text.contains("\u{1B}"))
    #expect(tableIsAligned(text))
    let lines = text.split(separator: "\n").map(String.init)
    #expect(
      lines[0].split(separator: " ").map(String.init) == [
        "ADDRESS", "PATH", "BOOT", "CLASS", "ID", "SUBSYSTEM", "GROUP", "RESET", "DRIVER",
        "OVERRIDE", "RULE", "NAME",
      ])
    let boot = try #require(lines.first { $0.hasPrefix("0000:01:00.0") })
    #expect(
      boot.split(separator: " ", omittingEmptySubsequences: true).prefix(12).joined(separator: " ")
        == "0000:01:00.0 01.0/00.0 yes 0300 VGA 10de:1b80 1458:3702 1 flr,bus nvidia - line")
    #expect(boot.contains(" line 1 refused "))
    #expect(boot.hasSuffix("  NVIDIA Corporation GP104 [GeForce GTX 1080]"))
    #expect(lines.contains { $0.hasPrefix("0000:02:00.1") && $0.contains("line 1 function") })
    #expect(lines.allSatisfy { !$0.hasSuffix(" ") })
    #expect(
      text.hasSuffix(
        "Refused:\n  0000:01:00.0: line 1: boot GPU (boot_vga=1); add allow-boot-vga to take it\n"))
  }

  @Test func colourOnlyForATerminalWithoutNoColor() throws {
    #expect(!TextTable.wantsColour(isTerminal: false, environment: [:]))
    #expect(TextTable.wantsColour(isTerminal: true, environment: [:]))
    #expect(!TextTable.wantsColour(isTerminal: true, environment: ["NO_COLOR": "1"]))
    #expect(!TextTable.wantsColour(isTerminal: true, environment: ["NO_COLOR": ""]))
    let sysfs = try Workstation.build(memory: MemoryFileSystem())
    try sysfs.write("c.conf", "10de:1b80\n")
    let host = try TestHost(sysfs: sysfs)
    let arguments = ["--sysfs", sysfs.sys, "--config", sysfs.root + "/c.conf"]
    let coloured = try host.render(ListCommand.self, arguments, colour: true).text
    #expect(coloured.contains("\u{1B}[32mvfio-pci\u{1B}[0m"))
    let stripped = coloured.replacingOccurrences(
      of: "\u{1B}\\[[0-9;]*m", with: "", options: .regularExpression)
    #expect(stripped == (try host.render(ListCommand.self, arguments).text))
  }

  /// Junk in the devices directory is listed up to a fixed number of
  /// problems, then counted.
  @Test func junkEntriesAreCappedAndCounted() throws {
    let sysfs = try Workstation.build()
    for index in 0..<100 { try sysfs.write("sys/bus/pci/devices/junk-" + String(index), "") }
    let listing = try decode(try list(sysfs, config: nil, ["--json"]).text)
    #expect(listing.problems.count == ProblemList.maximumKept + 1)
    #expect(listing.problems.last == "68 more problems left out (only the first 32 are kept)")
    #expect(listing.devices.contains { $0.address == "0000:02:00.0" })
  }

  @Test func worksWithoutConfigOrPCIIDs() throws {
    let sysfs = try Workstation.build(memory: MemoryFileSystem())
    let output = try TestHost(sysfs: sysfs).render(
      ListCommand.self,
      [
        "--sysfs", sysfs.sys, "--config", sysfs.root + "/none.conf", "--pci-ids",
        sysfs.root + "/none.ids",
      ])
    #expect(
      output.warnings == [
        "no config at \(sysfs.root)/none.conf; rules not shown",
        "cannot read \(sysfs.root)/none.ids; names not shown",
      ])
    let header = output.text.split(separator: "\n").first.map(String.init) ?? ""
    #expect(!header.contains("RULE") && !header.contains("NAME"))
    #expect(tableIsAligned(output.text))

    let broken = try list(sysfs, config: "bogus-selector\n", ["--json"])
    #expect(broken.warnings.count == 1)
    #expect(broken.warnings.first?.contains("earlybind.conf:1") == true)
    let listing = try decode(broken.text)
    #expect(listing.config == nil && listing.devices.allSatisfy { $0.rule == nil })
  }

  @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/bus/pci/devices")))
  func listsThisMachine() throws {
    let entries = try FileManager.default.contentsOfDirectory(atPath: "/sys/bus/pci/devices")
    let host = try TestHost()
    let listing = try decode(
      try host.render(ListCommand.self, ["--all", "--json", "--sysfs", "/sys"]).text)
    #expect(listing.devices.count == entries.count)
    #expect(Set(listing.devices.map(\.address)) == Set(entries))
    _ = try host.render(ListCommand.self, ["--all", "--sysfs", "/sys"])
  }
}

@Suite struct PCIIDsTests {
  @Test func namesOnlyTheWantedIDs() {
    let wanted = [
      PCIIdentity(vendor: 0x10DE, device: 0x1B80, classCode: 0x030000),
      PCIIdentity(vendor: 0x8086, device: 0x3E30, classCode: 0x060000),
      PCIIdentity(vendor: 0x1AF4, device: 0x1000, classCode: 0x020000),
    ]
    let ids = PCIIDs.parse(Array(testPCIIDs.utf8), wanted: wanted)
    #expect(ids.vendorName(0x10DE) == "NVIDIA Corporation")
    #expect(ids.deviceName(PCIID(vendor: 0x10DE, device: 0x1B80)) == "GP104 [GeForce GTX 1080]")
    #expect(ids.vendorName(0x8086) == "Intel Corporation")
    #expect(ids.deviceName(PCIID(vendor: 0x8086, device: 0x3E30)) == nil)
    #expect(ids.vendorName(0x1AF4) == nil)
    // Not wanted: not decoded.
    #expect(ids.vendorName(0x144D) == nil)
    #expect(ids.deviceName(PCIID(vendor: 0x10DE, device: 0x10F0)) == nil)
    #expect(ids.vendors.count == 2 && ids.devices.count == 1)
  }

  @Test func subsystemAndClassLinesAreNotDevices() {
    let wanted = [PCIIdentity(vendor: 0x10DE, device: 0x10DE, classCode: 0)]
    let ids = PCIIDs.parse(Array(testPCIIDs.utf8), wanted: wanted)
    #expect(ids.deviceName(PCIID(vendor: 0x10DE, device: 0x10DE)) == nil)
    let classes = PCIIDs.parse(
      Array("0000  Vendor\nC 00  Unclassified\n\t0000  Not a device\n".utf8),
      wanted: [PCIIdentity(vendor: 0, device: 0, classCode: 0)])
    #expect(classes.vendorName(0) == "Vendor" && classes.devices.isEmpty)
  }

  @Test func absentDatabaseGivesNoNames() {
    #expect(
      PCIIDs.load(["/nonexistent/pci.ids"], wanted: [], fileSystem: PosixFileSystem()) == nil)
  }
}
