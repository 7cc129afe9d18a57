// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// What `status` and `check` say about a rule whose device moved: where
/// it is, and the one command line that points the config at it again.
enum MoveAdvice {
  /// `earlybind remove OLD && earlybind add NEW [OPTION ...]`: `add` then
  /// records the device's path (behind a bridge) and its IDs afresh.
  /// nil when the device was not found, or found twice or more.
  static func command(for move: Move) -> String? {
    guard let replacement = move.replacement else { return nil }
    return "earlybind remove " + move.rule.selector.description + " && earlybind add "
      + replacement.description
  }

  static func text(for move: Move) -> String {
    if let command = command(for: move) { return move.text + "; fix the config with: " + command }
    if move.candidates > 1 {
      return move.text + "; name the card by path: or slot: (see earlybind list)"
    }
    return move.text + "; check the hardware, then 'earlybind add' the device where it is"
  }

  /// The moves of `rules` on the machine `inventory` scanned.
  static func moves(_ inventory: DeviceInventory, rules: [Rule]) -> [Move] {
    guard let plan = inventory.plan else { return [] }
    return Move.find(devices: inventory.records.map(\.device), rules: rules, plan: plan)
  }
}
