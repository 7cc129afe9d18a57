// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// Why a command could not do its job. Every command fails with one of
/// these, so the message, the JSON document and the exit status are made
/// in one place (`HostCommand.perform`).
enum CommandFailure: Error, Equatable, CustomStringConvertible {
  /// A located problem in the config, a rule given as arguments or the
  /// install manifest: `file:line:column: message`.
  case config(ConfigError)
  /// A compiled table that cannot be used, and where it is.
  case table(path: String, TableError)
  /// A system call that failed: which, on what path, and the errno.
  case system(SystemError)
  case message(String)
  /// `release` was given a PCI bridge: bridges are never bound, so there
  /// is nothing to give back.
  case bridgeStaysWithHost(PCIAddress)
  /// An edit would make the config larger than the parser reads.
  case configTooLarge(path: String, size: Int, limit: Int)

  var description: String {
    switch self {
    case .config(let error): return error.description
    case .table(let path, let error): return path + ": " + error.description
    case .system(let error): return error.description
    case .message(let text): return text
    case .bridgeStaysWithHost(let address):
      return address.description
        + " is a bridge: bridges stay with the host and are never bound, so there is"
        + " nothing to release (give the address of a device behind it)"
    case .configTooLarge(let path, let size, let limit):
      return path + ": the edited config would be " + ASCII.decimal(size)
        + " bytes; a config must be smaller than " + ASCII.decimal(limit)
        + " bytes; nothing written"
    }
  }

  /// The line for standard error. Located messages stay as they are, so
  /// editors and build logs can jump to the place.
  var errorLine: String {
    if case .config = self { return description }
    return "earlybind: " + description
  }
}

/// How a run ended, as the exit status says it.
struct ExitStatus: RawRepresentable, Hashable, Sendable {
  var rawValue: Int32

  init(rawValue: Int32) { self.rawValue = rawValue }

  static let success = ExitStatus(rawValue: 0)
  /// The command failed, or (check, status, apply) something needs attention.
  static let failure = ExitStatus(rawValue: 1)
  /// check found errors; status found no report from this boot.
  static let severe = ExitStatus(rawValue: 2)
}
