import EarlybindCore

/// Command-line words read as one config line; errors point at the word
/// (`arguments:1:14: unknown option ...`).
enum RuleArguments {
  static func parse(_ words: [String]) throws(CommandFailure) -> Rule {
    let rules: [Rule]
    do {
      rules = try RuleParser.parseConfig(
        Array(words.joined(separator: " ").utf8), file: "arguments")
    } catch {
      throw .config(error)
    }
    guard let rule = rules.first else { throw .message("no selector given") }
    return rule
  }
}
