// SPDX-License-Identifier: Apache-2.0
/// Why a binding table was refused. Any of these means: bind nothing.
public struct TableError: Error, Hashable, Sendable, CustomStringConvertible {
  public enum Code: Hashable, Sendable {
    case truncated
    case badMagic
    case unsupportedVersion
    case sizeMismatch
    case checksumMismatch
    case countOutOfRange
    case invalidRecord
    case invalidString
    case tooLarge
  }

  public var code: Code
  /// Byte offset of the offending field.
  public var offset: Int
  public var message: String

  public init(code: Code, offset: Int, message: String) {
    self.code = code
    self.offset = offset
    self.message = message
  }

  public var description: String {
    "invalid binding table at byte " + ASCII.decimal(offset) + ": " + message
  }
}
