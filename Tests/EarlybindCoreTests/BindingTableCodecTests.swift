// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindTestSupport
import Testing

@Suite("BindingTableCodec")
struct BindingTableCodecTests {
  typealias L = TableLayout

  static let richRules: [Rule] = [
    Rule(selector: .nonBootVGA, line: 3),
    Rule(
      selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), driver: "pci-stub",
      functions: .none, rebind: true, line: 4),
    Rule(
      selector: .address(PCIAddress(domain: 0x10000, bus: 0xE1, device: 0x1F, function: 7)),
      functions: .all, group: true, line: 5),
    Rule(selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)), allowBootVGA: true, line: 6),
    Rule(
      selector: .subsystem(
        PCIID(vendor: 0x1002, device: 0x73BF), subsystem: PCIID(vendor: 0x1DA2, device: 0xE438)),
      driver: "amdgpu", group: true, rebind: true, allowBootVGA: true, line: 7),
    Rule(selector: .deviceClass(0x0108), driver: "vfio-pci", functions: .none, line: 8),
    Rule(selector: .deviceClassWithInterface(0x0C_0330), functions: .all, line: 0x7FFF_FFFF),
    Rule(selector: .id(PCIID(vendor: 0xFFFF, device: 0)), line: 0),
    Rule(
      selector: .address(PCIAddress(bus: 2, device: 0, function: 0)), functions: .none,
      expectedID: PCIID(vendor: 0x10DE, device: 0x1B80), line: 9),
    Rule(
      selector: .deviceClassWithInterface(0x0C_0330), allowKeyboard: true,
      resetMethods: [.bus, .flr], d3coldOff: true, line: 10),
    Rule(
      selector: .deviceClass(0x0200), allowNetwork: true,
      resetMethods: [.cxlBus, .deviceSpecific, .acpi, .afFLR, .pm, .flr, .bus], line: 11),
    Rule(selector: .deviceClass(0x0403), d3coldOff: true, line: 12),
    Rule(
      selector: .path(PCIPath(hops: [0x1C << 3, 0, 0x08 << 3 | 1])),
      expectedID: PCIID(vendor: 0x10DE, device: 0x1B80),
      expectedSubsystem: PCIID(vendor: 0x1458, device: 0x3702), line: 13),
    Rule(
      selector: .slot(SlotName("5-1")!), driver: "pci-stub",
      expectedID: PCIID(vendor: 0x1002, device: 0x73BF), line: 14),
    Rule(
      selector: .path(
        PCIPath(
          domain: 0x10000, rootBus: 0xE0,
          hops: (0..<PCIPath.maximumHops).map { UInt8(truncatingIfNeeded: $0 * 37) })),
      group: true, line: 15),
    Rule(
      selector: .address(PCIAddress(bus: 5, device: 0, function: 0)),
      expectedID: PCIID(vendor: 0x8086, device: 0x1533),
      expectedSubsystem: PCIID(vendor: 0x8086, device: 0x0001), line: 16),
  ]

  static let rich = BindingTable(
    rules: richRules,
    modules: BindingTable.modules(for: richRules),
    protectedAddresses: [
      PCIAddress(bus: 0, device: 0x17, function: 0),
      PCIAddress(domain: 0x10000, bus: 0xE1, device: 0, function: 0),
    ],
    guardedAddresses: [
      GuardedAddress(PCIAddress(bus: 0, device: 0x14, function: 0), need: .keyboard),
      GuardedAddress(PCIAddress(bus: 0, device: 0x14, function: 0), need: .network),
      GuardedAddress(PCIAddress(bus: 3, device: 0, function: 0), need: .network),
    ])

  static var richBytes: [UInt8] { try! BindingTableCodec.encode(rich) }

  static let tables: [BindingTable] = [
    BindingTable(rules: []),
    BindingTable(
      rules: [], modules: [ModuleRequest(name: "vfio_pci")],
      protectedAddresses: [PCIAddress(bus: 1, device: 2, function: 3)]),
    BindingTable(rules: [Rule(selector: .nonBootVGA)]),
    BindingTable(
      rules: [
        Rule(selector: .id(PCIID(vendor: 0x10DE, device: 0x1B80)), driver: "nvidia", line: 1)
      ],
      modules: [
        ModuleRequest(name: "vfio_virqfd", optional: true), ModuleRequest(name: "vfio"),
      ]),
    rich,
  ]

  // MARK: Round trip

  @Test("round trips", arguments: tables)
  func roundTrips(_ table: BindingTable) throws {
    let encoded = try BindingTableCodec.encode(table)
    #expect(try BindingTableCodec.decode(encoded) == table)
    #expect(try BindingTableCodec.encode(table) == encoded)
  }

  @Test func roundTripsEveryRuleCombination() throws {
    var rules: [Rule] = []
    let selectors: [Selector] = [
      .address(PCIAddress(bus: 0xFF, device: 0x1F, function: 7)),
      .address(PCIAddress(domain: 0xFFFF_FFFF, bus: 0, device: 0, function: 0)),
      .id(PCIID(vendor: 0x8086, device: 0xA36D)),
      .subsystem(PCIID(vendor: 0, device: 0), subsystem: PCIID(vendor: 0xFFFF, device: 0xFFFF)),
      .deviceClass(0xFFFF), .deviceClassWithInterface(0xFF_FFFF), .nonBootVGA,
      .path(PCIPath(hops: [0xFF])),
      .path(PCIPath(domain: 0xFFFF_FFFF, rootBus: 0xFF, hops: [1, 2, 3, 4, 5])),
      .slot(SlotName("SLOT_1")!),
    ]
    var line = 1
    for selector in selectors {
      for functions in [FunctionPolicy.auto, .all, .none] {
        for flags in 0..<8 {
          var expected: PCIID? = nil
          var subsystem: PCIID? = nil
          let probe = Rule(selector: selector)
          if probe.canExpect, line % 2 == 0 {
            expected = PCIID(vendor: UInt16(line) * 0x0101, device: UInt16(line) * 0x0101)
            if line % 4 == 0 { subsystem = PCIID(vendor: UInt16(line), device: 0xFFFF) }
          }
          rules.append(
            Rule(
              selector: selector, driver: line % 3 == 0 ? "vfio-pci" : "d" + String(line % 7),
              functions: functions, group: flags & 1 != 0, rebind: flags & 2 != 0,
              allowBootVGA: flags & 4 != 0, expectedID: expected, expectedSubsystem: subsystem,
              line: line))
          line += 1
        }
      }
    }
    let table = BindingTable(rules: rules, modules: BindingTable.modules(for: rules))
    #expect(try BindingTableCodec.decode(try BindingTableCodec.encode(table)) == table)
  }

  @Test func roundTripsATableAtEveryLimit() throws {
    var rules: [Rule] = []
    for index in 0..<RuleParser.maximumRules {
      rules.append(
        Rule(
          selector: .address(
            PCIAddress(bus: UInt8(index / 32), device: UInt8(index % 32), function: 0)),
          driver: String(repeating: "x", count: RuleParser.maximumNameLength - 4)
            + String(1000 + index % 100),
          line: index + 1))
    }
    let modules = (0..<BindingTableCodec.maximumModules).map {
      ModuleRequest(name: "module_" + String($0), optional: $0 % 2 == 0)
    }
    let protected = (0..<BindingTableCodec.maximumProtected).map { (index: Int) -> PCIAddress in
      PCIAddress(
        domain: UInt32(index), bus: UInt8(index), device: UInt8(index % 32),
        function: UInt8(index % 8))
    }
    let table = BindingTable(rules: rules, modules: modules, protectedAddresses: protected)
    let encoded = try BindingTableCodec.encode(table)
    #expect(encoded.count <= BindingTableCodec.maximumSize)
    #expect(try BindingTableCodec.decode(encoded) == table)
  }

  @Test func headerFollowsTheDocumentedLayout() throws {
    let encoded = Self.richBytes
    let table = Self.rich
    #expect(Array(encoded[0..<4]) == bytes("EBTB"))
    #expect(L.read16(encoded, L.versionOffset) == BindingTableCodec.version)
    #expect(L.read16(encoded, L.headerSizeOffset) == 32)
    #expect(Int(L.read32(encoded, L.totalSizeOffset)) == encoded.count)
    #expect(Int(L.read16(encoded, L.ruleCountOffset)) == table.rules.count)
    #expect(Int(L.read16(encoded, L.moduleCountOffset)) == table.modules.count)
    #expect(
      Int(L.read16(encoded, L.protectedCountOffset))
        == table.protectedAddresses.count + table.guardedAddresses.count)
    #expect(L.read16(encoded, L.flagsOffset) == 0)
    // Two path records (2 + 1 and 2 + 8 words) and two subsystems.
    #expect(L.read32(encoded, L.selectorDataSizeOffset) == 4 * (3 + 10 + 2))
    #expect(
      L.stringsStart(encoded) + Int(L.read32(encoded, L.stringsSizeOffset)) == encoded.count)
    var zeroed = encoded
    L.write32(&zeroed, L.checksumOffset, 0)
    #expect(L.read32(encoded, L.checksumOffset) == CRC32.checksum(zeroed))
    // Rule records: kind 1..6, the address rule packs bus << 8 | device << 3 | function.
    let second = L.rulesStart(encoded) + L.ruleSize
    #expect(encoded[second] == 1)
    #expect(L.read32(encoded, second + 8) == 0)
    #expect(L.read32(encoded, second + 12) == 0x0300)
    #expect(L.read32(encoded, second + 20) == 4)
  }

  // MARK: Encoder limits

  @Test func encoderRefusesTablesBeyondTheLimits() {
    func code(_ table: BindingTable) -> TableError.Code? {
      do {
        _ = try BindingTableCodec.encode(table)
        return nil
      } catch {
        return error.code
      }
    }
    let rule = Rule(selector: .nonBootVGA)
    #expect(code(BindingTable(rules: Array(repeating: rule, count: 1025))) == .tooLarge)
    #expect(
      code(
        BindingTable(
          rules: [],
          modules: Array(repeating: ModuleRequest(name: "vfio"), count: 65))) == .tooLarge)
    #expect(
      code(
        BindingTable(
          rules: [],
          protectedAddresses: Array(
            repeating: PCIAddress(bus: 0, device: 0, function: 0), count: 257))) == .tooLarge)
    for driver in ["", "vfio/pci", "vfio pci", "v\u{E9}fio", String(repeating: "a", count: 65)] {
      #expect(
        code(BindingTable(rules: [Rule(selector: .nonBootVGA, driver: driver)]))
          == .invalidString, "\(driver)")
    }
    #expect(
      code(BindingTable(rules: [], modules: [ModuleRequest(name: "../evil")])) == .invalidString)
  }

  // MARK: Decoder: never traps, always a typed error

  @Test func emptyAndShortInputsAreTruncated() throws {
    let encoded = Self.richBytes
    for length in 0..<32 {
      let error = try #require(decodeError(Array(encoded.prefix(length))))
      #expect(error.code == .truncated)
      #expect(error.offset == length)
    }
  }

  @Test func everyTruncationIsRefused() throws {
    for table in Self.tables {
      let encoded = try BindingTableCodec.encode(table)
      for length in 0..<encoded.count {
        let error = try #require(decodeError(Array(encoded.prefix(length))), "length \(length)")
        #expect(error.code == .truncated, "length \(length)")
      }
    }
  }

  @Test func trailingBytesAreRefused() throws {
    let encoded = Self.richBytes
    for extra in 1...9 {
      let longer = encoded + [UInt8](repeating: 0, count: extra)
      #expect(decodeError(longer)?.code == .sizeMismatch)
      // Even with the header's size and checksum brought in line.
      let resealed = L.patched(longer, fixSize: true) { _ in }
      #expect(decodeError(resealed)?.code == .sizeMismatch)
    }
  }

  /// Which error a change at `offset` must produce, where the format
  /// decides it (the header is checked before the checksum).
  static func expectedCodes(at offset: Int) -> Set<TableError.Code> {
    switch offset {
    case 0..<4: return [.badMagic]
    case 4..<6: return [.unsupportedVersion]
    case 6..<8: return [.invalidRecord]
    case 8..<12: return [.truncated, .sizeMismatch]
    case 12..<16: return [.checksumMismatch]
    case 16..<22, 24..<28: return [.countOutOfRange, .sizeMismatch]
    case 22..<24: return [.invalidRecord]
    case 28..<32: return [.countOutOfRange, .sizeMismatch, .invalidRecord]
    default: return [.checksumMismatch]
    }
  }

  @Test func everySingleByteChangeIsRefused() throws {
    for table in Self.tables {
      let encoded = try BindingTableCodec.encode(table)
      for offset in encoded.indices {
        for mask: UInt8 in [1, 2, 4, 8, 16, 32, 64, 128, 0xFF, 0x5A] {
          var copy = encoded
          copy[offset] ^= mask
          let error = try #require(decodeError(copy), "offset \(offset) mask \(mask)")
          var expected = Self.expectedCodes(at: offset)
          // A rule's reset-method flag adds or drops a reset record, so the
          // sections no longer add up to the file's size.
          let rules = L.headerSize..<L.modulesStart(encoded)
          if rules.contains(offset), (offset - L.headerSize) % L.ruleSize == 1,
            mask & L.resetFlag != 0
          {
            expected.insert(.sizeMismatch)
          }
          #expect(
            expected.contains(error.code),
            "offset \(offset) mask \(mask): \(error)")
        }
      }
    }
  }

  @Test func wrongMagicIsRefused() {
    for magic in ["EBTb", "ebtb", "\u{7F}ELF", "\0\0\0\0", "BTBE"] {
      let table = L.patched(Self.richBytes) { bytes in
        bytes.replaceSubrange(0..<4, with: Array(magic.utf8))
      }
      let error = decodeError(table)
      #expect(error?.code == .badMagic, "\(magic)")
      #expect(error?.offset == 0)
    }
  }

  @Test(arguments: [UInt16(0), 1, 2, 4, 0x100, 0xFFFF])
  func otherVersionsAreRefused(_ version: UInt16) {
    let table = L.patched(Self.richBytes) { L.write16(&$0, L.versionOffset, version) }
    let error = decodeError(table)
    #expect(error?.code == .unsupportedVersion)
    #expect(error?.offset == 4)
  }

  @Test func otherHeaderSizesAreRefused() {
    for size: UInt16 in [0, 31, 33, 0xFFFF] {
      let table = L.patched(Self.richBytes) { L.write16(&$0, L.headerSizeOffset, size) }
      #expect(decodeError(table)?.code == .invalidRecord)
    }
  }

  @Test func hugeCountsAreRefusedEvenWithAValidChecksum() {
    let cases: [(Int, UInt32, Bool)] = [
      (L.ruleCountOffset, 0xFFFF, false), (L.ruleCountOffset, 1025, false),
      (L.moduleCountOffset, 65, false), (L.moduleCountOffset, 0xFFFF, false),
      (L.protectedCountOffset, 257, false), (L.protectedCountOffset, 0x8000, false),
      (L.stringsSizeOffset, 0xFFFF_FFFF, true), (L.stringsSizeOffset, 65536, true),
    ]
    for (offset, value, wide) in cases {
      let table = L.patched(Self.richBytes) { bytes in
        if wide {
          L.write32(&bytes, offset, value)
        } else {
          L.write16(&bytes, offset, UInt16(value))
        }
      }
      #expect(decodeError(table)?.code == .countOutOfRange, "offset \(offset) value \(value)")
    }
    var huge = L.patched(Self.richBytes) { L.write32(&$0, L.totalSizeOffset, 0xFFFF_FFFF) }
    #expect(decodeError(huge)?.code == .truncated)
    huge = L.patched(Self.richBytes) { L.write32(&$0, L.totalSizeOffset, 0) }
    #expect(decodeError(huge)?.code == .sizeMismatch)
  }

  @Test func countsThatDoNotAddUpAreRefused() {
    for offset in [L.ruleCountOffset, L.moduleCountOffset, L.protectedCountOffset] {
      for delta in [-1, 1] {
        let table = L.patched(Self.richBytes) { bytes in
          let count = Int(L.read16(bytes, offset)) + delta
          L.write16(&bytes, offset, UInt16(max(count, 0)))
        }
        #expect(decodeError(table)?.code == .sizeMismatch)
      }
    }
  }

  @Test func reservedFieldsMustBeZero() {
    for offset in [L.flagsOffset, L.flagsOffset + 1] {
      let table = L.patched(Self.richBytes) { $0[offset] = 1 }
      #expect(decodeError(table)?.code == .invalidRecord)
    }
  }

  /// What an older binder does with this table: its decoder checks the
  /// version before anything else, so it names the version and stops.
  @Test(arguments: [UInt16(1), 2])
  func anOlderReaderRefusesThisTableByItsVersion(_ reader: UInt16) throws {
    #expect(BindingTableCodec.version == 3)
    for table in Self.tables {
      let encoded = try BindingTableCodec.encode(table)
      #expect(L.read16(encoded, L.versionOffset) == 3)
      do {
        _ = try BindingTableCodec.decode(encoded, readerVersion: reader)
        Issue.record("a version \(reader) reader accepted a version 3 table")
      } catch {
        #expect(error.code == .unsupportedVersion)
        #expect(error.offset == 4)
        #expect(error.message == "version 3 (this binder reads version \(reader))")
      }
    }
  }

  @Test func selectorDataMustBeWholeWordsAndAllUsed() throws {
    // Sized and sealed, so only the selector data checks can object.
    for extra in 1...8 {
      let table = L.patched(Self.richBytes, fixSize: true) { bytes in
        let end = L.stringsStart(bytes)
        bytes.insert(contentsOf: [UInt8](repeating: 0, count: extra), at: end)
        L.write32(
          &bytes, L.selectorDataSizeOffset,
          L.read32(bytes, L.selectorDataSizeOffset) + UInt32(extra))
      }
      #expect(decodeError(table)?.code == .invalidRecord, "extra \(extra)")
    }
    // Selector data in a table whose rules need none.
    let plain = try BindingTableCodec.encode(BindingTable(rules: [Rule(selector: .nonBootVGA)]))
    let stray = L.patched(plain, fixSize: true) { bytes in
      bytes.insert(contentsOf: [1, 0, 0, 0], at: L.stringsStart(bytes))
      L.write32(&bytes, L.selectorDataSizeOffset, 4)
    }
    #expect(decodeError(stray)?.code == .invalidRecord)
  }

  @Test func pathAndSlotRecordsFollowTheDocumentedLayout() throws {
    let encoded = Self.richBytes
    let path = L.headerSize + 12 * L.ruleSize
    #expect(encoded[path] == 7)
    #expect(encoded[path + 1] == 8 | 128)  // expect, expect-subsystem
    #expect(L.read32(encoded, path + 8) == 0)  // the first record
    #expect(L.read32(encoded, path + 16) == 0x10DE_1B80)
    let data = L.selectorDataStart(encoded)
    #expect(L.read32(encoded, data) == 0)  // domain
    #expect(L.read32(encoded, data + 4) == 3 << 8)  // root bus 0, three hops
    #expect(Array(encoded[(data + 8)..<(data + 12)]) == [0xE0, 0, 0x41, 0])
    #expect(L.read32(encoded, data + 12) == 0x1458_3702)  // the subsystem
    let slot = L.headerSize + 13 * L.ruleSize
    #expect(encoded[slot] == 8)
    let ref = L.read32(encoded, slot + 8)
    let strings = L.stringsStart(encoded)
    let start = strings + Int(ref & 0xFFFF)
    #expect(Array(encoded[start..<(start + Int(ref >> 16))]) == bytes("5-1"))
    let deep = L.headerSize + 14 * L.ruleSize
    #expect(L.read32(encoded, deep + 8) == 4)  // after the first record and its subsystem
    #expect(L.read32(encoded, data + 16) == 0x10000)
    #expect(L.read32(encoded, data + 20) == 0xE0 | UInt32(PCIPath.maximumHops) << 8)
  }

  @Test func brokenPathRecordsAreRefused() {
    let data = L.selectorDataStart(Self.richBytes)
    let path = L.headerSize + 12 * L.ruleSize
    let cases: [(String, (inout [UInt8]) -> Void)] = [
      ("offset not the next record", { L.write32(&$0, path + 8, 1) }),
      ("second word set", { L.write32(&$0, path + 12, 1) }),
      ("no hops", { L.write32(&$0, data + 4, 0) }),
      ("too many hops", { L.write32(&$0, data + 4, UInt32(PCIPath.maximumHops + 1) << 8) }),
      ("more hops than words", { L.write32(&$0, data + 4, 5 << 8) }),
      ("upper half of the shape", { L.write32(&$0, data + 4, 3 << 8 | 1 << 16) }),
      ("padding set", { $0[data + 11] = 1 }),
      ("slot second word", { L.write32(&$0, L.headerSize + 13 * L.ruleSize + 12, 1) }),
      ("subsystem flag without expect", { $0[L.headerSize + 1] |= 128 }),
    ]
    for (name, change) in cases {
      let error = decodeError(L.patched(Self.richBytes, change))
      #expect(error != nil, "\(name)")
      #expect(
        error.map { [.invalidRecord, .invalidString].contains($0.code) } == true, "\(name)")
    }
  }

  @Test func aZeroRecordInsertedConsistentlyIsRefused() {
    // One more rule, counted, sized and sealed: only the record check can object.
    let table = L.patched(Self.richBytes, fixSize: true) { bytes in
      let end = L.modulesStart(bytes)
      bytes.insert(contentsOf: [UInt8](repeating: 0, count: L.ruleSize), at: end)
      L.write16(&bytes, L.ruleCountOffset, L.read16(bytes, L.ruleCountOffset) + 1)
    }
    let error = decodeError(table)
    #expect(error?.code == .invalidRecord)
    #expect(error?.offset == L.headerSize + Self.richRules.count * L.ruleSize)
  }

  @Test(arguments: [UInt8(0), 9, 0x80, 0xFF])
  func unknownRuleKindsAreRefused(_ kind: UInt8) {
    let table = L.patched(Self.richBytes) { $0[L.headerSize + L.ruleSize] = kind }
    let error = decodeError(table)
    #expect(error?.code == .invalidRecord)
    #expect(error?.offset == L.headerSize + L.ruleSize)
  }

  @Test(arguments: [UInt8(0x80), 0x90, 0xB0])
  func unknownRuleFlagsAreRefused(_ flags: UInt8) {
    let table = L.patched(Self.richBytes) { $0[L.headerSize + 1] |= flags }
    #expect(decodeError(table)?.code == .invalidRecord)
  }

  @Test func expectedIDIsTheThirdWordOfAnAddressRule() throws {
    let encoded = Self.richBytes
    let base = L.headerSize + 8 * L.ruleSize
    #expect(encoded[base] == 1)
    #expect(encoded[base + 1] & 8 != 0)
    #expect(L.read32(encoded, base + 16) == 0x10DE_1B80)
    #expect(
      try BindingTableCodec.decode(encoded).rules[8].expectedID
        == PCIID(vendor: 0x10DE, device: 0x1B80))
    // Without the flag the word is just a stray selector word.
    let unflagged = L.patched(encoded) { $0[base + 1] &= ~8 }
    #expect(decodeError(unflagged)?.code == .invalidRecord)
  }

  @Test(arguments: [0, 3, 4, 5, 6])
  func expectFlagOnlyBelongsToAddressRules(_ rule: Int) {
    let base = L.headerSize + rule * L.ruleSize
    let table = L.patched(Self.richBytes) { $0[base + 1] |= 8 }
    let error = decodeError(table)
    #expect(error?.code == .invalidRecord)
    #expect(error?.offset == base + 8)
  }

  @Test(
    "every table the encoder accepts decodes to itself",
    arguments: [
      Rule(
        selector: .id(PCIID(vendor: 0x10DE, device: 0x1B80)),
        expectedID: PCIID(vendor: 0x10DE, device: 0x1B80), line: 1),
      Rule(selector: .nonBootVGA, line: 0x8000_0000),
    ])
  func encoderOutputAlwaysDecodes(_ rule: Rule) throws {
    let table = BindingTable(rules: [rule])
    let encoded: [UInt8]
    do {
      encoded = try BindingTableCodec.encode(table)
    } catch {
      return  // refusing to encode is fine
    }
    #expect(decodeError(encoded) == nil, "\(rule): \(decodeError(encoded)!)")
  }

  @Test func unknownFunctionPoliciesAndPaddingAreRefused() {
    for value: UInt8 in [3, 4, 0xFF] {
      let table = L.patched(Self.richBytes) { $0[L.headerSize + 2] = value }
      #expect(decodeError(table)?.code == .invalidRecord)
    }
    let padded = L.patched(Self.richBytes) { $0[L.headerSize + 3] = 2 }
    #expect(decodeError(padded)?.code == .invalidRecord)
  }

  @Test func invalidSelectorWordsAreRefused() {
    // Rule index -> (word offset within the record, value).
    let cases: [(Int, Int, UInt32)] = [
      (1, 12, 0x1_0000),  // address: packed bus/devfn beyond 16 bits
      (1, 16, 1),  // address: third word set
      (3, 12, 1),  // id: second word set
      (4, 16, 1),  // subsystem: third word set
      (5, 8, 0x1_0000),  // class: beyond 16 bits
      (6, 8, 0x100_0000),  // class with interface: beyond 24 bits
      (0, 8, 1),  // non-boot-vga: any word set
    ]
    for (rule, word, value) in cases {
      let base = L.headerSize + rule * L.ruleSize
      let table = L.patched(Self.richBytes) { L.write32(&$0, base + word, value) }
      let error = decodeError(table)
      #expect(error?.code == .invalidRecord, "rule \(rule) word \(word)")
      #expect(error?.offset == base + 8, "rule \(rule) word \(word)")
    }
  }

  @Test func lineNumbersBeyondInt32AreRefused() {
    let table = L.patched(Self.richBytes) { L.write32(&$0, L.headerSize + 20, 0x8000_0000) }
    #expect(decodeError(table)?.code == .invalidRecord)
  }

  @Test func outOfRangeStringReferencesAreRefused() {
    let encoded = Self.richBytes
    let stringsSize = Int(L.read32(encoded, L.stringsSizeOffset))
    let refs: [(UInt16, UInt16)] = [
      (0xFFFF, 1), (0, 0), (0, 65), (0, 0xFFFF), (UInt16(stringsSize), 1),
      (UInt16(stringsSize - 1), 2), (0xFFFF, 0xFFFF),
    ]
    for (start, length) in refs {
      let driverRef = L.headerSize + 4
      let rule = L.patched(encoded) { bytes in
        L.write16(&bytes, driverRef, start)
        L.write16(&bytes, driverRef + 2, length)
      }
      let error = decodeError(rule)
      #expect(error?.code == .invalidString, "rule ref \(start)+\(length)")
      #expect(error?.offset == driverRef)

      let moduleRef = L.modulesStart(encoded)
      let module = L.patched(encoded) { bytes in
        L.write16(&bytes, moduleRef, start)
        L.write16(&bytes, moduleRef + 2, length)
      }
      #expect(decodeError(module)?.code == .invalidString, "module ref \(start)+\(length)")
    }
  }

  @Test func nonNameBytesInStringsAreRefused() {
    for byte in bytes("/ .\0\n") + [0x80, 0xFF] {
      let table = L.patched(Self.richBytes) { $0[L.stringsStart($0)] = byte }
      #expect(decodeError(table)?.code == .invalidString, "byte \(byte)")
    }
  }

  @Test func unknownModuleFlagsAreRefused() {
    let base = L.modulesStart(Self.richBytes)
    for (offset, value) in [(4, UInt8(2)), (4, 0x80), (5, 1), (6, 1), (7, 0xFF)] {
      let table = L.patched(Self.richBytes) { $0[base + offset] = value }
      #expect(decodeError(table)?.code == .invalidRecord, "module byte \(offset)")
    }
  }

  @Test func theNewFieldsSitWhereTheFormatSays() throws {
    let bytes = Self.richBytes
    let rule = L.headerSize + 9 * L.ruleSize  // allow-keyboard reset-method=bus:flr d3cold=off
    #expect(bytes[rule + 1] == 16 | L.resetFlag)
    #expect(bytes[rule + 3] == 1)
    #expect(bytes[rule + L.ruleSize + 1] == 32 | L.resetFlag)
    #expect(bytes[rule + 2 * L.ruleSize + 1] == 0)
    #expect(bytes[rule + 2 * L.ruleSize + 3] == 1)
    let protected = L.protectedStart(bytes)
    #expect((0..<5).map { bytes[protected + $0 * L.protectedSize + 7] } == [0, 0, 1, 2, 2])
    let reset = L.resetStart(bytes)
    #expect(L.read32(bytes, reset) == 0x36)
    #expect(L.read32(bytes, reset + 8) == 0x0635_4217)
  }

  @Test func invalidResetRecordsAreRefused() {
    let reset = L.resetStart(Self.richBytes)
    for (word, detail) in [
      (UInt32(0), "no method"), (0x33, "a method twice"), (0x38, "no such method"),
      (0x306, "a gap"), (0x7000_0006, "a method after the end"),
    ] {
      let table = L.patched(Self.richBytes) {
        L.write32(&$0, reset, UInt32(truncatingIfNeeded: word))
      }
      #expect(decodeError(table)?.code == .invalidRecord, "\(detail)")
    }
    let tail = L.patched(Self.richBytes) { $0[reset + 7] = 1 }
    #expect(decodeError(tail)?.code == .invalidRecord)
  }

  @Test func unknownSettingsAndNeedsAreRefused() {
    for value in [UInt8(2), 0x80] {
      let table = L.patched(Self.richBytes) { $0[L.headerSize + 3] = value }
      #expect(decodeError(table)?.code == .invalidRecord, "settings \(value)")
    }
    let protected = L.protectedStart(Self.richBytes)
    for (record, need) in [(2, UInt8(3)), (3, 0), (4, 0xFF)] {
      let table = L.patched(Self.richBytes) { $0[protected + record * L.protectedSize + 7] = need }
      #expect(decodeError(table)?.code == .invalidRecord, "record \(record) need \(need)")
    }
  }

  @Test func invalidProtectedAddressesAreRefused() {
    let base = L.protectedStart(Self.richBytes)
    for (offset, value) in [(5, UInt8(0x20)), (5, 0xFF), (6, 8), (6, 0xFF), (7, 1)] {
      let table = L.patched(Self.richBytes) { $0[base + offset] = value }
      #expect(decodeError(table)?.code == .invalidRecord, "protected byte \(offset)")
    }
  }

  // MARK: Random inputs

  @Test func randomByteStringsNeverDecode() {
    var random = SplitMix64(seed: 0x00EB_7AB1_E5EE_D001)
    for _ in 0..<4000 {
      let length = Int(random.next() % 400)
      let input = random.bytes(length)
      #expect(decodeError(input) != nil)
    }
  }

  @Test func randomBodiesBehindAPlausibleHeaderNeverTrap() {
    var random = SplitMix64(seed: 0x5EED_0000_0000_0002)
    var decoded = 0
    for round in 0..<4000 {
      let ruleCount = Int(random.next() % 4)
      let moduleCount = Int(random.next() % 4)
      let protectedCount = Int(random.next() % 4)
      let stringsSize = Int(random.next() % 24)
      var bytes = bytes("EBTB")
      bytes += [3, 0, 32, 0, 0, 0, 0, 0, 0, 0, 0, 0]
      bytes += [
        UInt8(ruleCount), 0, UInt8(moduleCount), 0, UInt8(protectedCount), 0, 0, 0,
        UInt8(stringsSize), 0, 0, 0, 0, 0, 0, 0,
      ]
      var body = random.bytes(
        ruleCount * L.ruleSize + moduleCount * L.moduleSize + protectedCount * L.protectedSize
          + stringsSize)
      var usedStrings = stringsSize
      if round % 2 == 0 {
        // Make most fields plausible so the deeper checks run: references
        // laid out as the encoder lays them out (new names appended in
        // order, an earlier one named again), the string section cut to
        // what they use.
        var handedOut: [(Int, Int)] = []
        usedStrings = 0
        func reference(at offset: Int) {
          var (start, length) = (usedStrings, 1 + Int(random.next() % 3))
          if !handedOut.isEmpty && (random.next() % 3 == 0 || usedStrings + length > stringsSize) {
            (start, length) = handedOut[Int(random.next() % UInt64(handedOut.count))]
          } else if usedStrings + length <= stringsSize {
            handedOut.append((start, length))
            usedStrings += length
          }
          L.write16(&body, offset, UInt16(start))
          L.write16(&body, offset + 2, UInt16(length))
        }
        for index in 0..<ruleCount {
          let base = index * L.ruleSize
          body[base] = UInt8(1 + random.next() % 8)
          body[base + 1] &= 0x7F
          body[base + 2] %= 3
          body[base + 3] &= 1
          reference(at: base + 4)
          if random.next() % 4 != 0 {
            for offset in 12..<20 { body[base + offset] = 0 }
          }
          body[base + 23] &= 0x7F
        }
        let modulesBase = ruleCount * L.ruleSize
        for index in 0..<moduleCount {
          let base = modulesBase + index * L.moduleSize
          reference(at: base)
          body[base + 4] &= 1
          body[base + 5] = 0
          body[base + 6] = 0
          body[base + 7] = 0
        }
        let protectedBase = modulesBase + moduleCount * L.moduleSize
        for index in 0..<protectedCount {
          let base = protectedBase + index * L.protectedSize
          body[base + 5] &= 0x1F
          body[base + 6] &= 7
          body[base + 7] = index == 0 ? 0 : UInt8(random.next() % 3)
        }
        // A reset record for each rule with the flag: up to three methods,
        // sometimes repeated or out of range, which decode must refuse.
        var resets: [UInt8] = []
        for index in 0..<ruleCount where body[index * L.ruleSize + 1] & L.resetFlag != 0 {
          var word: UInt32 = 0
          for slot in 0..<Int(random.next() % 4) {
            word |= UInt32(random.next() % 9) << UInt32(4 * slot)
          }
          resets += [
            UInt8(truncatingIfNeeded: word), UInt8(truncatingIfNeeded: word >> 8),
            UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 24),
            0, 0, 0, random.next() % 8 == 0 ? 1 : 0,
          ]
        }
        let letters = Array("abcdefghijklmnopqrstuvwxyz_-0123456789".utf8)
        for index in (body.count - stringsSize)..<body.count {
          body[index] = letters[Int(random.next() % UInt64(letters.count))]
        }
        body.removeLast(stringsSize - usedStrings)
        body.insert(contentsOf: resets, at: protectedBase + protectedCount * L.protectedSize)
        bytes[L.stringsSizeOffset] = UInt8(usedStrings)
      }
      bytes += body
      L.write32(&bytes, L.totalSizeOffset, UInt32(bytes.count))
      L.seal(&bytes)
      do {
        let table = try BindingTableCodec.decode(bytes)
        decoded += 1
        #expect(try BindingTableCodec.decode(BindingTableCodec.encode(table)) == table)
      } catch {
        #expect(error.offset >= 0 && error.offset <= bytes.count)
      }
    }
    #expect(decoded > 200, "the generator should produce valid tables too")
  }

  @Test func randomMutationsOfValidTablesNeverTrap() throws {
    var random = SplitMix64(seed: 0xC0DE_CAFE_0000_0003)
    for table in Self.tables {
      let encoded = try BindingTableCodec.encode(table)
      for _ in 0..<600 {
        var mutated = encoded
        let changes = 1 + Int(random.next() % 4)
        for _ in 0..<changes {
          let offset = Int(random.next() % UInt64(mutated.count))
          mutated[offset] = UInt8(truncatingIfNeeded: random.next())
        }
        let resealed = random.next() % 2 == 0
        if resealed { L.seal(&mutated) }
        do {
          let decoded = try BindingTableCodec.decode(mutated)
          #expect(resealed || mutated == encoded)
          #expect(try BindingTableCodec.decode(BindingTableCodec.encode(decoded)) == decoded)
        } catch {
          #expect(error.offset >= 0 && error.offset <= mutated.count)
          #expect(!error.description.isEmpty)
        }
      }
    }
  }

  @Test func errorDescriptionNamesTheOffset() {
    let error = decodeError([])
    #expect(
      error?.description
        == "invalid binding table at byte 0: file is 0 bytes, shorter than the header")
  }
}
