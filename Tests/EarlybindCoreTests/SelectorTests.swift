// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("Selector")
struct SelectorTests {
  struct Parsed: CustomTestStringConvertible, Sendable {
    var text: String
    var selector: Selector
    var canonical: String
    var testDescription: String { text }
  }

  static let parsed: [Parsed] = [
    Parsed(
      text: "0000:03:00.0", selector: .address(PCIAddress(bus: 3, device: 0, function: 0)),
      canonical: "0000:03:00.0"),
    Parsed(
      text: "03:00.1", selector: .address(PCIAddress(bus: 3, device: 0, function: 1)),
      canonical: "0000:03:00.1"),
    Parsed(
      text: "10000:01:00.0",
      selector: .address(PCIAddress(domain: 0x10000, bus: 1, device: 0, function: 0)),
      canonical: "10000:01:00.0"),
    Parsed(
      text: "10de:13c2", selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)),
      canonical: "10de:13c2"),
    Parsed(
      text: "10DE:13C2", selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)),
      canonical: "10de:13c2"),
    Parsed(
      text: "10de:1b80:1458:3702",
      selector: .subsystem(
        PCIID(vendor: 0x10DE, device: 0x1B80), subsystem: PCIID(vendor: 0x1458, device: 0x3702)),
      canonical: "10de:1b80:1458:3702"),
    Parsed(text: "class:0300", selector: .deviceClass(0x0300), canonical: "class:0300"),
    Parsed(
      text: "class:0c0330", selector: .deviceClassWithInterface(0x0C_0330),
      canonical: "class:0c0330"),
    Parsed(
      text: "class:0C0330", selector: .deviceClassWithInterface(0x0C_0330),
      canonical: "class:0c0330"),
    Parsed(text: "non-boot-vga", selector: .nonBootVGA, canonical: "non-boot-vga"),
  ]

  @Test("parses every form", arguments: parsed)
  func parses(_ example: Parsed) {
    let selector = Selector(parsing: slice(example.text))
    #expect(selector == example.selector)
    #expect(selector?.description == example.canonical)
    #expect(Selector(parsing: slice(example.canonical)) == example.selector)
  }

  @Test(
    "rejects invalid selectors",
    arguments: [
      "", "10de", "10de:", ":13c2", "10de:13c", "10de:13c22", "10dg:13c2", "10de:13c2:1458",
      "10de:13c2:1458:370", "10de:13c2:1458:3702:0000", "class:", "class:03", "class:030",
      "class:03000", "class:0c03300", "class:zz00", "CLASS:0300", "class 0300", "non-boot-VGA",
      "nonbootvga", "non-boot-vga ", "0000:03:00.8", "03:00", "03:00.", "vfio-pci", "*",
      "10de:*", "0x10de:0x13c2",
    ])
  func rejects(_ text: String) {
    #expect(Selector(parsing: slice(text)) == nil)
  }

  static let bootGPU = PCIDevice(
    address: PCIAddress(bus: 1, device: 0, function: 0),
    identity: PCIIdentity(
      vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458, subsystemDevice: 0x3702,
      classCode: 0x03_0000),
    isBootVGA: true)
  static let secondGPU = PCIDevice(
    address: PCIAddress(bus: 2, device: 0, function: 0),
    identity: PCIIdentity(
      vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1043, subsystemDevice: 0x85A0,
      classCode: 0x03_0000))
  static let compute = PCIDevice(
    address: PCIAddress(bus: 3, device: 0, function: 0),
    identity: PCIIdentity(vendor: 0x10DE, device: 0x20B0, classCode: 0x03_0200))
  static let audio = PCIDevice(
    address: PCIAddress(bus: 2, device: 0, function: 1),
    identity: PCIIdentity(vendor: 0x10DE, device: 0x10F0, classCode: 0x04_0300))
  static let xhci = PCIDevice(
    address: PCIAddress(bus: 0, device: 0x14, function: 0),
    identity: PCIIdentity(vendor: 0x8086, device: 0xA36D, classCode: 0x0C_0330))
  static let ohci = PCIDevice(
    address: PCIAddress(bus: 0, device: 0x15, function: 0),
    identity: PCIIdentity(vendor: 0x8086, device: 0xA36E, classCode: 0x0C_0310))

  static let all = [bootGPU, secondGPU, compute, audio, xhci, ohci]

  func matching(_ text: String) throws -> [PCIAddress] {
    let selector = try #require(Selector(parsing: slice(text)))
    return Self.all.filter { selector.matches($0) }.map(\.address)
  }

  @Test func nonBootVGAMatchesEveryDisplayDeviceButTheBootGPU() throws {
    #expect(
      try matching("non-boot-vga") == [Self.secondGPU.address, Self.compute.address])
  }

  @Test func idMatchesBothIdenticalGPUs() throws {
    #expect(try matching("10de:1b80") == [Self.bootGPU.address, Self.secondGPU.address])
  }

  @Test func subsystemNarrowsToOneBoard() throws {
    #expect(try matching("10de:1b80:1043:85a0") == [Self.secondGPU.address])
    #expect(try matching("10de:1b80:1043:85a1") == [])
  }

  @Test func classMatchesBaseAndSubclassOnly() throws {
    #expect(try matching("class:0300") == [Self.bootGPU.address, Self.secondGPU.address])
    #expect(try matching("class:0c03") == [Self.xhci.address, Self.ohci.address])
    #expect(try matching("class:0c0330") == [Self.xhci.address])
    #expect(try matching("class:0403") == [Self.audio.address])
  }

  @Test func addressMatchesExactlyOneFunction() throws {
    #expect(try matching("02:00.1") == [Self.audio.address])
    #expect(try matching("0001:02:00.1") == [])
  }
}
