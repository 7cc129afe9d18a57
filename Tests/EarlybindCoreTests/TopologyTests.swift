// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Testing

/// Paths, the device tree, and path and slot rules across renumbering.
@Suite("Topology")
struct TopologyTests {
  @Test func pathsParseAndPrintBack() throws {
    let cases: [(String, PCIPath)] = [
      ("1c.0/00.0/00.0", PCIPath(hops: [0xE0, 0, 0])),
      ("1f.3", PCIPath(hops: [0xFB])),
      ("0000:40:01.1/00.0", PCIPath(rootBus: 0x40, hops: [0x09, 0])),
      ("10000:e0:1d.0/00.7", PCIPath(domain: 0x10000, rootBus: 0xE0, hops: [0xE8, 7])),
    ]
    for (text, path) in cases {
      #expect(PCIPath(parsing: slice(text)) == path, "\(text)")
      #expect(path.description == text)
    }
    #expect(PCIPath(parsing: slice("00:1c.0/00.0"))?.description == "1c.0/00.0")
    for bad in ["", "/", "1c.0/", "1c.0//00.0", "1c/00.0", "20.0", "1c.8", "1c.0/0.0", "x"] {
      #expect(PCIPath(parsing: slice(bad)) == nil, "\(bad)")
    }
    let deepest = Array(repeating: "00.0", count: PCIPath.maximumHops).joined(separator: "/")
    #expect(PCIPath(parsing: slice(deepest))?.hops.count == PCIPath.maximumHops)
    #expect(PCIPath(parsing: slice(deepest + "/00.0")) == nil)
  }

  @Test func theTreeGivesParentsAndPaths() {
    let tree = DeviceTree(devices: Renumbering.after.pciDevices)
    #expect(tree.parent(of: address("0000:05:00.0"))?.address == address("0000:04:00.0"))
    #expect(tree.parent(of: address("0000:04:00.0"))?.address == address("0000:00:1c.0"))
    #expect(tree.parent(of: address("0000:00:1c.0")) == nil)
    #expect(tree.path(of: address("0000:05:00.1"))?.description == "1c.0/00.0/00.1")
    #expect(tree.path(of: address("0000:03:00.0"))?.description == "1b.0/00.0/00.0")
    #expect(tree.path(of: address("0000:00:1c.0"))?.description == "1c.0")
    #expect(tree.address(of: PCIPath(hops: [0xE0, 0, 0])) == address("0000:05:00.0"))
    // Through a function that is not a bridge, or to nothing: no address.
    #expect(tree.address(of: PCIPath(hops: [0xE0, 0, 0, 0])) == nil)
    #expect(tree.address(of: PCIPath(hops: [0xE0, 0x08])) == nil)
    #expect(tree.address(of: PCIPath(rootBus: 4, hops: [0])) == nil)  // bus 4 is not a root bus
  }

  @Test func twoBridgesClaimingOneBusGiveNoPathBelowIt() {
    var devices = Renumbering.after.pciDevices
    let index = devices.firstIndex { $0.address == address("0000:02:00.0") }!
    devices[index].secondaryBus = 5  // also claims bus 5
    let tree = DeviceTree(devices: devices)
    #expect(tree.path(of: address("0000:05:00.0")) == nil)
    #expect(tree.address(of: PCIPath(hops: [0xE0, 0, 0])) == nil)
  }

  func plan(_ devices: [FakeDevice], _ config: String, slots: [SlotName: PCIAddress] = [:])
    throws -> Plan
  {
    var topology = devices.topology()
    topology.slots = slots
    return Planner(topology: topology).plan(devices: devices.pciDevices, rules: try rules(config))
  }

  func targets(_ plan: Plan) -> [String] { plan.targets.map { $0.device.address.description } }

  /// The rule `add` writes for the GPU at 03:00.0 before the newcomer.
  static let pathRule = "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702"

