// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// What `earlybind plan` shows, for people and for JSON.
struct PlanReport {
  enum Source: String {
    case config, table
  }

  var plan: Plan
  var options: BootOptions
  /// Where the rules came from.
  var source: Source
  var path: String
  /// The boot the plan is for; nil: drivers are judged as they are now.
  var nextBoot: NextBoot? = nil

  func text() -> String {
    var out = ""
    if options.disabled {
      out += "earlybind=off is on the command line: the binder would do nothing.\n"
    }
    for problem in options.problems {
      out += "command line: " + problem.description + " (ignored)\n"
    }
    if let nextBoot {
      out += "At the next boot with kernel " + nextBoot.kernel
      out += nextBoot.knowsBuiltIns ? ":\n" : " (its module tree is unreadable):\n"
    }
    if plan.targets.isEmpty {
      out += "No device would be bound.\n"
    } else {
      out += "Would bind:\n"
      for target in plan.targets { out += "  " + PlanText.target(target) + "\n" }
    }
    if !plan.refusals.isEmpty {
      out += "Refused:\n"
      for refusal in plan.refusals { out += "  " + PlanText.refusal(refusal) + "\n" }
    }
    if !plan.unmatchedRules.isEmpty {
      out += "Unmatched:\n"
      for rule in plan.unmatchedRules { out += "  " + PlanText.unmatched(rule) + "\n" }
    }
    if !plan.modules.isEmpty {
      out += "Modules to load: " + plan.modules.map(\.name).joined(separator: " ") + "\n"
    }
    if options.dryRun {
      out += "earlybind.dry_run is set: the binder would only log this.\n"
    }
    return out
  }
}
