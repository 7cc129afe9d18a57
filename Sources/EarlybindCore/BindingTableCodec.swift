// SPDX-License-Identifier: Apache-2.0
/// The binary form of a `BindingTable`, little-endian throughout
/// (version 3):
///
///     header   32 bytes  magic "EBTB", version, header size, total size,
///                        CRC-32 (computed with this field zero), counts,
///                        flags (0), string table size, selector data size
///     rules    24 bytes each   kind, flags, functions, settings,
///                              driver string ref, three selector words,
///                              source line
///     modules   8 bytes each   name string ref, flags
///     protect   8 bytes each   domain, bus, device, function, need
///     reset     8 bytes each   one per rule with the reset-method flag, in
///                              rule order: the methods, one per nibble
///                              from the lowest, 0 ending them; a zero word
///     selector data  32-bit words: the variable-length parts of rules, in
///              rule order, each rule's once, nothing unused; the last
///              section before the strings
///     strings  the slot, driver and module names, not terminated, each
///              once, in the order the records first name them
///
/// The three selector words by kind: address (1) domain, bus<<8|devfn,
/// expected ID; id (2) vendor<<16|device; subsystem (3) ID, subsystem ID;
/// class (4, 5) the code; non-boot-vga (6) nothing; path (7) the word
/// offset of its path record in the selector data, 0, expected ID; slot (8)
/// the name's string ref (start, length as two halves), 0, expected ID.
/// A path record is the domain, then `root bus | hop count << 8`, then the
/// hops' devfn bytes, four to a word, first hop lowest, padded with zero.
/// A rule with the expect-subsystem flag (bit 7, needs expect) has its
/// expected subsystem in the word after its path record (for other kinds,
/// the next word of the selector data).
///
/// A binder reads only its own version, and checks it first: an older
/// binder meeting a newer table reports `unsupportedVersion` and binds
/// nothing from it. Each version added fields without moving those before.
///
/// Version 2 added the rule flags allow-keyboard, allow-network and
/// reset-method; the rule's settings byte (bit 0: d3cold off), formerly
/// reserved; the protect record's need byte (0 always refused, else a
/// `HostNeed`), formerly reserved, with the always-refused records first;
/// and the reset section, whose size the rule flags give.
///
/// Version 3 added the selector data (its size in the last header word,
/// reserved and 0 before), the path and slot kinds and the
/// expect-subsystem flag.
///
/// Every count has a hard limit and every reference is checked, so decoding
/// any byte string returns a table or a `TableError`, never traps. The
/// encoding is canonical: `encode` accepts exactly the tables `decode`
/// returns, and `decode` accepts exactly what `encode` writes, so each
/// undoes the other.
public enum BindingTableCodec {
  public static let magic: [UInt8] = Array("EBTB".utf8)
  public static let version: UInt16 = 3
  static let headerSize = 32
  static let ruleSize = 24
  static let moduleSize = 8
  static let protectedSize = 8
  static let resetSize = 8
  public static let maximumModules = 64
  public static let maximumProtected = 256
  public static let maximumStringBytes = 65535
  /// Every rule a deepest path and a subsystem: 2 + 8 + 1 words.
  public static let maximumSelectorDataBytes =
    RuleParser.maximumRules * 4 * (2 + PCIPath.maximumHops / 4 + 1)
  public static let maximumSize =
    headerSize + RuleParser.maximumRules * ruleSize + maximumModules * moduleSize
    + maximumProtected * protectedSize + RuleParser.maximumRules * resetSize
    + maximumSelectorDataBytes + maximumStringBytes

  enum Kind: UInt8 {
    case address = 1
    case id = 2
    case subsystem = 3
    case deviceClass = 4
    case deviceClassWithInterface = 5
    case nonBootVGA = 6
    case path = 7
    case slot = 8
  }

  enum RuleFlag {
    static let group: UInt8 = 1
    static let rebind: UInt8 = 2
    static let allowBootVGA: UInt8 = 4
    /// Address, path and slot rules: the third selector word holds the
    /// expected ID.
    static let expect: UInt8 = 8
    static let allowKeyboard: UInt8 = 16
    static let allowNetwork: UInt8 = 32
    /// The rule has a record in the reset section.
    static let resetMethod: UInt8 = 64
    /// With `expect`: the expected subsystem is in the selector data.
    static let expectSubsystem: UInt8 = 128
    static let all =
      group | rebind | allowBootVGA | expect | allowKeyboard | allowNetwork | resetMethod
      | expectSubsystem
  }

