// SPDX-License-Identifier: Apache-2.0
/// One result of `earlybind check`.
struct Finding: Equatable {
  /// In rising severity: the worst one decides check's exit status.
  enum Level: String, Comparable, CaseIterable {
    case ok, warning, error

    static func < (lhs: Level, rhs: Level) -> Bool {
      allCases.firstIndex(of: lhs) ?? 0 < allCases.firstIndex(of: rhs) ?? 0
    }
  }

  var level: Level
  var topic: String
  var message: String
}
