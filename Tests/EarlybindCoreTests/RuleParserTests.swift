// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("RuleParser")
struct RuleParserTests {
  static let expectedSelectors =
    "an address like 0000:03:00.0 or 03:00.0, vendor:device like 10de:13c2,"
    + " vendor:device:subvendor:subdevice, class:0300, class:0c0330, non-boot-vga,"
    + " path:1c.0/00.0 or slot:NAME"
  static let expectedOptions =
    "(expected driver=, functions=, group, rebind, allow-boot-vga, allow-keyboard, allow-network,"
    + " reset-method=, d3cold=, expect=)"

  func parse(_ text: String, file: String = "earlybind.conf") throws(ConfigError) -> [Rule] {
    try RuleParser.parseConfig(bytes(text), file: file)
  }

  /// The error a config must produce; records an issue when it parses.
  func failure(_ text: String, file: String = "earlybind.conf") -> ConfigError? {
    do {
      let rules = try parse(text, file: file)
      Issue.record("expected an error, parsed \(rules)")
      return nil
    } catch {
      return error
    }
  }

  @Test func parsesPathAndSlotSelectorsAndAFullExpect() throws {
    let rules = try parse(
      "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702\n"
        + "path:0000:40:01.1/00.0 functions=all\nslot:5-1 expect=1002:73bf\n"
        + "03:00.0 expect=10de:1b80:1458:3702\npath:1f.3\n")
    #expect(rules[0].selector == .path(PCIPath(hops: [0xE0, 0, 0])))
    #expect(rules[0].expectedID == PCIID(vendor: 0x10DE, device: 0x1B80))
    #expect(rules[0].expectedSubsystem == PCIID(vendor: 0x1458, device: 0x3702))
    #expect(rules[1].selector == .path(PCIPath(domain: 0, rootBus: 0x40, hops: [0x09, 0])))
    #expect(rules[2].selector == .slot(SlotName("5-1")!))
    #expect(rules[2].expectedSubsystem == nil)
    #expect(rules[3].expectedSubsystem == PCIID(vendor: 0x1458, device: 0x3702))
    #expect(rules[4].selector == .path(PCIPath(hops: [0xFB])))
    // Each rule's description is a config line that parses back to it.
    for rule in rules {
      var copy = try parse(rule.description)[0]
      copy.line = rule.line
      #expect(copy == rule, "\(rule)")
    }
    #expect(
      rules.map(\.description)[0...1] == [
        "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702",
        "path:0000:40:01.1/00.0 functions=all",
      ])
  }

  @Test func emptyAndCommentOnlyConfigsHaveNoRules() throws {
    #expect(try parse("").isEmpty)
    #expect(try parse("\n\n\n").isEmpty)
    #expect(try parse("# nothing here\n   # indented\n\t#tabbed\n \t \n").isEmpty)
  }

  /// A config saved with CRLF endings compiles to the same table as the
  /// LF one: the "\r" before each line end is a blank.
  @Test func crlfConfigCompilesLikeTheLFOne() throws {
    let lf =
      "# header\n\nnon-boot-vga   # GPUs\n0000:03:00.0 driver=pci-stub functions=none\n"
      + "10de:13c2 group rebind\n  \t\n# end\n"
    let crlf = lf.replacing("\n", with: "\r\n")
    let rules = try parse(lf)
    #expect(rules.count == 3)
    #expect(try parse(crlf) == rules)
    #expect(
      try BindingTableCodec.encode(BindingTable(rules: try parse(crlf)))
        == BindingTableCodec.encode(BindingTable(rules: rules)))
  }

  @Test func parsesAFullConfig() throws {
    let text = """
      # earlybind configuration
      \u{20}
      \t# indented comment
      non-boot-vga            # the second GPU
      0000:03:00.0\tdriver=pci-stub\tfunctions=none
      10de:13c2 functions=all group rebind
      class:0c0330 allow-boot-vga

      10de:1b80:1458:3702 driver=vfio-pci functions=auto\u{20}\u{20}
      04:00.0 rebind\r
      class:0300#comment right after the selector
      """
    let rules = try parse(text)
    let expected: [Rule] = [
      Rule(selector: .nonBootVGA, line: 4),
      Rule(
        selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), driver: "pci-stub",
        functions: .none, line: 5),
      Rule(
        selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)), functions: .all, group: true,
        rebind: true, line: 6),
      Rule(selector: .deviceClassWithInterface(0x0C_0330), allowBootVGA: true, line: 7),
      Rule(
        selector: .subsystem(
          PCIID(vendor: 0x10DE, device: 0x1B80), subsystem: PCIID(vendor: 0x1458, device: 0x3702)),
        line: 9),
      Rule(selector: .address(PCIAddress(bus: 4, device: 0, function: 0)), rebind: true, line: 10),
      Rule(selector: .deviceClass(0x0300), line: 11),
    ]
    #expect(rules == expected)
  }

  @Test func defaultsAreVfioPciAndAutoFunctions() throws {
    let rule = try #require(try parse("03:00.0").first)
    #expect(rule.driver == "vfio-pci")
    #expect(rule.driver == Rule.defaultDriver)
    #expect(rule.functions == .auto)
    #expect(!rule.group)
    #expect(!rule.rebind)
    #expect(!rule.allowBootVGA)
    #expect(rule.line == 1)
    #expect(rule.origin == "line 1")
  }

  @Test func everyOptionIsApplied() throws {
    let rule = try #require(
      try parse("01:00.0 driver=nvidia_drm functions=none group rebind allow-boot-vga").first)
    #expect(rule.driver == "nvidia_drm")
    #expect(rule.functions == .none)
    #expect(rule.group)
    #expect(rule.rebind)
    #expect(rule.allowBootVGA)
    let settings = try #require(
      try parse("class:0c0330 allow-keyboard allow-network reset-method=bus:flr d3cold=off").first)
    #expect(settings.allowKeyboard)
    #expect(settings.allowNetwork)
    #expect(settings.resetMethods == [.bus, .flr])
    #expect(settings.d3coldOff)
    #expect(settings.settings == ["reset_method=bus flr", "d3cold_allowed=0"])
    let every = try #require(
      try parse("01:00.0 reset-method=device_specific:acpi:flr:af_flr:pm:bus:cxl_bus").first)
    #expect(every.resetMethods == ResetMethod.all)
    #expect(try parse("01:00.0 functions=all").first?.functions == .all)
    #expect(try parse("01:00.0 functions=auto").first?.functions == .auto)
  }

  @Test func unknownOptionReportsFileLineAndColumn() throws {
    let text = "# 1\n# 2\n# 3\n\n10de:13c2\n\n0000:03:00.0 functons\n"
    let error = try #require(failure(text))
    #expect(error.code == .unknownOption)
    #expect(error.line == 7)
    #expect(error.column == 14)
    #expect(
      error.description
        == "earlybind.conf:7:14: unknown option 'functons' " + Self.expectedOptions)
  }

  @Test func columnsCountBytesIncludingTabs() throws {
    let error = try #require(failure("\t03:00.0  \tgroup bogus=1", file: "/etc/earlybind.conf"))
    #expect(
      error.description == "/etc/earlybind.conf:1:18: unknown option 'bogus' "
        + Self.expectedOptions)
  }

  struct Bad: CustomTestStringConvertible, Sendable {
    var text: String
    var code: ConfigError.Code
    var description: String
    var testDescription: String { text }
  }

  static let bad: [Bad] = [
    Bad(
      text: "03:00.0 driver=vfio/pci", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid driver name 'vfio/pci' (expected letters, digits, '_' or '-', at most 64)"
    ),
    Bad(
      text: "03:00.0 driver=", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid driver name '' (expected letters, digits, '_' or '-', at most 64)"
    ),
    Bad(
      text: "03:00.0 driver=" + String(repeating: "a", count: 65), code: .invalidValue,
      description: "earlybind.conf:1:9: invalid driver name '" + String(repeating: "a", count: 65)
        + "' (expected letters, digits, '_' or '-', at most 64)"),
    Bad(
      text: "03:00.0 driver", code: .invalidValue,
      description: "earlybind.conf:1:9: option 'driver' needs a value (driver=...)"),
    Bad(
      text: "03:00.0 functions", code: .invalidValue,
      description: "earlybind.conf:1:9: option 'functions' needs a value (functions=...)"),
    Bad(
      text: "03:00.0 reset-method=flr:warm", code: .invalidValue,
      description:
        "earlybind.conf:1:9: unknown reset method 'warm' (expected reset methods joined by ':',"
        + " like flr:bus, from device_specific acpi flr af_flr pm bus cxl_bus)"),
    Bad(
      text: "03:00.0 reset-method=flr::bus", code: .invalidValue,
      description:
        "earlybind.conf:1:9: unknown reset method '' (expected reset methods joined by ':',"
        + " like flr:bus, from device_specific acpi flr af_flr pm bus cxl_bus)"),
    Bad(
      text: "03:00.0 reset-method=bus:flr:bus", code: .invalidValue,
      description: "earlybind.conf:1:9: reset method 'bus' given twice"),
    Bad(
      text: "03:00.0 reset-method", code: .invalidValue,
      description:
        "earlybind.conf:1:9: option 'reset-method' needs a value (expected reset methods joined"
        + " by ':', like flr:bus, from device_specific acpi flr af_flr pm bus cxl_bus)"),
    Bad(
      text: "03:00.0 d3cold=on", code: .invalidValue,
      description: "earlybind.conf:1:9: invalid value for d3cold= (expected off)"),
    Bad(
      text: "03:00.0 allow-keyboard=yes", code: .invalidValue,
      description: "earlybind.conf:1:9: option 'allow-keyboard' takes no value"),
    Bad(
      text: "03:00.0 d3cold=off d3cold=off", code: .duplicateOption,
      description: "earlybind.conf:1:20: option 'd3cold=' given twice"),
    Bad(
      text: "03:00.0 functions=some", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value 'some' for functions= (expected auto, all or none)"),
    Bad(
      text: "03:00.0 functions=ALL", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value 'ALL' for functions= (expected auto, all or none)"),
    Bad(
      text: "03:00.0 group=yes", code: .invalidValue,
      description: "earlybind.conf:1:9: option 'group' takes no value"),
    Bad(
      text: "03:00.0 rebind=", code: .invalidValue,
      description: "earlybind.conf:1:9: option 'rebind' takes no value"),
    Bad(
      text: "03:00.0 allow-boot-vga=1", code: .invalidValue,
      description: "earlybind.conf:1:9: option 'allow-boot-vga' takes no value"),
    Bad(
      text: "03:00.0 rebind group rebind", code: .duplicateOption,
      description: "earlybind.conf:1:22: option 'rebind' given twice"),
    Bad(
      text: "03:00.0 driver=vfio-pci driver=pci-stub", code: .duplicateOption,
      description: "earlybind.conf:1:25: option 'driver=' given twice"),
    Bad(
      text: "03:00.0 functions=all functions=all", code: .duplicateOption,
      description: "earlybind.conf:1:23: option 'functions=' given twice"),
    Bad(
      text: "non-boot-vga allow-boot-vga", code: .conflictingOptions,
      description: "earlybind.conf:1:1: allow-boot-vga contradicts the selector non-boot-vga"),
    Bad(
      text: "10de:13c2 expect=10de:13c2", code: .conflictingOptions,
      description:
        "earlybind.conf:1:11: option 'expect=' only applies to an address, path: or slot: selector"),
    Bad(
      text: "non-boot-vga expect=10de:13c2", code: .conflictingOptions,
      description:
        "earlybind.conf:1:14: option 'expect=' only applies to an address, path: or slot: selector"),
    Bad(
      text: "03:00.0 expect=10de", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value for expect= (expected vendor:device like 10de:13c2,"
        + " or vendor:device:subvendor:subdevice)"),
    Bad(
      text: "03:00.0 expect", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value for expect= (expected vendor:device like 10de:13c2,"
        + " or vendor:device:subvendor:subdevice)"),
    Bad(
      text: "03:00.0 expect=10de:1b80:1458", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value for expect= (expected vendor:device like 10de:13c2,"
        + " or vendor:device:subvendor:subdevice)"),
    Bad(
      text: "03:00.0 expect=10de:1b80-1458:3702", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value for expect= (expected vendor:device like 10de:13c2,"
        + " or vendor:device:subvendor:subdevice)"),
    Bad(
      text: "class:0300 expect=10de:1b80:1458:3702", code: .conflictingOptions,
      description:
        "earlybind.conf:1:12: option 'expect=' only applies to an address, path: or slot: selector"),
    Bad(
      text: "path:1c.0/00.9", code: .invalidSelector,
      description:
        "earlybind.conf:1:1: invalid selector 'path:1c.0/00.9' (expected \(Self.expectedSelectors))"
    ),
    Bad(
      text: "path:1c.0//00.0", code: .invalidSelector,
      description:
        "earlybind.conf:1:1: invalid selector 'path:1c.0//00.0' (expected \(Self.expectedSelectors))"
    ),
    Bad(
      text: "slot:a/b", code: .invalidSelector,
      description:
        "earlybind.conf:1:1: invalid selector 'slot:a/b' (expected \(Self.expectedSelectors))"),
    Bad(
      text: "slot:", code: .invalidSelector,
      description:
        "earlybind.conf:1:1: invalid selector 'slot:' (expected \(Self.expectedSelectors))"),
    Bad(
      text: "03:00.0 expect=03:00.0", code: .invalidValue,
      description:
        "earlybind.conf:1:9: invalid value for expect= (expected vendor:device like 10de:13c2,"
        + " or vendor:device:subvendor:subdevice)"),
    Bad(
      text: "03:00.0 expect=10de:1b80 expect=10de:1b81", code: .duplicateOption,
      description: "earlybind.conf:1:26: option 'expect=' given twice"),
    Bad(
      text: "  03:00.9 rebind", code: .invalidSelector,
      description:
        "earlybind.conf:1:3: invalid selector '03:00.9' (expected \(Self.expectedSelectors))"
    ),
    Bad(
      text: "rebind", code: .invalidSelector,
      description:
        "earlybind.conf:1:1: invalid selector 'rebind' (expected \(Self.expectedSelectors))"
    ),
    Bad(
      text: "03:00.0 driver=vfi\u{F6}", code: .invalidCharacter,
      description: "earlybind.conf:1:19: unexpected byte 0xc3 (expected printable ASCII)"),
    Bad(
      text: "03:00.0\u{7}", code: .invalidCharacter,
      description: "earlybind.conf:1:8: unexpected byte 0x07 (expected printable ASCII)"),
    Bad(
      text: "03:00.0 \u{7F}", code: .invalidCharacter,
      description: "earlybind.conf:1:9: unexpected byte 0x7f (expected printable ASCII)"),
    Bad(
      text: "# ok\n\u{0}", code: .invalidCharacter,
      description: "earlybind.conf:2:1: unexpected byte 0x00 (expected printable ASCII)"),
  ]

  @Test("reports exact errors", arguments: bad)
  func reportsExactErrors(_ example: Bad) throws {
    let error = try #require(failure(example.text))
    #expect(error.code == example.code)
    #expect(error.description == example.description)
  }

  @Test func expectRecordsTheVendorAndDevice() throws {
    let rule = try #require(try parse("0000:02:00.0 functions=none expect=10DE:1B80").first)
    #expect(rule.expectedID == PCIID(vendor: 0x10DE, device: 0x1B80))
    #expect(rule.functions == .none)
    #expect(rule.description == "0000:02:00.0 functions=none expect=10de:1b80")
    #expect(try parse("02:00.0").first?.expectedID == nil)
  }

  @Test func duplicateSelectorNamesTheEarlierLine() throws {
    let error = try #require(failure("# GPUs\n03:00.0 rebind\n10de:13c2\n  0000:03:00.0 group\n"))
    #expect(error.code == .duplicateSelector)
    #expect(error.line == 4)
    #expect(
      error.description
        == "earlybind.conf:4:3: duplicate selector '0000:03:00.0' (already on line 2)")
  }

  @Test func sameSelectorSpelledDifferentlyIsADuplicate() throws {
    let error = try #require(failure("10de:13c2\n10DE:13C2 driver=pci-stub"))
    #expect(error.code == .duplicateSelector)
    #expect(error.description.hasSuffix("(already on line 1)"))
  }

  @Test func differentSelectorsForTheSameDeviceAreAllowed() throws {
    let rules = try parse("03:00.0\n10de:13c2\nclass:0300\nnon-boot-vga")
    #expect(rules.count == 4)
    #expect(rules.map(\.line) == [1, 2, 3, 4])
  }

  @Test func nonASCIIInACommentIsAccepted() throws {
    let rules = try parse("03:00.0 # Grafikkarte f\u{FC}r die VM\n")
    #expect(rules.count == 1)
  }

  @Test func errorsStopAtTheFirstBadLine() throws {
    let error = try #require(failure("03:00.0\nbad\n04:00.0 nope\n"))
    #expect(error.line == 2)
    #expect(error.code == .invalidSelector)
  }

  static func hex2(_ value: Int) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[value >> 4 & 0xF], digits[value & 0xF]])
  }

  static func addressLines(_ count: Int) -> String {
    (0..<count).map { index in
      hex2(index / 32) + ":" + hex2(index % 32) + ".0"
    }.joined(separator: "\n")
  }

  @Test func acceptsTheMaximumNumberOfRules() throws {
    let rules = try parse(Self.addressLines(RuleParser.maximumRules))
    #expect(rules.count == RuleParser.maximumRules)
  }

  @Test func refusesMoreThanTheMaximumNumberOfRules() throws {
    let error = try #require(failure(Self.addressLines(RuleParser.maximumRules + 1)))
    #expect(error.code == .tooManyRules)
    #expect(error.line == RuleParser.maximumRules + 1)
    #expect(error.description.hasSuffix(": more than 1024 rules"))
  }

  // MARK: Round trip

  static let selectors: [Selector] = [
    .address(PCIAddress(bus: 3, device: 0, function: 0)),
    .address(PCIAddress(domain: 0x10000, bus: 0xE1, device: 0x1F, function: 7)),
    .id(PCIID(vendor: 0x10DE, device: 0x13C2)),
    .subsystem(
      PCIID(vendor: 0x1002, device: 0x73BF), subsystem: PCIID(vendor: 0x1DA2, device: 0xE438)),
    .deviceClass(0x0300),
    .deviceClassWithInterface(0x0C_0330),
    .nonBootVGA,
    .path(PCIPath(hops: [0xE0, 0, 0])),
    .path(PCIPath(domain: 0x10000, rootBus: 0xE0, hops: [0x09])),
    .slot(SlotName("SLOT_5-1")!),
  ]

  static var allRules: [Rule] {
    var rules: [Rule] = []
    for selector in selectors {
      for driver in ["vfio-pci", "pci-stub", "nvidia_drm"] {
        for functions in [FunctionPolicy.auto, .all, .none] {
          for flags in 0..<8 {
            let allow = flags & 4 != 0
            if allow && selector == .nonBootVGA { continue }
            var expectations: [(PCIID?, PCIID?)] = [(nil, nil)]
            if Rule(selector: selector).canExpect {
              expectations.append((PCIID(vendor: 0x10DE, device: 0x1B80), nil))
              expectations.append(
                (PCIID(vendor: 0x10DE, device: 0x1B80), PCIID(vendor: 0x1458, device: 0x3702)))
            }
            for (expected, subsystem) in expectations {
              // The host-need and device-setting options, in turn.
              let more = rules.count % 16
              let methods: [[ResetMethod]] = [[], [.bus], [.flr, .pm], ResetMethod.all.reversed()]
              rules.append(
                Rule(
                  selector: selector, driver: driver, functions: functions,
                  group: flags & 1 != 0, rebind: flags & 2 != 0, allowBootVGA: allow,
                  expectedID: expected, expectedSubsystem: subsystem,
                  allowKeyboard: more & 1 != 0,
                  allowNetwork: more & 2 != 0, resetMethods: methods[more % 4],
                  d3coldOff: more & 8 != 0, line: 1))
            }
          }
        }
      }
    }
    return rules
  }

  /// `count` rules, each with its own driver.
  static func driverLines(_ count: Int) -> String {
    var lines: [String] = []
    for index in 0..<count {
      let bus: String = ASCII.hex(UInt32(index / 32 + 1), width: 2)
      let device: String = ASCII.hex(UInt32(index % 32), width: 2)
      lines.append("0000:" + bus + ":" + device + ".0 driver=drv" + String(index))
    }
    return lines.joined(separator: "\n")
  }

  @Test func acceptsAsManyDriversAsATableHolds() throws {
    let rules = try parse(Self.driverLines(BindingTableCodec.maximumModules))
    let table = BindingTable(rules: rules, modules: BindingTable.modules(for: rules))
    #expect(table.modules.count == BindingTableCodec.maximumModules)
    #expect(try BindingTableCodec.decode(BindingTableCodec.encode(table)) == table)
  }

  @Test func moreDriversThanATableHoldsIsAnErrorAtTheLine() throws {
    // vfio-pci needs five modules, so 60 more drivers are one too many.
    let text = "# drivers\nnon-boot-vga\n" + Self.driverLines(60)
    let error = try #require(failure(text))
    #expect(error.code == .tableLimit)
    #expect(error.line == 62)
    #expect(error.column == 14)
    #expect(
      error.description
        == "earlybind.conf:62:14: driver 'drv59' makes 65 modules to load, more than a binding"
        + " table holds (64; each driver is one, vfio-pci five)")
    // One fewer fits.
    #expect(try parse("non-boot-vga\n" + Self.driverLines(59)).count == 60)
  }

  @Test func driversSpelledAlikeAreOneModule() throws {
    // pci-stub and pci_stub are the same module: no limit is reached twice.
    var lines: [String] = []
    for index in 0..<100 {
      let device: String = ASCII.hex(UInt32(index % 32), width: 2)
      let driver = index % 2 == 0 ? "pci-stub" : "pci_stub"
      lines.append("0000:01:" + device + "." + String(index / 32) + " driver=" + driver)
    }
    #expect(try parse(lines.joined(separator: "\n")).count == 100)
  }

  @Test func descriptionParsesBackToTheSameRule() throws {
    for rule in Self.allRules {
      let parsed = try parse(rule.description)
      #expect(parsed == [rule], "\(rule.description)")
    }
  }

  @Test func descriptionOmitsDefaults() {
    #expect(Rule(selector: .nonBootVGA).description == "non-boot-vga")
    #expect(
      Rule(
        selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)), driver: "pci-stub", functions: .none,
        group: true, rebind: true, allowBootVGA: true
      ).description == "10de:13c2 driver=pci-stub functions=none group rebind allow-boot-vga")
  }

  @Test func descriptionJoinedWithPlusParsesAsABindItem() throws {
    for rule in Self.allRules {
      let item = rule.description.split(separator: " ").joined(separator: "+")
      var expected = rule
      expected.line = 0
      var problems: [ConfigError] = []
      let parsed = RuleParser.parseBindList(slice(item), column: 1, problems: &problems)
      #expect(parsed == [expected], "\(item)")
      #expect(problems.isEmpty)
    }
  }

  // MARK: earlybind.bind= values

  @Test func bindListSplitsItemsByCommaAndWordsByPlus() throws {
    var problems: [ConfigError] = []
    let rules = RuleParser.parseBindList(
      slice("03:00.0+rebind,,10de:13c2+driver=pci-stub+functions=none,"), column: 16,
      problems: &problems)
    #expect(problems.isEmpty)
    #expect(
      rules == [
        Rule(selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), rebind: true),
        Rule(
          selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)), driver: "pci-stub", functions: .none
        ),
      ])
    #expect(rules.allSatisfy { $0.line == 0 && $0.origin == "earlybind.bind" })
  }

  /// Parses `value` as an earlybind.bind= value starting at `column`.
  static func bindList(_ value: String, column: Int) -> (rules: [Rule], problems: [ConfigError]) {
    var problems: [ConfigError] = []
    let rules = RuleParser.parseBindList(slice(value), column: column, problems: &problems)
    return (rules, problems)
  }

  @Test func bindListErrorsAreLocatedOnTheCommandLine() throws {
    let (rules, problems) = Self.bindList("03:00.0+rebind,10de:13c2+drivr=x", column: 16)
    let error = try #require(problems.first)
    #expect(problems.count == 1)
    #expect(error.code == .unknownOption)
    #expect(
      error.description == "kernel command line:1:41: unknown option 'drivr' "
        + Self.expectedOptions)
    // Only the bad item is dropped.
    #expect(
      rules == [Rule(selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), rebind: true)])
  }

  @Test func bindListRejectsEmptyWords() throws {
    let doubled = Self.bindList("03:00.0++rebind", column: 1)
    #expect(doubled.rules.isEmpty)
    #expect(doubled.problems.map(\.column) == [9])
    let leading = Self.bindList("+rebind", column: 5)
    #expect(leading.rules.isEmpty)
    #expect(leading.problems.map(\.code) == [.invalidSelector])
    #expect(leading.problems.map(\.column) == [5])
  }

  @Test func eachBadItemIsDroppedAloneAndReported() {
    let (rules, problems) = Self.bindList("zz,03:00.0,10de:13c2+bogus,non-boot-vga+x=", column: 1)
    #expect(rules.map(\.selector) == [.address(PCIAddress(bus: 3, device: 0, function: 0))])
    #expect(problems.map(\.column) == [1, 22, 41])
  }
}