  /// The rule record's settings byte.
  enum SettingFlag {
    static let d3coldOff: UInt8 = 1
    static let all = d3coldOff
  }

  // MARK: Encoding

  /// Encodes `table`; throws only when it exceeds the format's limits.
  public static func encode(_ table: BindingTable) throws(TableError) -> [UInt8] {
    guard table.rules.count <= RuleParser.maximumRules,
      table.modules.count <= maximumModules,
      table.protectedAddresses.count + table.guardedAddresses.count <= maximumProtected
    else {
      throw TableError(code: .tooLarge, offset: 0, message: "too many entries for the table format")
    }
    var strings: [UInt8] = []
    var stringOffsets: [String: (UInt16, UInt16)] = [:]
    func reference(_ name: String) throws(TableError) -> (UInt16, UInt16) {
      if let known = stringOffsets[name] { return known }
      let bytes = Array(name.utf8)
      guard !bytes.isEmpty, bytes.count <= RuleParser.maximumNameLength,
        bytes.allSatisfy(ASCII.isNameByte),
        strings.count + bytes.count <= maximumStringBytes
      else {
        throw TableError(code: .invalidString, offset: 0, message: "invalid name '" + name + "'")
      }
      let ref = (UInt16(strings.count), UInt16(bytes.count))
      strings += bytes
      stringOffsets[name] = ref
      return ref
    }

    func checkAddress(_ address: PCIAddress) throws(TableError) {
      // PCIAddress's fields are public: one built field by field may hold
      // what no PCI address has and the format cannot carry.
      guard address.device <= 0x1F, address.function <= 7 else {
        throw TableError(
          code: .invalidRecord, offset: 0, message: "address out of range (device or function)")
      }
    }

    var body: [UInt8] = []
    var resets: [UInt8] = []
    var selectorData: [UInt8] = []
    for rule in table.rules {
      switch rule.selector {
      case .address(let address): try checkAddress(address)
      case .deviceClassWithInterface(let code) where code > 0xFF_FFFF:
        throw TableError(
          code: .invalidRecord, offset: 0,
          message: "class " + ASCII.hex(code, width: 6) + " is wider than 24 bits")
      case .path(let path):
        guard !path.hops.isEmpty, path.hops.count <= PCIPath.maximumHops else {
          throw TableError(
            code: .invalidRecord, offset: 0, message: "path without hops or too deep")
        }
      default: break
      }
      var (kind, a, b, c) = selectorWords(rule.selector)
      switch rule.selector {
      case .path(let path):
        a = UInt32(selectorData.count / 4)
        put32(&selectorData, path.domain)
        put32(&selectorData, UInt32(path.rootBus) | UInt32(path.hops.count) << 8)
        var hops = path.hops
        while hops.count % 4 != 0 { hops.append(0) }
        selectorData += hops
      case .slot(let name):
        let ref = try reference(name.description)
        a = UInt32(ref.0) | UInt32(ref.1) << 16
      default: break
      }
      var flags: UInt8 = 0
      guard rule.line >= 0, rule.line <= 0x7FFF_FFFF else {
        throw TableError(code: .invalidRecord, offset: 0, message: "line out of range")
      }
      if let expected = rule.expectedID {
        guard rule.canExpect else {
          throw TableError(
            code: .invalidRecord, offset: 0,
            message: "expect= on a rule that is not an address, path or slot")
        }
        flags |= RuleFlag.expect
        c = packed(expected)
        if let subsystem = rule.expectedSubsystem {
          flags |= RuleFlag.expectSubsystem
          put32(&selectorData, packed(subsystem))
        }
      }
      if rule.group { flags |= RuleFlag.group }
      if rule.rebind { flags |= RuleFlag.rebind }
      if rule.allowBootVGA { flags |= RuleFlag.allowBootVGA }
      if rule.allowKeyboard { flags |= RuleFlag.allowKeyboard }
      if rule.allowNetwork { flags |= RuleFlag.allowNetwork }
      if !rule.resetMethods.isEmpty {
        var seen: [ResetMethod] = []
        for method in rule.resetMethods where !seen.contains(method) { seen.append(method) }
        guard seen.count == rule.resetMethods.count else {
          throw TableError(
            code: .invalidRecord, offset: 0, message: "a reset method named twice in one rule")
        }
        flags |= RuleFlag.resetMethod
        var word: UInt32 = 0
        for (index, method) in rule.resetMethods.enumerated() {
          word |= UInt32(method.rawValue) << UInt32(4 * index)
        }
        put32(&resets, word)
        put32(&resets, 0)
      }
      let settings = rule.d3coldOff ? SettingFlag.d3coldOff : 0
      let driver = try reference(rule.driver)
      body += [kind.rawValue, flags, rule.functions.rawValue, settings]
      put16(&body, driver.0)
      put16(&body, driver.1)
      put32(&body, a)
      put32(&body, b)
      put32(&body, c)
      put32(&body, UInt32(clamping: rule.line))
    }
    for module in table.modules {
      let name = try reference(module.name)
      put16(&body, name.0)
      put16(&body, name.1)
      put16(&body, module.optional ? 1 : 0)
      put16(&body, 0)
    }
    for address in table.protectedAddresses {
      try checkAddress(address)
      put32(&body, address.domain)
      body += [address.bus, address.device, address.function, 0]
    }
    for guarded in table.guardedAddresses {
      let address = guarded.address
      try checkAddress(address)
      put32(&body, address.domain)
      body += [address.bus, address.device, address.function, guarded.need.rawValue]
    }
    body += resets
    body += selectorData

    var header: [UInt8] = magic
    put16(&header, version)
    put16(&header, UInt16(headerSize))
    put32(&header, UInt32(headerSize + body.count + strings.count))
    put32(&header, 0)  // checksum, filled in below
    put16(&header, UInt16(table.rules.count))
    put16(&header, UInt16(table.modules.count))
    put16(&header, UInt16(table.protectedAddresses.count + table.guardedAddresses.count))
    put16(&header, 0)  // flags
    put32(&header, UInt32(strings.count))
    put32(&header, UInt32(selectorData.count))
    var bytes = header + body + strings
    let crc = CRC32.checksum(bytes)
    bytes[12] = UInt8(truncatingIfNeeded: crc)
    bytes[13] = UInt8(truncatingIfNeeded: crc >> 8)
    bytes[14] = UInt8(truncatingIfNeeded: crc >> 16)
    bytes[15] = UInt8(truncatingIfNeeded: crc >> 24)
    return bytes
  }

