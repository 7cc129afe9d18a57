// SPDX-License-Identifier: Apache-2.0
/// A config or command-line problem, located to the byte.
///
/// The description is the compiler-style line users see:
/// `earlybind.conf:7:12: unknown option 'functons' (expected ...)`.
public struct ConfigError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Code: Hashable, Sendable {
    case invalidSelector
    case unknownOption
    case invalidValue
    case duplicateOption
    case conflictingOptions
    case duplicateSelector
    case invalidCharacter
    case tooManyRules
    /// The rules need more of something than a binding table holds.
    case tableLimit
    case unreadable
  }

  public var code: Code
  /// File name as the user gave it, or `kernel command line`.
  public var file: String
  public var line: Int
  public var column: Int
  public var message: String

  public init(code: Code, file: String, line: Int, column: Int, message: String) {
    self.code = code
    self.file = file
    self.line = line
    self.column = column
    self.message = message
  }

  public var description: String {
    file + ":" + ASCII.decimal(line) + ":" + ASCII.decimal(column) + ": " + message
  }
}