  @Test func aPathRuleFollowsTheCardAcrossRenumbering() throws {
    #expect(
      targets(try plan(Renumbering.before, Self.pathRule)) == ["0000:03:00.0", "0000:03:00.1"])
    let after = try plan(Renumbering.after, Self.pathRule)
    #expect(targets(after) == ["0000:05:00.0", "0000:05:00.1"])
    #expect(after.refusals.isEmpty)
    // The address rule of old takes the newcomer: what the path rule avoids.
    #expect(
      targets(try plan(Renumbering.after, "03:00.0 expect=10de:1b80:1458:3702"))
        == ["0000:03:00.0", "0000:03:00.1"])
  }

  @Test func aPathRuleSelectsTheSameCardOrNothing() throws {
    // The card gone: nothing there, the rule matches nothing.
    let gone = Renumbering.after.filter { !$0.address.hasPrefix("0000:05:") }
    let empty = try plan(gone, Self.pathRule)
    #expect(empty.targets.isEmpty)
    #expect(empty.unmatchedRules.count == 1)
    // Another model in its place: refused, not bound.
    let swapped = Renumbering.after.map {
      $0.address == "0000:05:00.0"
        ? FakeDevice(
          address: "0000:05:00.0", vendor: 0x1002, device: 0x73BF, classCode: 0x03_0000,
          bootVGA: false, group: 2) : $0
    }
    let refused = try plan(swapped, Self.pathRule)
    #expect(refused.targets.isEmpty)
    #expect(
      refused.refusals.map(\.reason) == [
        .addressMoved(expected: PCIID(vendor: 0x10DE, device: 0x1B80))
      ])
    // Same chip on another board (subsystem differs): refused too.
    let otherBoard = Renumbering.after.map {
      $0.address == "0000:05:00.0" ? $0.with(subsystem: 0x1043) : $0
    }
    #expect(try plan(otherBoard, Self.pathRule).targets.isEmpty)
  }

  @Test func aSlotRuleTakesFunctionZeroOfTheSlotAndItsFollowers() throws {
    let slots = [SlotName("3")!: address("0000:05:00.0")]
    #expect(
      targets(try plan(Renumbering.after, "slot:3", slots: slots)) == [
        "0000:05:00.0", "0000:05:00.1",
      ])
    #expect(
      targets(try plan(Renumbering.after, "slot:3 functions=none", slots: slots)) == [
        "0000:05:00.0"
      ])
    let unknown = try plan(Renumbering.after, "slot:4", slots: slots)
    #expect(unknown.targets.isEmpty)
    #expect(unknown.unmatchedRules.count == 1)
  }

  @Test func theScannerReadsSecondaryBusesAndSlots() throws {
    let fake = try FakeSysfs(devices: Renumbering.after)
    try fake.addSlot("3", at: "0000:05:00")
    try fake.addSlot("7", at: "0000:06")
    let scanner = SysfsScanner(fileSystem: PosixFileSystem(), layout: fake.layout)
    let result = try scanner.scan()
    #expect(result.problems.isEmpty)
    #expect(result.devices == Renumbering.after.pciDevices)
    #expect(result.devices.filter { $0.secondaryBus != nil }.count == 5)
    #expect(scanner.slotAddress(named: SlotName("3")!) == address("0000:05:00.0"))
    #expect(scanner.slotAddress(named: SlotName("7")!) == nil)  // no device number
    #expect(scanner.slotAddress(named: SlotName("9")!) == nil)
    // The kernel's real path nests each device under its bridge.
    #expect(
      fake.directory.exists(
        "sys/devices/pci0000:00/0000:00:1c.0/0000:04:00.0/0000:05:00.0/modalias"))
  }

  @Test func withoutTheTreeNoBridgeIsRead() throws {
    let fake = try FakeSysfs(devices: Renumbering.after)
    let result = try SysfsScanner(fileSystem: PosixFileSystem(), layout: fake.layout).scan(
      tree: false)
    #expect(result.devices.allSatisfy { $0.secondaryBus == nil })
    let tree = DeviceTree(devices: result.devices)
    #expect(tree.path(of: address("0000:05:00.0")) == nil)
    #expect(tree.path(of: address("0000:00:1c.0"))?.description == "1c.0")
  }

  @Test func aBadSecondaryBusIsAProblemAndNoPath() throws {
    let fake = try FakeSysfs(devices: Renumbering.after)
    try fake.write("sys/devices/pci0000:00/0000:00:1c.0/secondary_bus_number", "x\n")
    let result = try SysfsScanner(fileSystem: PosixFileSystem(), layout: fake.layout).scan()
    #expect(result.problems == ["0000:00:1c.0: secondary_bus_number is not a bus number"])
    #expect(DeviceTree(devices: result.devices).path(of: address("0000:05:00.0")) == nil)
  }

  func moves(_ devices: [FakeDevice], _ config: String) throws -> [Move] {
    let parsed = try rules(config)
    let plan = Planner(topology: devices.topology()).plan(
      devices: devices.pciDevices, rules: parsed)
    return Move.find(devices: devices.pciDevices, rules: parsed, plan: plan)
  }

  @Test func aMovedDeviceIsFoundWhenItIsTheOnlyOne() throws {
    let found = try moves(Renumbering.afterWithNIC, "0000:03:00.0 rebind expect=10de:1b80")
    #expect(found.count == 1)
    #expect(found[0].found?.address == address("0000:05:00.0"))
    #expect(found[0].path?.description == "1c.0/00.0/00.0")
    #expect(
      found[0].text
        == "rule '0000:03:00.0 rebind expect=10de:1b80' (line 1): the expected device"
        + " [10de:1b80] is now at 0000:05:00.0 (path:1c.0/00.0/00.0)")
    #expect(found[0].replacement?.description == "0000:05:00.0 rebind")
  }

  @Test func identicalCardsAreNeverGuessedBetween() throws {
    // Three GPUs of the model (the boot GPU, the newcomer and the card):
    // the rule's address is empty, and no one of them is named.
    let ambiguous = try moves(Renumbering.after, "0000:07:00.0 expect=10de:1b80")
    #expect(ambiguous.count == 1)
    #expect(ambiguous[0].found == nil)
    #expect(ambiguous[0].candidates == 3)
    #expect(ambiguous[0].replacement == nil)
    #expect(
      ambiguous[0].text.hasSuffix(
        "3 devices [10de:1b80] are elsewhere (identical cards); not guessing which one it is"))
    // A device another rule took is no candidate: one is left.
    let one = try moves(
      Renumbering.after, "0000:07:00.0 expect=10de:1b80\n01:00.0 allow-boot-vga\n03:00.0")
    #expect(one.first?.found?.address == address("0000:05:00.0"))
    // A rule that found its device has no move; a rule without expect= neither.
    #expect(try moves(Renumbering.after, "path:1c.0/00.0/00.0 expect=10de:1b80\n07:00.0").isEmpty)
  }
}
