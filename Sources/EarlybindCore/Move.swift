// SPDX-License-Identifier: Apache-2.0
/// Where the device an `expect=` rule was written for went, when the
/// rule's place holds another device or nothing: found only when exactly
/// one device no rule took has the expected IDs. Identical cards are
/// never guessed between.
public struct Move: Hashable, Sendable {
  public var rule: Rule
  /// The one device with the expected IDs; nil when there are none or several.
  public var found: PCIDevice?
  /// Devices with the expected IDs that no rule took.
  public var candidates: Int
  /// `found`'s place in the tree, when known.
  public var path: PCIPath?

  public init(rule: Rule, found: PCIDevice?, candidates: Int, path: PCIPath? = nil) {
    self.rule = rule
    self.found = found
    self.candidates = candidates
    self.path = path
  }

  /// The rules a plan left without their device: `expect=` rules refused
  /// because their place holds another device, or that matched nothing.
  public static func lostRules(_ rules: [Rule], plan: Plan) -> [Rule] {
    rules.filter { rule in
      guard rule.expectedID != nil, rule.canExpect else { return false }
      let refused = plan.refusals.contains { refusal in
        guard case .addressMoved = refusal.reason else { return false }
        return refusal.rule.line == rule.line && refusal.rule.selector == rule.selector
      }
      return refused
        || plan.unmatchedRules.contains { $0.line == rule.line && $0.selector == rule.selector }
    }
  }

  /// Where the devices of `lostRules` are. `devices` must be a full scan.
  public static func find(devices: [PCIDevice], rules: [Rule], plan: Plan) -> [Move] {
    var moves: [Move] = []
    var tree: DeviceTree? = nil
    for rule in lostRules(rules, plan: plan) {
      let candidates = devices.filter {
        rule.expects($0.identity) && !plan.hasTarget(at: $0.address)
      }
      var move = Move(
        rule: rule, found: candidates.count == 1 ? candidates[0] : nil,
        candidates: candidates.count)
      if let found = move.found {
        if tree == nil { tree = DeviceTree(devices: devices) }
        move.path = tree?.path(of: found.address)
      }
      moves.append(move)
    }
    return moves
  }

  /// The log and report line.
  public var text: String {
    var line = "rule '" + rule.description + "' (" + rule.origin + "): "
    let expected = rule.expectedID.map { $0.bracketed } ?? ""
    if let found {
      line += "the expected device " + expected + " is now at " + found.address.description
      if let path { line += " (path:" + path.description + ")" }
    } else if candidates > 1 {
      line +=
        ASCII.decimal(candidates) + " devices " + expected
        + " are elsewhere (identical cards); not guessing which one it is"
    } else {
      line += "no device " + expected + " found elsewhere"
    }
    return line
  }

  /// The rule for the device where it is now, with every option but
  /// `expect=` (which `earlybind add` records afresh); nil unless found.
  public var replacement: Rule? {
    guard let found else { return nil }
    var rule = self.rule
    rule.selector = .address(found.address)
    rule.expectedID = nil
    rule.expectedSubsystem = nil
    return rule
  }
}
