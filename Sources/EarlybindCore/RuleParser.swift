// SPDX-License-Identifier: Apache-2.0
/// Parses rules: `SELECTOR [OPTION ...]`, one per config line, or items of
/// `earlybind.bind=` whose words are joined by `+`. One grammar, two spellings.
public enum RuleParser {
  /// A word of a rule and the 1-based column where it starts.
  struct Word {
    var text: ArraySlice<UInt8>
    var column: Int
  }

  static let expectedOptions =
    "driver=, functions=, group, rebind, allow-boot-vga, allow-keyboard, allow-network,"
    + " reset-method=, d3cold=, expect="
  static let expectedSelectors =
    "an address like 0000:03:00.0 or 03:00.0, vendor:device like 10de:13c2,"
    + " vendor:device:subvendor:subdevice, class:0300, class:0c0330, non-boot-vga,"
    + " path:1c.0/00.0 or slot:NAME"
  /// Far beyond any machine's PCI function count; bounds table size.
  public static let maximumRules = 1024
  public static let maximumNameLength = 64

  /// Parses a whole config file. `file` is only used in messages. What the
  /// binding table cannot hold (rules, modules) is an error at the line
  /// that exceeds it, so `compile` never meets it.
  public static func parseConfig(_ bytes: [UInt8], file: String) throws(ConfigError) -> [Rule] {
    var rules: [Rule] = []
    var firstLine: [Selector: Int] = [:]
    var modules: [String] = []
    var lineNumber = 0
    for rawLine in bytes.split(separator: ASCII.newline, omittingEmptySubsequences: false) {
      lineNumber += 1
      let words = try splitLine(rawLine, file: file, line: lineNumber)
      guard !words.isEmpty else { continue }
      let rule = try parseRule(words, file: file, line: lineNumber)
      if let earlier = firstLine[rule.selector] {
        throw ConfigError(
          code: .duplicateSelector, file: file, line: lineNumber, column: words[0].column,
          message: "duplicate selector '" + ASCII.string(words[0].text) + "' (already on line "
            + ASCII.decimal(earlier) + ")")
      }
      firstLine[rule.selector] = lineNumber
      rules.append(rule)
      if rules.count > maximumRules {
        throw ConfigError(
          code: .tooManyRules, file: file, line: lineNumber, column: 1,
          message: "more than " + ASCII.decimal(maximumRules) + " rules")
      }
      for module in BindingTable.modules(for: [rule])
      where !modules.contains(where: { ASCII.equal($0, module.name) }) {
        modules.append(module.name)
      }
      if modules.count > BindingTableCodec.maximumModules {
        let driverWord = words.first { $0.text.starts(with: "driver=".utf8) } ?? words[0]
        throw ConfigError(
          code: .tableLimit, file: file, line: lineNumber, column: driverWord.column,
          message: "driver '" + rule.driver + "' makes " + ASCII.decimal(modules.count)
            + " modules to load, more than a binding table holds ("
            + ASCII.decimal(BindingTableCodec.maximumModules)
            + "; each driver is one, vfio-pci five)")
      }
    }
    return rules
  }

  /// Parses the value of `earlybind.bind=`: `SEL[+OPT...][,SEL[+OPT...]]`.
  /// `column` is where the value starts on the command line. A bad item is
  /// dropped and added to `problems`; the others still count, as with
  /// `earlybind.skip=`.
  public static func parseBindList(
    _ value: ArraySlice<UInt8>, column: Int, file: String = "kernel command line",
    problems: inout [ConfigError]
  ) -> [Rule] {
    var rules: [Rule] = []
    var itemStart = value.startIndex
    var index = value.startIndex
    while index <= value.endIndex {
      if index == value.endIndex || value[index] == ASCII.comma {
        let item = value[itemStart..<index]
        if !item.isEmpty {
          var words: [Word] = []
          var wordStart = item.startIndex
          for position in item.startIndex...item.endIndex
          where position == item.endIndex || item[position] == ASCII.plus {
            words.append(
              Word(
                text: item[wordStart..<position],
                column: column + (wordStart - value.startIndex)))
            wordStart = position + 1
          }
          do {
            try checkCharacters(words, file: file, line: 1)
            rules.append(try parseRule(words, file: file, line: 0, reportedLine: 1))
          } catch {
            problems.append(error)
          }
        }
        itemStart = index + 1
      }
      index += 1
    }
    return rules
  }

