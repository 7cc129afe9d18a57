// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// What `earlybind install` wrote, so `uninstall` removes exactly that and
/// leaves alone anything edited since.
struct InstallManifest: Equatable {
  struct Entry: Equatable {
    var path: String
    var mode: UInt32
    var checksum: UInt32
    var generator: String
  }

  static let path = "/var/lib/earlybind/manifest"
  static let header = "# earlybind install manifest v1: generator mode crc32 path"

  var entries: [Entry] = []

  func entry(at path: String) -> Entry? { entries.first { $0.path == path } }

  mutating func record(_ entry: Entry) {
    entries.removeAll { $0.path == entry.path }
    entries.append(entry)
    entries.sort { $0.path < $1.path }
  }

  func text() -> String {
    var out = Self.header + "\n"
    for entry in entries {
      out +=
        "\(entry.generator) \(String(entry.mode, radix: 8)) \(ASCII.hex(entry.checksum, width: 8)) \(entry.path)\n"
    }
    return out
  }

  /// Paths are taken as written; uninstall decides which it may touch.
  static func parse(_ text: String, file: String) throws(CommandFailure) -> InstallManifest {
    var manifest = InstallManifest()
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
    where !line.isEmpty && !line.hasPrefix("#") {
      let fields = line.split(separator: " ", maxSplits: 3)
      guard fields.count == 4, let mode = UInt32(fields[1], radix: 8),
        let checksum = UInt32(fields[2], radix: 16)
      else {
        throw .config(
          ConfigError(
            code: .invalidValue, file: file, line: index + 1, column: 1,
            message: "invalid manifest line (expected GENERATOR MODE CRC32 PATH)"))
      }
      manifest.entries.append(
        Entry(
          path: String(fields[3]), mode: mode, checksum: checksum, generator: String(fields[0])))
    }
    return manifest
  }
}
