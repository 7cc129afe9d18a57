// SPDX-License-Identifier: Apache-2.0
/// The binder's switches from the kernel command line.
///
/// `earlybind=off` disables everything; `earlybind.dry_run` decides and logs
/// but writes nothing; `earlybind.debug` logs every device;
/// `earlybind.bind=SEL[+OPT...][,...]` adds rules for this boot;
/// `earlybind.skip=ADDR[,...]` leaves addresses alone. As in the kernel's own
/// parser, `-` and `_` are the same in names and values may be quoted.
public struct BootOptions: Hashable, Sendable {
  /// The most of /proc/cmdline the binder reads (the kernel's own limit,
  /// COMMAND_LINE_SIZE, is far smaller on every architecture).
  public static let maximumCommandLine = 65536

  public var disabled = false
  public var dryRun = false
  public var debug = false
  public var extraRules: [Rule] = []
  public var skip: [PCIAddress] = []
  /// Bad `earlybind.*` parameters: logged at boot, never fatal.
  public var problems: [ConfigError] = []

  public init() {}

  public static func parse(_ cmdline: [UInt8]) -> BootOptions {
    var options = BootOptions()
    for parameter in KernelParameters.split(cmdline) {
      let name = normalized(parameter.name)
      guard name.starts(with: "earlybind".utf8),
        name.count == 9 || name[name.startIndex + 9] == ASCII.dot
      else { continue }
      let value = parameter.value
      func problem(_ message: String, column: Int? = nil) {
        options.problems.append(
          ConfigError(
            code: .invalidValue, file: "kernel command line", line: 1,
            column: column ?? parameter.column,
            message: message))
      }
      if ASCII.equal(name, "earlybind") {
        guard let value, !ASCII.isOne(of: ["on", "1", "yes", "true"], value) else {
          options.disabled = false
          continue
        }
        if ASCII.isOne(of: ["off", "0", "no", "false"], value) {
          options.disabled = true
        } else {
          problem(
            "invalid value '" + ASCII.string(value) + "' for earlybind= (expected off or on)")
        }
      } else if ASCII.equal(name, "earlybind.dry_run") {
        options.dryRun = flag(value) ?? true
      } else if ASCII.equal(name, "earlybind.debug") {
        options.debug = flag(value) ?? true
      } else if ASCII.equal(name, "earlybind.bind") {
        guard let value, !value.isEmpty else {
          problem("earlybind.bind needs a value (earlybind.bind=SELECTOR[+OPTION...][,...])")
          continue
        }
        options.extraRules += RuleParser.parseBindList(
          value, column: parameter.valueColumn, problems: &options.problems)
      } else if ASCII.equal(name, "earlybind.skip") {
        guard let value, !value.isEmpty else {
          problem("earlybind.skip needs a value (earlybind.skip=ADDRESS[,...])")
          continue
        }
        var column = parameter.valueColumn
        for item in value.split(separator: ASCII.comma, omittingEmptySubsequences: false) {
          if let address = PCIAddress(parsing: item) {
            options.skip.append(address)
          } else {
            problem(
              "invalid address '" + ASCII.string(item)
                + "' in earlybind.skip (expected 0000:03:00.0 or 03:00.0)", column: column)
          }
          column += item.count + 1
        }
      } else {
        problem(
          "unknown parameter '" + ASCII.string(parameter.name)
            + "' (expected earlybind=, earlybind.dry_run, earlybind.debug, earlybind.bind=, earlybind.skip=)"
        )
      }
    }
    return options
  }

  /// As the kernel's parameq(): `-` and `_` are the same in names.
  static func normalized(_ name: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
    guard name.contains(0x2D) else { return name }
    return ArraySlice(name.map { $0 == 0x2D ? 0x5F : $0 })
  }

  static func flag(_ value: ArraySlice<UInt8>?) -> Bool? {
    guard let value else { return nil }
    return !ASCII.isOne(of: ["0", "n", "no", "off", "false"], value)
  }
}

/// Splits a kernel command line the way the kernel does: words separated by
/// blanks, double quotes protect blanks (and are dropped), the first `=`
/// splits name from value, and nothing after `--` (that belongs to init).
public enum KernelParameters {
  public struct Parameter {
    var name: ArraySlice<UInt8>
    var value: ArraySlice<UInt8>?
    var column: Int
    var valueColumn: Int

    public var nameText: String { ASCII.string(name) }
    public var valueText: String? { value.map { ASCII.string($0) } }
    /// The word as the kernel saw it, quotes removed.
    public var text: String { nameText + (valueText.map { "=" + $0 } ?? "") }
  }

  public static func split(_ cmdline: [UInt8]) -> [Parameter] {
    var parameters: [Parameter] = []
    var index = 0
    while index < cmdline.count {
      while index < cmdline.count, ASCII.isBlank(cmdline[index]) || cmdline[index] == ASCII.newline
      {
        index += 1
      }
      guard index < cmdline.count else { break }
      let start = index
      var word: [UInt8] = []
      var inQuotes = false
      var equalsAt: Int? = nil
      var valueColumn = 0
      while index < cmdline.count {
        let byte = cmdline[index]
        if byte == ASCII.quote {
          inQuotes.toggle()
        } else if !inQuotes && (ASCII.isBlank(byte) || byte == ASCII.newline) {
          break
        } else {
          // As the kernel's next_arg(): the first '=' splits, quoted or not.
          if let equalsAt, word.count == equalsAt + 1 {
            valueColumn = index + 1
          }
          if byte == ASCII.equals && equalsAt == nil {
            equalsAt = word.count
          }
          word.append(byte)
        }
        index += 1
      }
      let all = ArraySlice(word)
      if equalsAt == nil && all.elementsEqual([0x2D, 0x2D]) { break }
      if let equalsAt {
        parameters.append(
          Parameter(
            name: all[..<equalsAt], value: ArraySlice(all[(equalsAt + 1)...]),
            column: start + 1, valueColumn: valueColumn))
      } else {
        parameters.append(Parameter(name: all, value: nil, column: start + 1, valueColumn: 0))
      }
    }
    return parameters
  }
}