  static func selectorWords(_ selector: Selector) -> (Kind, UInt32, UInt32, UInt32) {
    switch selector {
    case .address(let address): return (.address, address.domain, address.packedLow, 0)
    case .id(let id): return (.id, packed(id), 0, 0)
    case .subsystem(let id, let subsystem): return (.subsystem, packed(id), packed(subsystem), 0)
    case .deviceClass(let code): return (.deviceClass, UInt32(code), 0, 0)
    case .deviceClassWithInterface(let code): return (.deviceClassWithInterface, code, 0, 0)
    case .nonBootVGA: return (.nonBootVGA, 0, 0, 0)
    // Filled in by `encode`: they point into the selector data and strings.
    case .path: return (.path, 0, 0, 0)
    case .slot: return (.slot, 0, 0, 0)
    }
  }

  // MARK: Decoding

  public static func decode(_ bytes: [UInt8]) throws(TableError) -> BindingTable {
    try decode(bytes, readerVersion: version)
  }

  /// `readerVersion` stands for the binder reading: every binder checks
  /// the version first, so one built for version N refuses any other.
  public static func decode(_ bytes: [UInt8], readerVersion: UInt16) throws(TableError)
    -> BindingTable
  {
    guard bytes.count >= headerSize else {
      throw TableError(
        code: .truncated, offset: bytes.count,
        message: "file is " + ASCII.decimal(bytes.count) + " bytes, shorter than the header")
    }
    guard bytes[0..<4].elementsEqual(magic) else {
      throw TableError(code: .badMagic, offset: 0, message: "not a binding table (bad magic)")
    }
    let fileVersion = read16(bytes, 4)
    guard fileVersion == readerVersion, readerVersion == version else {
      throw TableError(
        code: .unsupportedVersion, offset: 4,
        message: "version " + ASCII.decimal(Int(fileVersion)) + " (this binder reads version "
          + ASCII.decimal(Int(readerVersion)) + ")")
    }
    guard Int(read16(bytes, 6)) == headerSize else {
      throw TableError(code: .invalidRecord, offset: 6, message: "unexpected header size")
    }
    let totalSize = Int(read32(bytes, 8))
    guard totalSize == bytes.count else {
      throw TableError(
        code: totalSize > bytes.count ? .truncated : .sizeMismatch, offset: 8,
        message: "header says " + ASCII.decimal(totalSize) + " bytes, file has "
          + ASCII.decimal(bytes.count))
    }
    let ruleCount = Int(read16(bytes, 16))
    let moduleCount = Int(read16(bytes, 18))
    let protectedCount = Int(read16(bytes, 20))
    let stringsSize = Int(read32(bytes, 24))
    let selectorDataSize = Int(read32(bytes, 28))
    guard ruleCount <= RuleParser.maximumRules, moduleCount <= maximumModules,
      protectedCount <= maximumProtected, stringsSize <= maximumStringBytes,
      selectorDataSize <= maximumSelectorDataBytes
    else {
      throw TableError(code: .countOutOfRange, offset: 16, message: "entry counts out of range")
    }
    guard read16(bytes, 22) == 0 else {
      throw TableError(code: .invalidRecord, offset: 22, message: "reserved header fields set")
    }
    guard selectorDataSize % 4 == 0 else {
      throw TableError(
        code: .invalidRecord, offset: 28, message: "selector data is not whole words")
    }
    let rulesStart = headerSize
    let modulesStart = rulesStart + ruleCount * ruleSize
    let protectedStart = modulesStart + moduleCount * moduleSize
    let resetStart = protectedStart + protectedCount * protectedSize
    // The reset section has a record for each rule with the flag.
    var resetCount = 0
    if resetStart <= totalSize {
      for index in 0..<ruleCount
      where bytes[rulesStart + index * ruleSize + 1] & RuleFlag.resetMethod != 0 {
        resetCount += 1
      }
    }
    let selectorDataStart = resetStart + resetCount * resetSize
    let stringsStart = selectorDataStart + selectorDataSize
    guard stringsStart + stringsSize == totalSize else {
      throw TableError(
        code: .sizeMismatch, offset: 8, message: "section sizes do not add up to the file size")
    }
    var zeroed = bytes
    zeroed[12] = 0
    zeroed[13] = 0
    zeroed[14] = 0
    zeroed[15] = 0
    guard CRC32.checksum(zeroed) == read32(bytes, 12) else {
      throw TableError(code: .checksumMismatch, offset: 12, message: "checksum mismatch")
    }
    let strings = bytes[stringsStart..<totalSize]

    // The strings as encode lays them out: each name once, appended when a
    // record first names it, nothing unused. `names` holds the references
    // handed out so far, `used` how much of the section they cover.
    var names: [(start: Int, length: Int)] = []
    var used = 0
    func string(at offset: Int) throws(TableError) -> String {
      let start = Int(read16(bytes, offset))
      let length = Int(read16(bytes, offset + 2))
      guard length > 0, length <= RuleParser.maximumNameLength, start + length <= strings.count
      else {
        throw TableError(
          code: .invalidString, offset: offset, message: "string reference out of range")
      }
      let name = strings[(stringsStart + start)..<(stringsStart + start + length)]
      guard name.allSatisfy(ASCII.isNameByte) else {
        throw TableError(code: .invalidString, offset: offset, message: "invalid name bytes")
      }
      let earlier = names.first {
        $0.length == length
          && strings[(stringsStart + $0.start)..<(stringsStart + $0.start + length)]
            .elementsEqual(name)
      }
      if let earlier {
        guard earlier.start == start else {
          throw TableError(
            code: .invalidString, offset: offset, message: "a name stored twice")
        }
      } else {
        guard start == used else {
          throw TableError(
            code: .invalidString, offset: offset,
            message: "string out of order (expected at " + ASCII.decimal(used) + ")")
        }
        names.append((start, length))
        used += length
      }
      return ASCII.string(name)
    }

    // The selector data as encode lays it out: each rule's records in
    // rule order, back to back; `cursor` is the next word's byte offset.
    var cursor = selectorDataStart
    func word() -> UInt32? {
      guard cursor + 4 <= stringsStart else { return nil }
      defer { cursor += 4 }
      return read32(bytes, cursor)
    }
    func pathRecord(at wordOffset: UInt32) -> PCIPath? {
      guard Int(wordOffset) * 4 == cursor - selectorDataStart, let domain = word(),
        let shape = word(), shape >> 16 == 0
      else { return nil }
      let count = Int(shape >> 8)
      guard count >= 1, count <= PCIPath.maximumHops else { return nil }
      var hops: [UInt8] = []
      for start in stride(from: 0, to: count, by: 4) {
        guard let packedHops = word() else { return nil }
        for slot in 0..<4 {
          let hop = UInt8(truncatingIfNeeded: packedHops >> UInt32(8 * slot))
          if start + slot < count {
            hops.append(hop)
          } else if hop != 0 {
            return nil
          }
        }
      }
      return PCIPath(domain: domain, rootBus: UInt8(truncatingIfNeeded: shape), hops: hops)
    }

    var rules: [Rule] = []
    var resets = 0
    rules.reserveCapacity(ruleCount)
    for index in 0..<ruleCount {
      let base = rulesStart + index * ruleSize
      guard let kind = Kind(rawValue: bytes[base]),
        bytes[base + 1] & ~RuleFlag.all == 0,
        let functions = FunctionPolicy(rawValue: bytes[base + 2]),
        bytes[base + 3] & ~SettingFlag.all == 0
      else {
        throw TableError(
          code: .invalidRecord, offset: base,
          message: "rule " + ASCII.decimal(index + 1) + " has an unknown kind or flags")
      }
      let flags = bytes[base + 1]
      let expects = flags & RuleFlag.expect != 0
      let expectsSubsystem = flags & RuleFlag.expectSubsystem != 0
      let invalidSelector = TableError(
        code: .invalidRecord, offset: base + 8,
        message: "rule " + ASCII.decimal(index + 1) + " has an invalid selector")
      let placeKinds: [Kind] = [.address, .path, .slot]
      guard !expects || placeKinds.contains(kind), expects || !expectsSubsystem else {
        throw invalidSelector
      }
      let (a, b) = (read32(bytes, base + 8), read32(bytes, base + 12))
      let c = expects ? 0 : read32(bytes, base + 16)
      let decoded: Selector?
      switch kind {
      case .path:
        decoded = b == 0 && c == 0 ? pathRecord(at: a).map { .path($0) } : nil
      case .slot:
        guard b == 0, c == 0 else { throw invalidSelector }
        decoded = SlotName(Array(try string(at: base + 8).utf8)).map { .slot($0) }
      default:
        decoded = selector(kind, a, b, c)
      }
      guard let selector = decoded else { throw invalidSelector }
      var expectedSubsystem: PCIID? = nil
      if expectsSubsystem {
        guard let subsystem = word() else { throw invalidSelector }
        expectedSubsystem = unpacked(subsystem)
      }
      let line = read32(bytes, base + 20)
      guard line <= 0x7FFF_FFFF else {
        throw TableError(code: .invalidRecord, offset: base + 20, message: "line out of range")
      }
      var resetMethods: [ResetMethod] = []
      if flags & RuleFlag.resetMethod != 0 {
        let record = resetStart + resets * resetSize
        resets += 1
        guard let methods = Self.resetMethods(read32(bytes, record)), read32(bytes, record + 4) == 0
        else {
          throw TableError(
            code: .invalidRecord, offset: record,
            message: "rule " + ASCII.decimal(index + 1) + " has invalid reset methods")
        }
        resetMethods = methods
      }
      rules.append(
        Rule(
          selector: selector, driver: try string(at: base + 4), functions: functions,
          group: flags & RuleFlag.group != 0, rebind: flags & RuleFlag.rebind != 0,
          allowBootVGA: flags & RuleFlag.allowBootVGA != 0,
          expectedID: expects ? unpacked(read32(bytes, base + 16)) : nil,
          expectedSubsystem: expectedSubsystem,
          allowKeyboard: flags & RuleFlag.allowKeyboard != 0,
          allowNetwork: flags & RuleFlag.allowNetwork != 0, resetMethods: resetMethods,
          d3coldOff: bytes[base + 3] & SettingFlag.d3coldOff != 0, line: Int(line)))
    }
    guard cursor == stringsStart else {
      throw TableError(
        code: .invalidRecord, offset: cursor, message: "selector data no rule refers to")
    }
    var modules: [ModuleRequest] = []
    for index in 0..<moduleCount {
      let base = modulesStart + index * moduleSize
      let flags = read16(bytes, base + 4)
      guard flags <= 1, read16(bytes, base + 6) == 0 else {
        throw TableError(
          code: .invalidRecord, offset: base, message: "module entry has unknown flags")
      }
      modules.append(ModuleRequest(name: try string(at: base), optional: flags == 1))
    }
    var protected: [PCIAddress] = []
    var guarded: [GuardedAddress] = []
    for index in 0..<protectedCount {
      let base = protectedStart + index * protectedSize
      let need = bytes[base + 7]
      // Always-refused records (need 0) come first, as encode writes them.
      guard bytes[base + 5] <= 0x1F, bytes[base + 6] <= 7,
        need == 0 ? guarded.isEmpty : HostNeed(rawValue: need) != nil
      else {
        throw TableError(code: .invalidRecord, offset: base, message: "invalid protected address")
      }
      let address = PCIAddress(
        domain: read32(bytes, base), bus: bytes[base + 4], device: bytes[base + 5],
        function: bytes[base + 6])
      if let need = HostNeed(rawValue: need) {
        guarded.append(GuardedAddress(address, need: need))
      } else {
        protected.append(address)
      }
    }
    guard used == strings.count else {
      throw TableError(
        code: .invalidString, offset: stringsStart + used,
        message: "string bytes no record names")
    }
    return BindingTable(
      rules: rules, modules: modules, protectedAddresses: protected, guardedAddresses: guarded)
  }

