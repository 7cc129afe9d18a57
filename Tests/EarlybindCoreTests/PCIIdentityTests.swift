// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("PCIIdentity")
struct PCIIdentityTests {
  @Test func parsesRealModaliasWithNewline() throws {
    let identity = try #require(
      PCIIdentity(modalias: slice("pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00\n")))
    #expect(identity.id.vendor == 0x10DE)
    #expect(identity.id.device == 0x1B80)
    #expect(identity.subsystem.vendor == 0x1458)
    #expect(identity.subsystem.device == 0x3702)
    #expect(identity.classCode == 0x03_0000)
    #expect(identity.isDisplay)
    #expect(identity.isVGA)
    #expect(!identity.isBridge)
    #expect(identity.id.bracketed == "[10de:1b80]")
  }

  @Test func parsesHDMIAudioFunction() throws {
    let identity = try #require(
      PCIIdentity(modalias: slice("pci:v000010DEd000010F0sv00001458sd00003702bc04sc03i00\n")))
    #expect(identity.id.device == 0x10F0)
    #expect(identity.classCode == 0x04_0300)
    #expect(!identity.isDisplay)
    #expect(!identity.isVGA)
  }

  @Test func parsesXHCIWithProgrammingInterface() throws {
    let identity = try #require(
      PCIIdentity(modalias: slice("pci:v00008086d0000A36Dsv00001028sd0000085Abc0Csc03i30")))
    #expect(identity.id.vendor == 0x8086)
    #expect(identity.id.device == 0xA36D)
    #expect(identity.classCode == 0x0C_0330)
  }

  @Test func parsesBridgeAnd3DController() throws {
    let bridge = try #require(
      PCIIdentity(modalias: slice("pci:v00008086d00001901sv00000000sd00000000bc06sc04i00\n")))
    #expect(bridge.isBridge)
    #expect(!bridge.isDisplay)
    let compute = try #require(
      PCIIdentity(modalias: slice("pci:v000010DEd000020B0sv000010DEsd0000134Fbc03sc02i00\n")))
    #expect(compute.isDisplay)
    #expect(!compute.isVGA)
  }

  @Test func hexDigitsAndTagsAcceptEitherCase() throws {
    let upper = try #require(
      PCIIdentity(modalias: slice("PCI:V000010DED00001B80SV00001458SD00003702BC03SC00I00")))
    let lower = try #require(
      PCIIdentity(modalias: slice("pci:v000010ded00001b80sv00001458sd00003702bc03sc00i00")))
    #expect(upper == lower)
    #expect(lower.id.vendor == 0x10DE)
  }

  @Test func initialiserMasksClassToTwentyFourBits() {
    let identity = PCIIdentity(vendor: 1, device: 2, classCode: 0xFF03_0000)
    #expect(identity.classCode == 0x03_0000)
    #expect(identity.subsystem.vendor == 0)
    #expect(identity.subsystem.device == 0)
  }

  static let full = "pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00"

  @Test("every truncation is rejected", arguments: 0..<full.utf8.count)
  func rejectsTruncation(_ length: Int) {
    let bytes = Array(Self.full.utf8.prefix(length))
    #expect(PCIIdentity(modalias: bytes[...]) == nil)
  }

  @Test(
    "rejects malformed modaliases",
    arguments: [
      "",
      "\n",
      "usb:v046Dp0825d0010dcEFdsc02dp01ic01isc01ip00in00",
      "pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00x",
      "pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i000",
      "pci:v000010DEd00001B80sv00001458sd00003702bc03sc00",
      "pci:v000010DEd00001B80sv00001458sd00003702bc03sc0Gi00",
      "pci:v0000G0DEd00001B80sv00001458sd00003702bc03sc00i00",
      "pci:v000010DEx00001B80sv00001458sd00003702bc03sc00i00",
      "pci:v000010DEd00001B80sv00001458sd00003702sc03bc00i00",
      "pci:v0010DEd00001B80sv00001458sd00003702bc03sc00i00",
      "pci:v000110DEd00001B80sv00001458sd00003702bc03sc00i00",
      "pci:v000010DEd00011B80sv00001458sd00003702bc03sc00i00",
      "pci:v000010DEd00001B80sv00011458sd00003702bc03sc00i00",
      "pci:v000010DEd00001B80sv00001458sd00013702bc03sc00i00",
      "pci v000010DEd00001B80sv00001458sd00003702bc03sc00i00",
      "pci:v000010DEd00001B80sv00001458sd00003702bc03sc00i00\npci:v0",
    ])
  func rejectsMalformed(_ text: String) {
    #expect(PCIIdentity(modalias: slice(text)) == nil)
  }

  @Test func separatorsAreNotMatchedByCaseFolding() {
    // 0x1A | 0x20 == ':'; only letters may differ in case.
    let text = "pci\u{1A}v000010DEd00001B80sv00001458sd00003702bc03sc00i00"
    #expect(PCIIdentity(modalias: slice(text)) == nil)
  }
}

@Suite("PCIID")
struct PCIIDTests {
  @Test func parsesAndPrintsVendorDevice() throws {
    let id = try #require(PCIID("10DE:1b80"))
    #expect(id == PCIID(vendor: 0x10DE, device: 0x1B80))
    #expect(id.description == "10de:1b80")
    #expect(id.bracketed == "[10de:1b80]")
    #expect(PCIID(vendor: 0, device: 0xA).description == "0000:000a")
  }

  @Test(arguments: [
    "", "10de", "10de:", "10de:1b8", "10de:1b800", "10de-1b80", "10dg:1b80", ":10de1b80",
  ])
  func rejectsAnythingButFourAndFourHexDigits(_ text: String) {
    #expect(PCIID(text) == nil)
  }

  @Test func ordersByVendorThenDevice() {
    let ids = [
      PCIID(vendor: 0x10DE, device: 0x1B80), PCIID(vendor: 0x1002, device: 0xFFFF),
      PCIID(vendor: 0x10DE, device: 0x10F0),
    ]
    #expect(ids.sorted().map(\.description) == ["1002:ffff", "10de:10f0", "10de:1b80"])
  }
}
