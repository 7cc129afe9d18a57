// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Testing

/// The planner on machines held in memory: the devices the scanner would
/// return and the drivers and groups sysfs would show (the scanner's side
/// of that is checked in SysfsScannerTests).
@Suite("Planner")
struct PlannerTests {
  static let vfioModules = ["vfio", "vfio_iommu_type1", "vfio_virqfd", "vfio_pci_core", "vfio_pci"]

  func plan(
    _ devices: [FakeDevice], _ config: String, options: BootOptions = BootOptions(),
    protected: [PCIAddress] = [], guarded: [GuardedAddress] = [],
    modules: [ModuleRequest] = []
  ) throws -> Plan {
    let planner = Planner(
      topology: devices.topology(), protectedAddresses: protected, guardedAddresses: guarded)
    return planner.plan(
      devices: devices.pciDevices, rules: try rules(config), options: options, modules: modules)
  }

  func targets(_ plan: Plan) -> [String] { plan.targets.map { $0.device.address.description } }

  func refused(_ plan: Plan) -> [String] { plan.refusals.map { $0.device.address.description } }

  @Test func nonBootVGATakesTheSecondGPUAndItsAudio() throws {
    let plan = try plan(Machine.all, "non-boot-vga")
    #expect(targets(plan) == ["0000:02:00.0", "0000:02:00.1"])
    let gpu = try #require(plan.target(at: address("0000:02:00.0")))
    #expect(gpu.reason == .selected)
    #expect(gpu.driver == "vfio-pci")
    #expect(gpu.action == .bind)
    #expect(gpu.rule.line == 1)
    #expect(gpu.device.identity.id.vendor == 0x10DE)
    #expect(!gpu.device.isBootVGA)
    let audio = try #require(plan.target(at: address("0000:02:00.1")))
    #expect(audio.reason == .function(of: address("0000:02:00.0")))
    #expect(audio.action == .bind)
    #expect(plan.refusals.isEmpty)
    #expect(plan.unmatchedRules.isEmpty)
    #expect(plan.modules.map(\.name) == Self.vfioModules)
    #expect(plan.modules.filter(\.optional).map(\.name) == ["vfio_virqfd", "vfio_pci_core"])
  }

  @Test func nonBootVGAFollowsTheBootFlagNotTheSlot() throws {
    // Same IDs, flags swapped: the other card is chosen.
    let machine = Machine.replacing(
      Machine.bootGPU.withBootVGA(false), Machine.guestGPU.withBootVGA(true))
    let plan = try plan(machine, "non-boot-vga")
    #expect(targets(plan) == ["0000:01:00.0", "0000:01:00.1"])
  }

  @Test func addressSelectorTakesTheSlotOfADisplayDevice() throws {
    let machine = Machine.all
    #expect(targets(try plan(machine, "02:00.0")) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(targets(try plan(machine, "0000:02:00.0 functions=none")) == ["0000:02:00.0"])
    #expect(targets(try plan(machine, "0000:02:00.1")) == ["0000:02:00.1"])
  }

  @Test func vendorDeviceRefusesTheBootGPU() throws {
    let plan = try plan(Machine.all, "10de:1b80")
    #expect(targets(plan) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(refused(plan) == ["0000:01:00.0"])
    #expect(plan.refusals.first?.reason == .bootVGA)
    #expect(plan.refusals.first?.rule.line == 1)
    #expect(plan.target(at: address("0000:01:00.1")) == nil)
  }

  @Test func allowBootVGATakesBothGPUs() throws {
    let plan = try plan(Machine.all, "10de:1b80 allow-boot-vga")
    #expect(targets(plan) == ["0000:01:00.0", "0000:01:00.1", "0000:02:00.0", "0000:02:00.1"])
    #expect(plan.refusals.isEmpty)
    #expect(plan.target(at: address("0000:01:00.0"))?.device.isBootVGA == true)
  }

  @Test func functionsNoneKeepsTheAudioOnTheHost() throws {
    let plan = try plan(Machine.all, "non-boot-vga functions=none")
    #expect(targets(plan) == ["0000:02:00.0"])
  }