  /// The methods of a reset record's word: nibbles from the lowest, each a
  /// method named once, 0 after the last and nothing after that.
  static func resetMethods(_ word: UInt32) -> [ResetMethod]? {
    var methods: [ResetMethod] = []
    var rest = word
    while rest != 0 {
      guard let method = ResetMethod(rawValue: UInt8(rest & 0xF)), !methods.contains(method)
      else { return nil }
      methods.append(method)
      rest >>= 4
    }
    return methods.isEmpty ? nil : methods
  }

  static func selector(_ kind: Kind, _ a: UInt32, _ b: UInt32, _ c: UInt32) -> Selector? {
    switch kind {
    case .address:
      guard b <= 0xFFFF, c == 0 else { return nil }
      return .address(PCIAddress(domain: a, packedLow: b))
    case .id:
      guard b == 0, c == 0 else { return nil }
      return .id(unpacked(a))
    case .subsystem:
      guard c == 0 else { return nil }
      return .subsystem(unpacked(a), subsystem: unpacked(b))
    case .deviceClass:
      guard a <= 0xFFFF, b == 0, c == 0 else { return nil }
      return .deviceClass(UInt16(a))
    case .deviceClassWithInterface:
      guard a <= 0xFF_FFFF, b == 0, c == 0 else { return nil }
      return .deviceClassWithInterface(a)
    case .nonBootVGA:
      guard a == 0, b == 0, c == 0 else { return nil }
      return .nonBootVGA
    case .path, .slot:
      return nil  // decoded with the selector data and strings
    }
  }

  // MARK: Fields

  /// A vendor:device pair in one word, vendor in the high half.
  static func packed(_ id: PCIID) -> UInt32 { UInt32(id.vendor) << 16 | UInt32(id.device) }

  static func unpacked(_ word: UInt32) -> PCIID {
    PCIID(vendor: UInt16(truncatingIfNeeded: word >> 16), device: UInt16(truncatingIfNeeded: word))
  }

  static func put16(_ bytes: inout [UInt8], _ value: UInt16) {
    bytes.append(UInt8(truncatingIfNeeded: value))
    bytes.append(UInt8(truncatingIfNeeded: value >> 8))
  }

  static func put32(_ bytes: inout [UInt8], _ value: UInt32) {
    for shift in stride(from: 0, to: 32, by: 8) {
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
    }
  }

  /// Callers have checked `offset + 2 <= bytes.count`.
  static func read16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  static func read32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
      | UInt32(bytes[offset + 3]) << 24
  }
}
