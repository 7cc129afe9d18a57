// SPDX-License-Identifier: Apache-2.0
/// Aligned columns for terminal listings. Widths come from the plain text,
/// so colour codes never shift a column.
struct TextTable {
  /// The few colours the listings use; each says something (bound, refused).
  enum Style: String {
    case plain = ""
    case bold = "1"
    case dim = "2"
    case red = "31"
    case green = "32"
    case yellow = "33"
    case cyan = "36"
  }

  struct Cell {
    var text: String
    var style: Style

    init(_ text: String, _ style: Style = .plain) {
      self.text = text
      self.style = style
    }
  }

  var headers: [String]
  var rows: [[Cell]] = []

  init(headers: [String]) {
    self.headers = headers
  }

  mutating func add(_ row: [Cell]) {
    rows.append(row)
  }

  /// Columns two spaces apart; the last column is not padded, so lines
  /// carry no trailing blanks.
  func render(colour: Bool) -> String {
    let header = headers.map { Cell($0, .bold) }
    let all = [header] + rows
    var widths = [Int](repeating: 0, count: headers.count)
    for row in all {
      for (index, cell) in row.enumerated() where index < widths.count {
        widths[index] = max(widths[index], cell.text.count)
      }
    }
    var out = ""
    for row in all {
      var line = ""
      for (index, cell) in row.enumerated() where index < widths.count {
        let last = index == row.count - 1
        line += Self.paint(cell, colour: colour)
        if !last {
          line += String(repeating: " ", count: widths[index] - cell.text.count + 2)
        }
      }
      while line.hasSuffix(" ") { line.removeLast() }
      out += line + "\n"
    }
    return out
  }

  static func paint(_ cell: Cell, colour: Bool) -> String {
    guard colour, cell.style != .plain, !cell.text.isEmpty else { return cell.text }
    return "\u{1B}[" + cell.style.rawValue + "m" + cell.text + "\u{1B}[0m"
  }

  /// Colour only for a person at a terminal: never into pipes or files, and
  /// never when NO_COLOR is set (https://no-color.org).
  static func wantsColour(isTerminal: Bool, environment: [String: String]) -> Bool {
    isTerminal && environment["NO_COLOR"] == nil
  }
}
