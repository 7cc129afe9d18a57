// SPDX-License-Identifier: Apache-2.0
/// Fuzz target: the binder's kernel command line parser. Any input
/// gives options (bad parameters become problems, never a trap); every
/// extra rule prints as a config line that parses back to the same rule.
enum KernelCommandLineTarget {
  static func run(_ bytes: [UInt8]) {
    let options = BootOptions.parse(bytes)
    if options != BootOptions.parse(bytes) { fatalError("parse is not deterministic") }
    for rule in options.extraRules {
      let line = Array(rule.description.utf8)
      guard let parsed = try? RuleParser.parseConfig(line, file: "rule"), parsed.count == 1 else {
        fatalError("rule \(rule.description) does not parse back")
      }
      var expected = rule
      expected.line = 1
      if parsed[0] != expected { fatalError("rule \(rule.description) parses to another rule") }
    }
    for problem in options.problems where problem.column < 1 {
      fatalError("problem without a column: \(problem)")
    }
  }
}
