// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// How the config's rules treat one device, as the planner decided it.
struct DeviceSelection: Hashable {
  enum Role: String {
    case selected, function, group, refused
  }

  var rule: Rule
  var role: Role
  var driver: String
  /// The selected device a function or group member follows.
  var parent: PCIAddress?
  /// Why a refused device is left alone, in the binder's words.
  var reason: String?

  /// What the binder writes before the driver probes; none when refused.
  var settings: [String] { role == .refused ? [] : rule.settings }

  /// `line 2 selected`, `line 2 function`, with the driver when not
  /// vfio-pci and the settings (`reset_method=flr,bus`).
  var summary: String {
    var text = rule.origin + " " + role.rawValue
    if role != .refused, driver != Rule.defaultDriver { text += " driver=" + driver }
    for setting in settings { text += " " + setting.replacing(" ", with: ",") }
    return text
  }

  /// A target wins over a refusal: a device claimed by one rule and
  /// refused by a later, conflicting one still goes to the first.
  init?(of address: PCIAddress, in plan: Plan) {
    if let target = plan.target(at: address) {
      rule = target.rule
      driver = target.driver
      switch target.reason {
      case .selected: role = .selected
      case .function(let parent):
        role = .function
        self.parent = parent
      case .group(let parent, _):
        role = .group
        self.parent = parent
      }
      return
    }
    guard let refusal = plan.refusals.first(where: { $0.device.address == address }) else {
      return nil
    }
    rule = refusal.rule
    role = .refused
    driver = refusal.rule.driver
    reason = PlanText.reason(refusal.reason)
  }
}
