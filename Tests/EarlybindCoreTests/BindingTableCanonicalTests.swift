// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Testing

/// The table encoding is canonical: encode accepts exactly the tables
/// decode can return, and decode accepts exactly what encode writes, so
/// decode∘encode and encode∘decode are both identities on valid input.
@Suite("BindingTableCodec is canonical")
struct BindingTableCanonicalTests {
  typealias L = TableLayout

  /// Names that share prefixes and bytes, so that string sharing is exercised.
  static let names = [
    "vfio-pci", "vfio_pci", "vfio", "pci-stub", "pci_stub", "x", "vfio_pci_core", "nvidia",
    "snd_hda_intel", String(repeating: "m", count: RuleParser.maximumNameLength),
  ]

  static func name(_ random: inout SplitMix64) -> String {
    names[Int(random.next() % UInt64(names.count))]
  }

  /// Any value of the type, but small ones more often (they hit the limits
  /// of narrower fields).
  static func value<T: FixedWidthInteger & UnsignedInteger>(
    _ random: inout SplitMix64, _ type: T.Type = T.self
  ) -> T {
    let raw = T(truncatingIfNeeded: random.next())
    return random.next() % 2 == 0 ? raw : raw % 40
  }

  static func id(_ random: inout SplitMix64) -> PCIID {
    PCIID(vendor: value(&random), device: value(&random))
  }

  static func address(_ random: inout SplitMix64) -> PCIAddress {
    PCIAddress(
      domain: value(&random), bus: value(&random), device: value(&random),
      function: value(&random))
  }

  static func selector(_ random: inout SplitMix64) -> Selector {
    switch random.next() % 8 {
    case 6:
      let hops = (0..<(1 + Int(random.next() % UInt64(PCIPath.maximumHops)))).map { _ in
        value(&random, UInt8.self)
      }
      return .path(PCIPath(domain: value(&random), rootBus: value(&random), hops: hops))
    case 7: return .slot(SlotName(name(&random))!)
    case 0: return .address(address(&random))
    case 1: return .id(id(&random))
    case 2: return .subsystem(id(&random), subsystem: id(&random))
    case 3: return .deviceClass(value(&random))
    case 4: return .deviceClassWithInterface(value(&random, UInt32.self) & 0xFF_FFFF)
    default: return .nonBootVGA
    }
  }

  /// A table `decode` could have returned.
  static func validTable(_ random: inout SplitMix64) -> BindingTable {
    var rules: [Rule] = []
    for _ in 0..<Int(random.next() % 12) {
      let selector = selector(&random)
      var expected: PCIID? = nil
      var subsystem: PCIID? = nil
      if Rule(selector: selector).canExpect, random.next() % 2 == 0 {
        expected = id(&random)
        if random.next() % 2 == 0 { subsystem = id(&random) }
      }
      var methods: [ResetMethod] = []
      if random.next() % 3 == 0 {
        for method in ResetMethod.all where random.next() % 2 == 0 { methods.append(method) }
        methods.shuffle(using: &random)
      }
      rules.append(
        Rule(
          selector: selector, driver: name(&random),
          functions: [FunctionPolicy.auto, .all, .none][Int(random.next() % 3)],
          group: random.next() % 2 == 0, rebind: random.next() % 2 == 0,
          allowBootVGA: random.next() % 2 == 0, expectedID: expected,
          expectedSubsystem: subsystem,
          allowKeyboard: random.next() % 2 == 0, allowNetwork: random.next() % 2 == 0,
          resetMethods: methods, d3coldOff: random.next() % 2 == 0,
          line: Int(value(&random, UInt32.self) & 0x7FFF_FFFF)))
    }
    let modules = (0..<Int(random.next() % 8)).map { _ in
      ModuleRequest(name: name(&random), optional: random.next() % 2 == 0)
    }
    let protected = (0..<Int(random.next() % 6)).map { _ in address(&random) }
    let guarded = (0..<Int(random.next() % 4)).map { _ in
      GuardedAddress(address(&random), need: random.next() % 2 == 0 ? .keyboard : .network)
    }
    return BindingTable(
      rules: rules, modules: modules, protectedAddresses: protected, guardedAddresses: guarded)
  }

  @Test func decodeUndoesEncode() throws {
    var random = SplitMix64(seed: 0xCA40_0000_0000_0001)
    for _ in 0..<3000 {
      let table = Self.validTable(&random)
      let bytes = try BindingTableCodec.encode(table)
      #expect(try BindingTableCodec.decode(bytes) == table)
    }
  }

