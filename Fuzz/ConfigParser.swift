// SPDX-License-Identifier: Apache-2.0
/// Fuzz target: the config parser. Any input either fails with a
/// ConfigError naming a line and column inside it, or gives rules whose
/// printed form (`Rule.description`, one per line) parses to the same rules.
enum ConfigParserTarget {
  static func run(_ bytes: [UInt8]) {
    let rules: [Rule]
    do {
      rules = try RuleParser.parseConfig(bytes, file: "fuzz.conf")
    } catch {
      let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).count
      if error.line < 1 || error.line > lines || error.column < 1 {
        fatalError("error outside the input: \(error)")
      }
      return
    }
    let printed = Array(rules.map(\.description).joined(separator: "\n").utf8)
    let reparsed: [Rule]
    do {
      reparsed = try RuleParser.parseConfig(printed, file: "printed.conf")
    } catch {
      fatalError("printed rules do not parse: \(error)")
    }
    // Line numbers differ (comments and blank lines are gone); all else must not.
    func lineless(_ rules: [Rule]) -> [Rule] {
      rules.map { rule in
        var copy = rule
        copy.line = 0
        return copy
      }
    }
    if lineless(reparsed) != lineless(rules) { fatalError("parse(print(rules)) != rules") }
  }
}