  /// Splits one config line into words, dropping a `#` comment.
  static func splitLine(_ line: ArraySlice<UInt8>, file: String, line number: Int)
    throws(ConfigError) -> [Word]
  {
    var words: [Word] = []
    var start: Int? = nil
    var index = line.startIndex
    while index < line.endIndex {
      let byte = line[index]
      if byte == ASCII.hash {
        break
      }
      if ASCII.isBlank(byte) {
        if let begin = start {
          words.append(Word(text: line[begin..<index], column: begin - line.startIndex + 1))
          start = nil
        }
      } else {
        if byte < 0x20 || byte >= 0x7F {
          throw ConfigError(
            code: .invalidCharacter, file: file, line: number,
            column: index - line.startIndex + 1,
            message: "unexpected byte 0x" + ASCII.hex(UInt32(byte), width: 2)
              + " (expected printable ASCII)")
        }
        if start == nil { start = index }
      }
      index += 1
    }
    if let begin = start {
      words.append(Word(text: line[begin..<index], column: begin - line.startIndex + 1))
    }
    return words
  }

  static func checkCharacters(_ words: [Word], file: String, line: Int) throws(ConfigError) {
    for word in words {
      for (offset, byte) in word.text.enumerated() where byte <= 0x20 || byte >= 0x7F {
        throw ConfigError(
          code: .invalidCharacter, file: file, line: line, column: word.column + offset,
          message: "unexpected byte 0x" + ASCII.hex(UInt32(byte), width: 2)
            + " (expected printable ASCII)")
      }
    }
  }

