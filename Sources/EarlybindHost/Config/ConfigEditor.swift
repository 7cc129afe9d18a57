// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Line-level edits of /etc/earlybind.conf that keep every comment, blank
/// line and the order of the rules: only the rule line concerned changes.
/// The text is bytes split at "\n" only, so CRLF endings, bytes that are
/// not UTF-8 in comments, trailing blanks and a missing final newline all
/// stay exactly as the user wrote them.
struct ConfigEditor {
  /// Each line with its own ending ("\n", "\r\n", or none for a last line
  /// without a newline).
  var lines: [[UInt8]]

  init(bytes: [UInt8]) {
    var lines: [[UInt8]] = []
    var start = 0
    for (index, byte) in bytes.enumerated() where byte == Self.newline {
      lines.append(Array(bytes[start...index]))
      start = index + 1
    }
    if start < bytes.count { lines.append(Array(bytes[start...])) }
    self.lines = lines
  }

  init(text: String) { self.init(bytes: Array(text.utf8)) }

  var bytes: [UInt8] { lines.flatMap { $0 } }

  var text: String { String(decoding: bytes, as: UTF8.self) }

  static let newline: UInt8 = 0x0A
  static let carriageReturn: UInt8 = 0x0D
  static let hash: UInt8 = 0x23

  /// A line's content and its ending, split where the parser sees the end:
  /// the "\r" of a CRLF belongs to the ending.
  static func split(_ line: [UInt8]) -> (content: ArraySlice<UInt8>, ending: ArraySlice<UInt8>) {
    var end = line.endIndex
    if end > 0, line[end - 1] == newline { end -= 1 }
    if end > 0, line[end - 1] == carriageReturn { end -= 1 }
    return (line[..<end], line[end...])
  }

  /// The ending new lines get: the one the file's last line uses.
  var ending: [UInt8] {
    guard let last = lines.last(where: { $0.last == Self.newline }) else { return [Self.newline] }
    return Array(Self.split(last).ending)
  }

  /// Index of the line whose rule has `selector` (`03:00.0` and
  /// `0000:03:00.0` are the same selector).
  func index(of selector: Selector) -> Int? {
    lines.firstIndex { line in
      let content = Self.split(line).content.prefix { $0 != Self.hash }
      let words = content.split(whereSeparator: { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D })
      guard let first = words.first else { return false }
      return Selector(parsing: first) == selector
    }
  }

  /// Replaces the rule for the same selector, or else for `other` (the
  /// address a path rule was made from), keeping its trailing comment and
  /// line ending, or appends it. Returns the 1-based line and whether it
  /// replaced one.
  mutating func upsert(_ rule: Rule, replacing other: Selector? = nil) -> (
    line: Int, replaced: Bool
  ) {
    let ruleBytes = Array(rule.description.utf8)
    if let index = index(of: rule.selector) ?? other.flatMap({ index(of: $0) }) {
      let (content, ending) = Self.split(lines[index])
      var line = ruleBytes
      if let hash = content.firstIndex(of: Self.hash) {
        line += Array("  ".utf8) + content[hash...]
      }
      lines[index] = line + ending
      return (index + 1, true)
    }
    let ending = self.ending
    if let last = lines.indices.last, lines[last].last != Self.newline {
      lines[last] += ending
    }
    lines.append(ruleBytes + ending)
    return (lines.count, false)
  }

  /// Removes the rule for `selector`; returns its 1-based line.
  mutating func remove(_ selector: Selector) -> Int? {
    guard let index = index(of: selector) else { return nil }
    lines.remove(at: index)
    return index + 1
  }
}
