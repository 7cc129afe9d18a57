// SPDX-License-Identifier: Apache-2.0
/// Problems found at boot, kept up to a fixed number: a devices directory
/// full of junk names, or a command line full of bad items, must not turn
/// into as many kernel log lines and a report of megabytes. The rest are
/// only counted, and `droppedLine` says how many.
public struct ProblemList: Sendable {
  public static let maximumKept = 32

  public private(set) var kept: [String] = []
  public private(set) var dropped = 0

  public init() {}

  /// Keeps `problem` (built only then) while there is room; true if kept.
  @discardableResult
  public mutating func append(_ problem: @autoclosure () -> String) -> Bool {
    guard kept.count < Self.maximumKept else {
      dropped += 1
      return false
    }
    kept.append(problem())
    return true
  }

  /// Counts problems dropped elsewhere (by the scanner's own list).
  public mutating func drop(_ count: Int) { dropped += count }

  /// The kept problems, then the line about the rest if any: what a
  /// report or a listing shows.
  public var lines: [String] { droppedLine.map { kept + [$0] } ?? kept }

  /// What was left out, or nil when nothing was.
  public var droppedLine: String? {
    dropped == 0
      ? nil
      : ASCII.decimal(dropped) + " more problems left out (only the first "
        + ASCII.decimal(Self.maximumKept) + " are kept)"
  }
}
