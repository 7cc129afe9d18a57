// SPDX-License-Identifier: Apache-2.0
/// The words the binder logs and `earlybind plan` prints, in one place so
/// both say the same thing.
public enum PlanText {
  public static func device(_ device: PCIDevice) -> String {
    device.address.description + " " + device.identity.id.bracketed
  }

  public static func target(_ target: Target) -> String {
    var line = device(target.device) + " -> " + target.driver
    switch target.reason {
    case .selected:
      line += " (" + target.rule.origin + ": " + target.rule.selector.description + ")"
    case .function(let parent): line += " (function of " + parent.description + ")"
    case .group(let parent, let group):
      line += " (IOMMU group " + group + " of " + parent.description + ")"
    }
    switch target.action {
    case .bind: break
    case .alreadyBound: line += ", already bound"
    case .rebind(let from): line += ", unbinding " + from
    case .takeFromBuiltIn(let driver):
      line += ", taken from " + driver + " (built into the kernel, it binds before the binder runs)"
    case .heldBy(let driver):
      line += ", but " + driver + " is loaded and holds it (add rebind to take it)"
    case .beforeModule(let driver):
      line += " (" + driver + " holds it now; at boot it loads after the binder)"
    }
    let settings = target.rule.settings
    if !settings.isEmpty {
      line += "; sets "
      for (index, setting) in settings.enumerated() { line += (index == 0 ? "" : ", ") + setting }
    }
    return line
  }

  public static func refusal(_ refusal: Refusal) -> String {
    device(refusal.device) + " skipped: " + reason(refusal.reason)
  }

  /// Why a device is left alone, without the device: what `earlybind list`
  /// shows beside it.
  public static func reason(_ reason: RefusalReason) -> String {
    switch reason {
    case .bootVGA:
      return "boot GPU (boot_vga=1); add allow-boot-vga to take it"
    case .presumedBootGPU:
      return "no display device reports boot_vga=1, so the lowest-address one stays with the host"
        + " as the presumed boot GPU; add allow-boot-vga to take it"
    case .protected:
      return "holds a filesystem the host needs (root, /boot, /usr or swap)"
    case .hostNeed(.keyboard):
      return "a keyboard is behind it, needed at boot to type a disk passphrase;"
        + " add allow-keyboard to take it"
    case .hostNeed(.network):
      return "the boot's own network runs on it (ip=, network root or remote unlock);"
        + " add allow-network to take it"
    case .skippedOnCommandLine:
      return "listed in earlybind.skip"
    case .conflict(let driver, let rule):
      return "already given to " + driver + " by " + rule.origin
    case .addressMoved(let expected):
      return "the rule expects " + expected.bracketed
        + " here; the address now holds another device (hardware changed?)"
    case .groupHasGuardedMember(let member):
      return "it would take " + member.description
        + " along (same slot or IOMMU group), which is guarded"
    }
  }

  public static func unmatched(_ rule: Rule) -> String {
    "rule '" + rule.description + "' (" + rule.origin + ") matched no device"
  }
}
