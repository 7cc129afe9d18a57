// SPDX-License-Identifier: Apache-2.0
/// One line of /proc/self/mounts or /etc/fstab.
struct MountEntry: Hashable {
  var source: String
  var mountPoint: String
  var type: String
  var options: [String]

  var isSwap: Bool { type == "swap" }
}

/// One active swap area from /proc/swaps.
struct SwapEntry: Hashable {
  var path: String
  /// `partition` (any block device) or `file`.
  var type: String
}

/// The mount and swap tables: /proc/self/mounts, /etc/fstab, /proc/swaps.
enum MountTable {
  /// Parses the fstab(5) format, which /proc/self/mounts shares: fields
  /// split on blanks, `\040`-style octal escapes for blanks inside a field,
  /// `#` comments and blank lines skipped. Lines with fewer than two fields
  /// are ignored; a missing type reads as `auto`.
  static func parse(_ text: String) -> [MountEntry] {
    var entries: [MountEntry] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard let first = fields.first, !first.hasPrefix("#"), fields.count >= 2 else { continue }
      entries.append(
        MountEntry(
          source: unescape(fields[0]), mountPoint: unescape(fields[1]),
          type: fields.count > 2 ? unescape(fields[2]) : "auto",
          options: fields.count > 3
            ? unescape(fields[3]).split(separator: ",").map(String.init) : []
        ))
    }
    return entries
  }

  /// Parses /proc/swaps: a header line, then `path type size used priority`.
  static func parseSwaps(_ text: String) -> [SwapEntry] {
    var entries: [SwapEntry] = []
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard fields.count >= 2, fields[0] != "Filename" else { continue }
      var path = unescape(fields[0])
      if path.hasSuffix(" (deleted)") { path.removeLast(" (deleted)".count) }
      entries.append(SwapEntry(path: path, type: String(fields[1])))
    }
    return entries
  }

  /// Undoes the kernel's and fstab's octal escapes (`\040` space, `\011`
  /// tab, `\012` newline, `\134` backslash).
  static func unescape(_ field: Substring) -> String {
    let bytes = Array(field.utf8)
    guard bytes.contains(0x5C) else { return String(field) }
    var out: [UInt8] = []
    var index = 0
    while index < bytes.count {
      if bytes[index] == 0x5C, index + 3 < bytes.count,
        let value = octal(bytes[(index + 1)...(index + 3)])
      {
        out.append(value)
        index += 4
      } else {
        out.append(bytes[index])
        index += 1
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static func octal(_ digits: ArraySlice<UInt8>) -> UInt8? {
    var value: UInt32 = 0
    for digit in digits {
      guard digit >= 0x30, digit <= 0x37 else { return nil }
      value = value * 8 + UInt32(digit - 0x30)
    }
    return value <= 0xFF ? UInt8(value) : nil
  }
}
