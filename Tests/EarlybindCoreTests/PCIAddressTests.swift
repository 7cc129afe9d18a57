// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("PCIAddress")
struct PCIAddressTests {
  struct Valid: CustomTestStringConvertible, Sendable {
    var text: String
    var domain: UInt32
    var bus: UInt8
    var device: UInt8
    var function: UInt8
    var canonical: String
    var testDescription: String { text }
  }

  static let valid: [Valid] = [
    Valid(
      text: "0000:03:00.0", domain: 0, bus: 3, device: 0, function: 0, canonical: "0000:03:00.0"),
    Valid(text: "03:00.1", domain: 0, bus: 3, device: 0, function: 1, canonical: "0000:03:00.1"),
    Valid(text: "00:1f.7", domain: 0, bus: 0, device: 0x1F, function: 7, canonical: "0000:00:1f.7"),
    Valid(
      text: "0000:0A:1F.3", domain: 0, bus: 10, device: 31, function: 3, canonical: "0000:0a:1f.3"),
    Valid(
      text: "ffff:ff:1f.7", domain: 0xFFFF, bus: 255, device: 31, function: 7,
      canonical: "ffff:ff:1f.7"),
    Valid(
      text: "10000:e1:00.0", domain: 0x10000, bus: 0xE1, device: 0, function: 0,
      canonical: "10000:e1:00.0"),
    Valid(
      text: "0001a:00:02.0", domain: 0x1A, bus: 0, device: 2, function: 0, canonical: "001a:00:02.0"
    ),
    Valid(
      text: "ffffffff:00:00.0", domain: 0xFFFF_FFFF, bus: 0, device: 0, function: 0,
      canonical: "ffffffff:00:00.0"),
  ]

  @Test("parses valid forms", arguments: valid)
  func parsesValid(_ example: Valid) throws {
    let address = try #require(PCIAddress(example.text))
    #expect(address.domain == example.domain)
    #expect(address.bus == example.bus)
    #expect(address.device == example.device)
    #expect(address.function == example.function)
    #expect(address.description == example.canonical)
    #expect(PCIAddress(address.description) == address)
  }

  @Test(
    "rejects invalid forms",
    arguments: [
      "", ":", ".", "03", "03:00", "0000:03:00", "0000:03:00.", "0000:03:.0", "0000::00.0",
      ":03:00.0", "0000:03:00.8", "0000:03:00.f", "0000:03:20.0", "0000:03:ff.0", "0000:3:00.0",
      "0000:003:00.0", "0000:03:0.0", "0000:03:000.0", "0000:03:00.00", "000:03:00.0", "0:03:00.0",
      "000000000:03:00.0", "g000:03:00.0", "0000:0g:00.0", "0000:03:0x.0", "0000:03:00.x",
      "0000:03:00.0 ", " 0000:03:00.0", "0000:03:00.0\n", "0000:03:00:0", "0000.03.00.0",
      "0000:00:03:00.0", "03:00.0.1", "-000:03:00.0", "+000:03:00.0", "10de:13c2",
      "0000:03:00-0", "0000:03:00.0,",
    ])
  func rejectsInvalid(_ text: String) {
    #expect(PCIAddress(text) == nil)
  }

  @Test func parsesFromSliceWithOffsetIndices() throws {
    let line = Array("skip 0000:05:00.0 here".utf8)
    let address = try #require(PCIAddress(parsing: line[5..<17]))
    #expect(address == PCIAddress(bus: 5, device: 0, function: 0))
  }

  @Test func ordersByDomainThenBusDeviceFunction() {
    let sorted = [
      "0001:00:00.0", "0000:02:00.0", "0000:01:01.0", "0000:01:00.7", "0000:01:00.1",
      "10000:00:00.0", "0000:00:1f.0",
    ].compactMap { PCIAddress($0) }.sorted()
    #expect(
      sorted.map(\.description) == [
        "0000:00:1f.0", "0000:01:00.1", "0000:01:00.7", "0000:01:01.0", "0000:02:00.0",
        "0001:00:00.0", "10000:00:00.0",
      ])
  }

  @Test func sharesSlotOnlyWithinDomainBusAndDevice() throws {
    let gpu = try #require(PCIAddress("0000:01:00.0"))
    #expect(gpu.sharesSlot(with: try #require(PCIAddress("0000:01:00.1"))))
    #expect(gpu.sharesSlot(with: gpu))
    #expect(!gpu.sharesSlot(with: try #require(PCIAddress("0000:01:01.0"))))
    #expect(!gpu.sharesSlot(with: try #require(PCIAddress("0000:02:00.0"))))
    #expect(!gpu.sharesSlot(with: try #require(PCIAddress("0001:01:00.0"))))
  }

  @Test func equalityIgnoresSpelling() {
    #expect(PCIAddress("03:00.0") == PCIAddress("0000:03:00.0"))
    #expect(PCIAddress("0000:0a:00.0") == PCIAddress("0000:0A:00.0"))
    #expect(PCIAddress("0000:03:00.0") != PCIAddress("0000:03:00.1"))
  }
}
