import EarlybindCore

/// Line-level edits of /etc/earlybind.conf that keep every comment, blank
/// line and the order of the rules: only the rule line concerned changes.
struct ConfigEditor {
  var lines: [String]

  init(text: String) {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    self.lines = lines
  }

  var text: String { lines.isEmpty ? "" : lines.joined(separator: "\n") + "\n" }

  /// Index of the line whose rule has `selector` (`03:00.0` and
  /// `0000:03:00.0` are the same selector).
  func index(of selector: Selector) -> Int? {
    lines.firstIndex { line in
      let words = line.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard let first = words.first else { return false }
      return Selector(parsing: ArraySlice(first.utf8)) == selector
    }
  }

  /// Replaces the rule for the same selector (keeping its trailing comment)
  /// or appends it. Returns the 1-based line and whether it replaced one.
  mutating func upsert(_ rule: Rule) -> (line: Int, replaced: Bool) {
    if let index = index(of: rule.selector) {
      let comment = lines[index].firstIndex(of: "#").map { "  " + lines[index][$0...] } ?? ""
      lines[index] = rule.description + comment
      return (index + 1, true)
    }
    lines.append(rule.description)
    return (lines.count, false)
  }

  /// Removes the rule for `selector`; returns its 1-based line.
  mutating func remove(_ selector: Selector) -> Int? {
    guard let index = index(of: selector) else { return nil }
    lines.remove(at: index)
    return index + 1
  }
}
