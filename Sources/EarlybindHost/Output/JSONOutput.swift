// SPDX-License-Identifier: Apache-2.0
import FoundationEssentials

/// A document a command prints with --json. Every one carries `version`,
/// its schema version: within a version keys are only ever added, never
/// removed or given another meaning; absent values are `null`, not left
/// out. The schemas are documented in earlybind(8) (JSON OUTPUT).
protocol JSONDocument: Encodable {
  static var schemaVersion: Int { get }
}

/// The one JSON encoder configuration of the host tool.
enum JSONOutput {
  /// Indented, keys sorted (stable for diffs and tests), slashes as they
  /// are (paths stay readable), one trailing newline.
  static func render<Document: JSONDocument>(_ document: Document) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    do {
      return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    } catch {
      // Only non-finite numbers fail to encode, and the documents hold none.
      preconditionFailure("cannot encode a JSON document: \(error)")
    }
  }
}

/// What --json prints when a command fails: the failure, typed.
///
///     {"version": 1, "error": {"kind": "config", "message": ..., "file": ...,
///      "line": ..., "column": ...}}
///
/// `kind` is config (with file, line, column), table (path, offset),
/// system (syscall, path, errno) or message (nothing more).
struct FailureDocument: JSONDocument {
  static let schemaVersion = 1

  var failure: CommandFailure

  init(_ failure: CommandFailure) { self.failure = failure }

  enum Keys: String, CodingKey {
    case version, error
    case kind, message, file, line, column, path, offset, syscall, errno, address, size, limit
  }

  func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: Keys.self)
    try container.encode(Self.schemaVersion, forKey: .version)
    var error = container.nestedContainer(keyedBy: Keys.self, forKey: .error)
    try error.encode(failure.description, forKey: .message)
    switch failure {
    case .config(let config):
      try error.encode("config", forKey: .kind)
      try error.encode(config.file, forKey: .file)
      try error.encode(config.line, forKey: .line)
      try error.encode(config.column, forKey: .column)
    case .table(let path, let table):
      try error.encode("table", forKey: .kind)
      try error.encode(path, forKey: .path)
      try error.encode(table.offset, forKey: .offset)
    case .system(let system):
      try error.encode("system", forKey: .kind)
      try error.encode(system.syscall, forKey: .syscall)
      try error.encode(system.path, forKey: .path)
      try error.encode(system.errno.name, forKey: .errno)
    case .bridgeStaysWithHost(let address):
      try error.encode(failure.kind, forKey: .kind)
      try error.encode(address.description, forKey: .address)
    case .configTooLarge(let path, let size, let limit):
      try error.encode(failure.kind, forKey: .kind)
      try error.encode(path, forKey: .path)
      try error.encode(size, forKey: .size)
      try error.encode(limit, forKey: .limit)
    default:
      try error.encode(failure.kind, forKey: .kind)
      try error.encodeIfPresent(failure.path, forKey: .path)
    }
  }
}