  /// Parses `words` (selector first). `line` is stored in the rule;
  /// `reportedLine` is used in messages when it differs (command line).
  static func parseRule(_ words: [Word], file: String, line: Int, reportedLine: Int? = nil)
    throws(ConfigError) -> Rule
  {
    let messageLine = reportedLine ?? line
    func fail(_ code: ConfigError.Code, _ word: Word, _ message: String) -> ConfigError {
      ConfigError(code: code, file: file, line: messageLine, column: word.column, message: message)
    }
    let head = words[0]
    guard !head.text.isEmpty, let selector = Selector(parsing: head.text) else {
      throw fail(
        .invalidSelector, head,
        "invalid selector '" + ASCII.string(head.text) + "' (expected " + expectedSelectors + ")")
    }
    var rule = Rule(selector: selector, line: line)
    // Options are compared as bytes: see ASCII.equal(_:_:).
    var seen: [ArraySlice<UInt8>] = []
    for word in words.dropFirst() {
      let equals = word.text.firstIndex(of: ASCII.equals)
      let keyBytes = word.text[word.text.startIndex..<(equals ?? word.text.endIndex)]
      let key = ASCII.string(keyBytes)
      let value = equals.map { word.text[($0 + 1)...] }
      let spelled = word.text[word.text.startIndex..<(equals.map { $0 + 1 } ?? word.text.endIndex)]
      if ASCII.equal(keyBytes, "expect") {
        guard rule.canExpect else {
          throw fail(
            .conflictingOptions, word,
            "option 'expect=' only applies to an address, path: or slot: selector")
        }
        guard let value, let id = PCIID(parsing: value.prefix(9)),
          value.count == 9 || value.count == 19
        else {
          throw fail(
            .invalidValue, word,
            "invalid value for expect= (expected vendor:device like 10de:13c2,"
              + " or vendor:device:subvendor:subdevice)")
        }
        if value.count == 19 {
          guard value[value.startIndex + 9] == ASCII.colon,
            let subsystem = PCIID(parsing: value.suffix(9))
          else {
            throw fail(
              .invalidValue, word,
              "invalid value for expect= (expected vendor:device like 10de:13c2,"
                + " or vendor:device:subvendor:subdevice)")
          }
          rule.expectedSubsystem = subsystem
        }
        rule.expectedID = id
      } else if ASCII.equal(keyBytes, "driver") || ASCII.equal(keyBytes, "functions") {
        guard let value else {
          throw fail(.invalidValue, word, "option '" + key + "' needs a value (" + key + "=...)")
        }
        if ASCII.equal(keyBytes, "driver") {
          guard !value.isEmpty, value.count <= maximumNameLength, value.allSatisfy(ASCII.isNameByte)
          else {
            throw fail(
              .invalidValue, word,
              "invalid driver name '" + ASCII.string(value)
                + "' (expected letters, digits, '_' or '-', at most 64)")
          }
          rule.driver = ASCII.string(value)
        } else if ASCII.equal(value, "auto") {
          rule.functions = .auto
        } else if ASCII.equal(value, "all") {
          rule.functions = .all
        } else if ASCII.equal(value, "none") {
          rule.functions = .none
        } else {
          throw fail(
            .invalidValue, word,
            "invalid value '" + ASCII.string(value)
              + "' for functions= (expected auto, all or none)")
        }
      } else if ASCII.equal(keyBytes, "reset-method") {
        rule.resetMethods = try resetMethods(value, word: word, fail: fail)
      } else if ASCII.equal(keyBytes, "d3cold") {
        guard let value, ASCII.equal(value, "off") else {
          throw fail(.invalidValue, word, "invalid value for d3cold= (expected off)")
        }
        rule.d3coldOff = true
      } else if ASCII.isOne(
        of: ["group", "rebind", "allow-boot-vga", "allow-keyboard", "allow-network"], keyBytes)
      {
        if value != nil {
          throw fail(.invalidValue, word, "option '" + key + "' takes no value")
        }
        if ASCII.equal(keyBytes, "group") {
          rule.group = true
        } else if ASCII.equal(keyBytes, "rebind") {
          rule.rebind = true
        } else if ASCII.equal(keyBytes, "allow-keyboard") {
          rule.allowKeyboard = true
        } else if ASCII.equal(keyBytes, "allow-network") {
          rule.allowNetwork = true
        } else {
          rule.allowBootVGA = true
        }
      } else {
        throw fail(
          .unknownOption, word,
          "unknown option '" + key + "' (expected " + expectedOptions + ")")
      }
      if seen.contains(where: { $0.elementsEqual(spelled) }) {
        throw fail(.duplicateOption, word, "option '" + ASCII.string(spelled) + "' given twice")
      }
      seen.append(spelled)
    }
    if rule.allowBootVGA, rule.selector == .nonBootVGA {
      throw fail(
        .conflictingOptions, head, "allow-boot-vga contradicts the selector non-boot-vga")
    }
    return rule
  }

  /// `flr:bus`: kernel reset methods in the order to try them, each once.
  static func resetMethods(
    _ value: ArraySlice<UInt8>?, word: Word,
    fail: (ConfigError.Code, Word, String) -> ConfigError
  ) throws(ConfigError) -> [ResetMethod] {
    let expected =
      " (expected reset methods joined by ':', like flr:bus, from "
      + ResetMethod.attributeValue(ResetMethod.all) + ")"
    guard let value, !value.isEmpty else {
      throw fail(.invalidValue, word, "option 'reset-method' needs a value" + expected)
    }
    var methods: [ResetMethod] = []
    for name in value.split(separator: ASCII.colon, omittingEmptySubsequences: false) {
      guard let method = ResetMethod(name: name) else {
        throw fail(
          .invalidValue, word, "unknown reset method '" + ASCII.string(name) + "'" + expected)
      }
      guard !methods.contains(method) else {
        throw fail(.invalidValue, word, "reset method '" + method.name + "' given twice")
      }
      methods.append(method)
    }
    return methods
  }
}