  @Test func encodeUndoesDecode() throws {
    // Tables changed after encoding and sealed again, so the changes reach
    // the structural checks: whatever still decodes must encode to the very
    // same bytes.
    var random = SplitMix64(seed: 0xCA40_0000_0000_0002)
    var decoded = 0
    for _ in 0..<400 {
      let encoded = try BindingTableCodec.encode(Self.validTable(&random))
      for _ in 0..<25 {
        var bytes = encoded
        for _ in 0..<(1 + Int(random.next() % 3)) {
          let offset = L.headerSize + Int(random.next() % UInt64(bytes.count - L.headerSize + 1))
          guard offset < bytes.count else { continue }
          bytes[offset] = UInt8(truncatingIfNeeded: random.next())
        }
        L.seal(&bytes)
        guard let table = try? BindingTableCodec.decode(bytes) else { continue }
        decoded += 1
        #expect(try BindingTableCodec.encode(table) == bytes)
      }
    }
    #expect(decoded > 500, "enough changed tables should still decode")
  }

  @Test func encodeRefusesWhatDecodeWouldRefuse() throws {
    // Selector and address values the format cannot carry; before, encode
    // wrote them and decode then refused the table at boot.
    var wide = BindingTable(rules: [Rule(selector: .deviceClassWithInterface(0x0100_0000))])
    #expect(throws: TableError.self) { try BindingTableCodec.encode(wide) }
    var address = PCIAddress(bus: 2, device: 0, function: 0)
    address.device = 0x20
    wide = BindingTable(rules: [Rule(selector: .address(address))])
    #expect(throws: TableError.self) { try BindingTableCodec.encode(wide) }
    address = PCIAddress(bus: 2, device: 0, function: 0)
    address.function = 8
    wide = BindingTable(rules: [], protectedAddresses: [address])
    #expect(throws: TableError.self) { try BindingTableCodec.encode(wide) }
    for hops in [0, PCIPath.maximumHops + 1] {
      wide = BindingTable(
        rules: [Rule(selector: .path(PCIPath(hops: Array(repeating: 0, count: hops))))])
      #expect(throws: TableError.self) { try BindingTableCodec.encode(wide) }
    }
    wide = BindingTable(
      rules: [
        Rule(
          selector: .id(PCIID(vendor: 1, device: 2)), expectedID: PCIID(vendor: 1, device: 2),
          expectedSubsystem: PCIID(vendor: 3, device: 4))
      ])
    #expect(throws: TableError.self) { try BindingTableCodec.encode(wide) }

    // And at random: encode either refuses or writes what decodes back.
    var random = SplitMix64(seed: 0xCA40_0000_0000_0003)
    var refused = 0
    for _ in 0..<3000 {
      var table = Self.validTable(&random)
      for index in table.rules.indices where random.next() % 4 == 0 {
        switch random.next() % 3 {
        case 0: table.rules[index].selector = .deviceClassWithInterface(Self.value(&random))
        case 1:
          var raw = Self.address(&random)
          raw.device = Self.value(&random)
          table.rules[index].selector = .address(raw)
        default:
          var raw = Self.address(&random)
          raw.function = Self.value(&random)
          table.protectedAddresses.append(raw)
        }
      }
      do {
        let bytes = try BindingTableCodec.encode(table)
        #expect(try BindingTableCodec.decode(bytes) == table)
      } catch {
        refused += 1
      }
    }
    #expect(refused > 100)
  }

  @Test func stringsOutOfTheEncodersOrderAreRefused() throws {
    let table = BindingTable(
      rules: [Rule(selector: .nonBootVGA, driver: "pci-stub"), Rule(selector: .nonBootVGA)],
      modules: [ModuleRequest(name: "pci_stub")])
    let bytes = try BindingTableCodec.encode(table)
    let strings = L.stringsStart(bytes)
    #expect(Array(bytes[strings...]) == Array("pci-stubvfio-pcipci_stub".utf8))
    // The same names, stored in another order and referenced accordingly.
    let swapped = L.patched(bytes) { copy in
      copy.replaceSubrange(strings..., with: Array("vfio-pcipci-stubpci_stub".utf8))
      L.write16(&copy, L.headerSize + 4, 8)
      L.write16(&copy, L.headerSize + L.ruleSize + 4, 0)
    }
    #expect(decodeError(swapped)?.code == .invalidString)
    // A name stored twice, the second copy referenced.
    let twice = L.patched(bytes, fixSize: true) { copy in
      copy += Array("pci-stub".utf8)
      L.write32(&copy, L.stringsSizeOffset, 32)
      L.write16(&copy, L.modulesStart(copy), 0)
      L.write16(&copy, L.headerSize + L.ruleSize + 4, 24)
    }
    #expect(decodeError(twice)?.code == .invalidString)
    // Bytes no record names.
    let unused = L.patched(bytes, fixSize: true) { copy in
      copy += Array("zz".utf8)
      L.write32(&copy, L.stringsSizeOffset, 26)
    }
    #expect(decodeError(unused)?.code == .invalidString)
  }
}
