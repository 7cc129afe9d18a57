// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("BootOptions")
struct BootOptionsTests {
  static let prefix = "BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-amd64 root=UUID=0b8e-41c2 ro quiet "

  func parse(_ cmdline: String) -> BootOptions {
    BootOptions.parse(bytes(cmdline))
  }

  /// 1-based byte column of the first occurrence of `needle`.
  func column(of needle: String, in haystack: String) -> Int {
    let hay = Array(haystack.utf8)
    let pin = Array(needle.utf8)
    for start in 0...(hay.count - pin.count) where Array(hay[start..<(start + pin.count)]) == pin {
      return start + 1
    }
    Issue.record("'\(needle)' not in '\(haystack)'")
    return -1
  }

  @Test func emptyCommandLineGivesDefaults() {
    let options = parse("")
    #expect(options == BootOptions())
    #expect(!options.disabled && !options.dryRun && !options.debug)
    #expect(options.extraRules.isEmpty && options.skip.isEmpty && options.problems.isEmpty)
  }

  @Test func unrelatedParametersAreIgnored() {
    let options = parse(
      Self.prefix
        + "splash vfio-pci.ids=10de:13c2 earlybindx=1 xearlybind=off earlybind_debug"
        + " init=/bin/sh -- earlybind-like\n")
    #expect(options == BootOptions())
  }

  @Test(
    "earlybind= switches the binder",
    arguments: [
      ("earlybind=off", true), ("earlybind=0", true), ("earlybind=no", true),
      ("earlybind=false", true), ("earlybind=on", false), ("earlybind=1", false),
      ("earlybind", false), ("earlybind=off earlybind=on", false),
      ("earlybind=on earlybind=off", true), ("\"earlybind=off\"", true),
      ("earlybind=\"off\"", true),
    ])
  func switches(_ text: String, disabled: Bool) {
    let options = parse(Self.prefix + text + "\n")
    #expect(options.disabled == disabled)
    #expect(options.problems.isEmpty)
  }

  @Test func invalidSwitchValueIsAProblem() throws {
    let cmdline = Self.prefix + "earlybind=maybe"
    let options = parse(cmdline)
    #expect(!options.disabled)
    let problem = try #require(options.problems.first)
    #expect(options.problems.count == 1)
    #expect(problem.file == "kernel command line")
    #expect(problem.line == 1)
    #expect(problem.column == column(of: "earlybind=maybe", in: cmdline))
    #expect(problem.message == "invalid value 'maybe' for earlybind= (expected off or on)")
  }

  @Test(
    "dry run and debug flags",
    arguments: [
      ("earlybind.dry_run", true, false), ("earlybind.dry-run", true, false),
      ("earlybind.dry_run=1", true, false), ("earlybind.dry_run=0", false, false),
      ("earlybind.dry-run=off", false, false), ("earlybind.debug", false, true),
      ("earlybind.debug=1", false, true), ("earlybind.debug=no", false, false),
      ("earlybind.dry_run earlybind.debug", true, true),
    ])
  func flags(_ text: String, dryRun: Bool, debug: Bool) {
    let options = parse(Self.prefix + text)
    #expect(options.dryRun == dryRun)
    #expect(options.debug == debug)
    #expect(options.problems.isEmpty)
    #expect(!options.disabled)
  }

