// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Command-line words read as one config line; errors point at the word
/// (`arguments:1:14: unknown option ...`).
enum RuleArguments {
  static func parse(_ words: [String]) throws(CommandFailure) -> Rule {
    // Joined into one line, a newline would cut the rule short or start
    // another one: refuse any control character instead.
    for (index, word) in words.enumerated() {
      if let byte = word.utf8.first(where: { $0 < 0x20 || $0 == 0x7F }) {
        throw .controlCharacter(index: index + 1, argument: word, byte: byte)
      }
    }
    let rules: [Rule]
    do {
      rules = try RuleParser.parseConfig(
        Array(words.joined(separator: " ").utf8), file: "arguments")
    } catch {
      throw .config(error)
    }
    guard let rule = rules.first else { throw .noSelector }
    return rule
  }
}