  @Test func functionsAllTakesTheSlotOfANonDisplayDevice() throws {
    let machine = Machine.all
    #expect(targets(try plan(machine, "00:14.0")) == ["0000:00:14.0"])
    let plan = try plan(machine, "class:0c0330 functions=all")
    #expect(targets(plan) == ["0000:00:14.0", "0000:00:14.2"])
    #expect(
      plan.target(at: address("0000:00:14.2"))?.reason == .function(of: address("0000:00:14.0")))
  }

  @Test func groupTakesEndpointsButNotBridges() throws {
    let plan = try plan(Machine.all, "02:00.0 group functions=none")
    #expect(targets(plan) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(
      plan.target(at: address("0000:02:00.1"))?.reason
        == .group(of: address("0000:02:00.0"), group: "2"))
    #expect(plan.target(at: address("0000:00:01.1")) == nil)
    #expect(plan.refusals.isEmpty)
  }

  @Test func groupMembersAlreadyTakenAsFunctionsAreNotDuplicated() throws {
    let plan = try plan(Machine.all, "02:00.0 group")
    #expect(targets(plan) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(
      plan.target(at: address("0000:02:00.1"))?.reason == .function(of: address("0000:02:00.0")))
  }

  @Test func groupWithoutIOMMUTakesJustTheSelection() throws {
    let machine = Machine.all.map { $0.inGroup(nil) }
    #expect(targets(try plan(machine, "02:00.0 group functions=none")) == ["0000:02:00.0"])
  }

  @Test func aGroupHoldingTheBootGPURefusesTheWholeSet() throws {
    let nic = FakeDevice(
      address: "0000:05:00.0", vendor: 0x8086, device: 0x1533, classCode: 0x02_0000, group: 1)
    let machine = Machine.all + [nic]
    let plan = try plan(machine, "05:00.0 group")
    #expect(plan.targets.isEmpty)
    #expect(refused(plan) == ["0000:01:00.0", "0000:01:00.1", "0000:05:00.0"])
    let reasons = Dictionary(
      uniqueKeysWithValues: plan.refusals.map { ($0.device.address.description, $0.reason) })
    #expect(reasons["0000:01:00.0"] == .bootVGA)
    #expect(reasons["0000:01:00.1"] == .groupHasGuardedMember(address("0000:01:00.0")))
    #expect(reasons["0000:05:00.0"] == .groupHasGuardedMember(address("0000:01:00.0")))
    #expect(plan.modules.isEmpty)
  }

  @Test func alreadyBoundHeldByAndRebind() throws {
    let machine = Machine.replacing(
      Machine.guestGPU.bound(to: "vfio-pci"), Machine.guestAudio.bound(to: "snd_hda_intel"))
    let held = try plan(machine, "non-boot-vga")
    #expect(held.target(at: address("0000:02:00.0"))?.action == .alreadyBound)
    #expect(held.target(at: address("0000:02:00.1"))?.action == .heldBy("snd_hda_intel"))

    let rebind = try plan(machine, "non-boot-vga rebind")
    #expect(rebind.target(at: address("0000:02:00.0"))?.action == .alreadyBound)
    #expect(
      rebind.target(at: address("0000:02:00.1"))?.action == .rebind(from: "snd_hda_intel"))

    let stub = try plan(machine, "02:00.0 driver=pci-stub functions=none")
    #expect(stub.target(at: address("0000:02:00.0"))?.action == .heldBy("vfio-pci"))
  }

  @Test func theHoldersOriginDecidesTheAction() throws {
    let machine = Machine.replacing(Machine.nvme.bound(to: "nvme"))
    let selected = try rules("03:00.0")
    func action(_ topology: MemoryTopology, _ rules: [Rule] = selected) -> TargetAction? {
      Planner(topology: topology).plan(devices: machine.pciDevices, rules: rules)
        .target(at: address("0000:03:00.0"))?.action
    }
    var topology = machine.topology()
    #expect(action(topology) == .heldBy("nvme"))
    topology.origins["nvme"] = .builtIn
    #expect(action(topology) == .takeFromBuiltIn("nvme"))
    #expect(action(topology, try rules("03:00.0 rebind")) == .rebind(from: "nvme"))
    topology.origins = [:]
    topology.otherDrivers = .loadsAfterBinder
    #expect(action(topology) == .beforeModule("nvme"))
  }

  @Test func conflictingRulesFirstWins() throws {
    let plan = try plan(Machine.all, "02:00.0\n10de:1b80 driver=pci-stub\n")
    let first = try rules("02:00.0")[0]
    #expect(targets(plan) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(plan.targets.allSatisfy { $0.driver == "vfio-pci" && $0.rule.line == 1 })
    let reasons = plan.refusals.map { ($0.device.address.description, $0.reason, $0.rule.line) }
    #expect(reasons.count == 3)
    #expect(reasons.contains { $0 == ("0000:01:00.0", .bootVGA, 2) })
    #expect(
      reasons.contains { $0 == ("0000:02:00.0", .conflict(driver: "vfio-pci", rule: first), 2) })
    #expect(
      reasons.contains { $0 == ("0000:02:00.1", .conflict(driver: "vfio-pci", rule: first), 2) })
    #expect(!plan.modules.contains { $0.name == "pci_stub" })
  }

  @Test func aSlotIsNeverSplitByAnEarlierRefusal() throws {
    // Line 1 refuses the boot GPU; line 2 allows it explicitly. Whatever
    // wins, the GPU and its audio function go together or not at all.
    let plan = try plan(Machine.all, "10de:1b80\n01:00.0 allow-boot-vga")
    let gpu = plan.target(at: address("0000:01:00.0"))
    let audio = plan.target(at: address("0000:01:00.1"))
    #expect(
      (gpu == nil) == (audio == nil),
      "gpu \(String(describing: gpu)) audio \(String(describing: audio))")
    #expect(plan.target(at: address("0000:02:00.0")) != nil)
  }

  @Test func overlappingRulesWithTheSameDriverAreNotConflicts() throws {
    let plan = try plan(Machine.all, "02:00.0\nnon-boot-vga\n10de:10f0 functions=none")
    #expect(targets(plan) == ["0000:01:00.1", "0000:02:00.0", "0000:02:00.1"])
    #expect(plan.target(at: address("0000:02:00.1"))?.rule.line == 1)
    #expect(plan.target(at: address("0000:01:00.1"))?.rule.line == 3)
    #expect(plan.refusals.isEmpty)
    #expect(plan.unmatchedRules.isEmpty)
  }

  @Test func skippedAddressIsRefused() throws {
    let machine = Machine.all
    var options = BootOptions()
    options.skip = [address("0000:02:00.0")]
    let plan = try plan(
      machine, "02:00.0 functions=none\n10de:10f0 functions=none", options: options)
    #expect(targets(plan) == ["0000:01:00.1", "0000:02:00.1"])
    #expect(refused(plan) == ["0000:02:00.0"])
    #expect(plan.refusals.first?.reason == .skippedOnCommandLine)
  }

  @Test func skippedFollowerRefusesTheSlot() throws {
    let machine = Machine.all
    let options = BootOptions.parse(Array("quiet earlybind.skip=02:00.1".utf8))
    let plan = try plan(machine, "non-boot-vga", options: options)
    #expect(plan.targets.isEmpty)
    #expect(refused(plan) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(plan.refusals[0].reason == .groupHasGuardedMember(address("0000:02:00.1")))
    #expect(plan.refusals[1].reason == .skippedOnCommandLine)
  }

  @Test func protectedAddressesAreRefused() throws {
    let machine = Machine.all
    let plan = try plan(
      machine, "class:0108", protected: [address("0000:03:00.0")],
      modules: [ModuleRequest(name: "vfio_pci")])
    #expect(plan.targets.isEmpty)
    #expect(refused(plan) == ["0000:03:00.0"])
    #expect(plan.refusals[0].reason == .protected)
    #expect(plan.modules.isEmpty)
    #expect(plan.unmatchedRules.isEmpty)
  }

  @Test func hostNeedsAreRefusedUnlessTheRuleAllowsThem() throws {
    let machine = Machine.all
    let storage = address("0000:03:00.0")
    let keyboard = [GuardedAddress(storage, need: .keyboard)]
    var result = try plan(machine, "class:0108", guarded: keyboard)
    #expect(result.targets.isEmpty)
    #expect(result.refusals.map(\.reason) == [.hostNeed(.keyboard)])
    #expect(PlanText.refusal(result.refusals[0]).contains("add allow-keyboard to take it"))
    result = try plan(machine, "class:0108 allow-keyboard", guarded: keyboard)
    #expect(targets(result) == ["0000:03:00.0"])
    // Each need is allowed by its own option only.
    let both = keyboard + [GuardedAddress(storage, need: .network)]
    result = try plan(machine, "class:0108 allow-keyboard", guarded: both)
    #expect(result.refusals.map(\.reason) == [.hostNeed(.network)])
    result = try plan(machine, "class:0108 allow-keyboard allow-network", guarded: both)
    #expect(targets(result) == ["0000:03:00.0"])
    // Storage the host needs is never allowed.
    result = try plan(
      machine, "class:0108 allow-keyboard allow-network", protected: [storage], guarded: both)
    #expect(result.refusals.map(\.reason) == [.protected])
  }

  @Test func unmatchedRulesAreReportedAndLoadNothing() throws {
    let machine = Machine.all
    let plan = try plan(
      machine, "1002:73bf\n# nothing\n0000:09:00.0 rebind",
      modules: [ModuleRequest(name: "vfio"), ModuleRequest(name: "vfio_pci")])
    #expect(plan.targets.isEmpty)
    #expect(plan.refusals.isEmpty)
    #expect(plan.unmatchedRules.map(\.line) == [1, 3])
    #expect(plan.unmatchedRules.map(\.description) == ["1002:73bf", "0000:09:00.0 rebind"])
    #expect(plan.modules.isEmpty)
  }

  @Test func tableModulesComeFirstAndMissingOnesAreAdded() throws {
    let machine = Machine.all
    let plan = try plan(
      machine, "02:00.0 functions=none\n00:14.0 driver=pci-stub",
      modules: [ModuleRequest(name: "vfio_pci"), ModuleRequest(name: "extra", optional: true)])
    #expect(targets(plan) == ["0000:00:14.0", "0000:02:00.0"])
    let names = plan.modules.map(\.name)
    #expect(Array(names.prefix(2)) == ["vfio_pci", "extra"])
    #expect(Set(names) == Set(Self.vfioModules + ["extra", "pci_stub"]))
    #expect(names.count == Set(names).count)
    #expect(plan.modules.first { $0.name == "extra" }?.optional == true)
    #expect(plan.target(at: address("0000:00:14.0"))?.driver == "pci-stub")
  }

  @Test func expectedIDGuardsTheSelectedFunctionNotItsFollowers() throws {
    // What `earlybind add 0000:02:00.0` writes: the GPU's ID is recorded;
    // its audio function has another ID and still follows it.
    let plan = try plan(Machine.all, "0000:02:00.0 expect=10de:1b80")
    #expect(targets(plan) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(plan.refusals.isEmpty)
    let grouped = try self.plan(Machine.all, "0000:02:00.0 group functions=none expect=10de:1b80")
    #expect(targets(grouped) == ["0000:02:00.0", "0000:02:00.1"])
    #expect(grouped.refusals.isEmpty)
  }

  @Test func expectedIDMatchingTakesTheDevice() throws {
    let plan = try plan(Machine.all, "0000:02:00.0 functions=none expect=10de:1b80")
    #expect(targets(plan) == ["0000:02:00.0"])
    #expect(
      plan.target(at: address("0000:02:00.0"))?.rule.expectedID
        == PCIID(vendor: 0x10DE, device: 0x1B80))
  }

  @Test func aDifferentDeviceAtTheAddressIsRefused() throws {
    let plan = try plan(Machine.all, "0000:02:00.0 functions=none expect=1002:73bf")
    #expect(plan.targets.isEmpty)
    #expect(refused(plan) == ["0000:02:00.0"])
    let refusal = try #require(plan.refusals.first)
    #expect(refusal.reason == .addressMoved(expected: PCIID(vendor: 0x1002, device: 0x73BF)))
    #expect(
      PlanText.refusal(refusal)
        == "0000:02:00.0 [10de:1b80] skipped: the rule expects [1002:73bf] here;"
        + " the address now holds another device (hardware changed?)")
    #expect(plan.modules.isEmpty)
  }

  @Test func noRulesMeansAnEmptyPlan() throws {
    let plan = try plan(Machine.all, "")
    #expect(plan == Plan())
  }
}