  @Test func bindItemsAreSplitByCommaAndWordsByPlus() {
    let options = parse(
      Self.prefix + "earlybind.bind=03:00.0+rebind,10de:13c2+driver=pci-stub\n")
    #expect(options.problems.isEmpty)
    #expect(
      options.extraRules == [
        Rule(selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), rebind: true),
        Rule(selector: .id(PCIID(vendor: 0x10DE, device: 0x13C2)), driver: "pci-stub"),
      ])
    #expect(options.extraRules.allSatisfy { $0.line == 0 })
  }

  @Test func bindValuesMayBeQuoted() {
    let expected = [
      Rule(
        selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), functions: .none,
        group: true)
    ]
    #expect(parse("earlybind.bind=\"03:00.0+functions=none+group\"").extraRules == expected)
    #expect(parse("\"earlybind.bind=03:00.0+functions=none+group\"").extraRules == expected)
  }

  @Test func bindItemsMayExpectAnID() {
    let options = parse("earlybind.bind=02:00.0+expect=10de:1b80+functions=none")
    #expect(options.problems.isEmpty)
    #expect(
      options.extraRules == [
        Rule(
          selector: .address(PCIAddress(bus: 2, device: 0, function: 0)), functions: .none,
          expectedID: PCIID(vendor: 0x10DE, device: 0x1B80))
      ])
  }

  @Test func repeatedBindParametersAccumulate() {
    let options = parse(
      "earlybind.bind=non-boot-vga quiet earlybind.bind=class:0c0330+functions=all")
    #expect(
      options.extraRules == [
        Rule(selector: .nonBootVGA),
        Rule(selector: .deviceClassWithInterface(0x0C_0330), functions: .all),
      ])
  }

  @Test func badBindItemIsAProblemAtItsColumn() throws {
    let cmdline = Self.prefix + "earlybind.bind=03:00.0+rebind,10de:13c2+bogus earlybind.debug\n"
    let options = parse(cmdline)
    #expect(options.debug)
    // Only the bad item is dropped, as earlybind.skip= drops only a bad address.
    #expect(
      options.extraRules == [
        Rule(selector: .address(PCIAddress(bus: 3, device: 0, function: 0)), rebind: true)
      ])
    let problem = try #require(options.problems.first)
    #expect(options.problems.count == 1)
    #expect(problem.code == .unknownOption)
    #expect(problem.line == 1)
    #expect(problem.column == column(of: "bogus", in: cmdline))
    #expect(
      problem.description
        == "kernel command line:1:" + String(column(of: "bogus", in: cmdline))
        + ": unknown option 'bogus' (expected driver=, functions=, group, rebind, allow-boot-vga,"
        + " allow-keyboard, allow-network, reset-method=, d3cold=, expect=)")
  }

  @Test func badSelectorInBindIsAProblemAtItsColumn() throws {
    let cmdline = "quiet earlybind.bind=03:00.0,10de:zzzz+rebind"
    let problem = try #require(parse(cmdline).problems.first)
    #expect(problem.code == .invalidSelector)
    #expect(problem.column == column(of: "10de:zzzz", in: cmdline))
  }

  @Test func problemColumnsPointIntoQuotedValues() throws {
    let bind = "quiet earlybind.bind=\"03:00.0+rebind,10de:13c2+bogus\""
    let bindProblem = try #require(parse(bind).problems.first)
    #expect(bindProblem.column == column(of: "bogus", in: bind))

    let skip = "quiet earlybind.skip=\"01:00.0,zz\""
    let skipProblem = try #require(parse(skip).problems.first)
    #expect(skipProblem.column == column(of: "zz", in: skip))
  }

  @Test func bindWithoutValueIsAProblem() {
    for text in ["earlybind.bind", "earlybind.bind=", "earlybind.bind=\"\""] {
      let options = parse(Self.prefix + text)
      #expect(options.extraRules.isEmpty)
      #expect(
        options.problems.map(\.message) == [
          "earlybind.bind needs a value (earlybind.bind=SELECTOR[+OPTION...][,...])"
        ], "\(text)")
    }
  }

  @Test func skipTakesSeveralAddresses() {
    let options = parse(
      Self.prefix + "earlybind.skip=0000:01:00.0,02:00.1 earlybind.skip=10000:e1:00.0")
    #expect(options.problems.isEmpty)
    #expect(
      options.skip == [
        PCIAddress(bus: 1, device: 0, function: 0),
        PCIAddress(bus: 2, device: 0, function: 1),
        PCIAddress(domain: 0x10000, bus: 0xE1, device: 0, function: 0),
      ])
  }

  @Test func badSkipItemIsAProblemAndTheRestIsKept() throws {
    let cmdline = Self.prefix + "earlybind.skip=01:00.0,zz,02:00.0"
    let options = parse(cmdline)
    #expect(
      options.skip == [
        PCIAddress(bus: 1, device: 0, function: 0), PCIAddress(bus: 2, device: 0, function: 0),
      ])
    let problem = try #require(options.problems.first)
    #expect(options.problems.count == 1)
    #expect(problem.column == column(of: "zz", in: cmdline))
    #expect(
      problem.message == "invalid address 'zz' in earlybind.skip (expected 0000:03:00.0 or 03:00.0)"
    )
  }

  @Test func skipWithoutValueIsAProblem() {
    let options = parse("earlybind.skip")
    #expect(options.skip.isEmpty)
    #expect(
      options.problems.map(\.message) == [
        "earlybind.skip needs a value (earlybind.skip=ADDRESS[,...])"
      ])
  }

  @Test func unknownEarlybindParameterIsAProblem() throws {
    let cmdline = Self.prefix + "earlybind.bnid=03:00.0"
    let options = parse(cmdline)
    #expect(options.extraRules.isEmpty)
    let problem = try #require(options.problems.first)
    #expect(problem.column == column(of: "earlybind.bnid", in: cmdline))
    #expect(problem.message.hasPrefix("unknown parameter 'earlybind.bnid' (expected "))
  }

  @Test func blanksBetweenParametersMayBeTabsAndNewlines() {
    let options = parse("quiet\tearlybind.dry_run\n  earlybind.skip=03:00.0  \n")
    #expect(options.dryRun)
    #expect(options.skip == [PCIAddress(bus: 3, device: 0, function: 0)])
    #expect(options.problems.isEmpty)
  }

  @Test func quotedBlanksStayInsideOneParameter() {
    let options = parse("acpi_osi=\"Windows 2020\" earlybind.debug root=\"LABEL=my root\"")
    #expect(options.debug)
    #expect(options.problems.isEmpty)
  }
}

@Suite struct KernelParametersTests {
  @Test func wordsAfterDoubleDashBelongToInit() {
    let options = BootOptions.parse(Array("quiet -- earlybind=off earlybind.dry_run".utf8))
    #expect(!options.disabled)
    #expect(!options.dryRun)
    #expect(
      KernelParameters.split(Array("a=1 \"b=x y\" -- c".utf8)).map(\.text) == ["a=1", "b=x y"])
  }
}
