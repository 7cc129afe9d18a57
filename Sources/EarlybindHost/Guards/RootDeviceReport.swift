// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

/// The storage controllers the host cannot boot or run without, and why;
/// with the devices it needs at boot that a rule may still take on
/// purpose (`needs`: keyboards, the boot's network).
struct RootDeviceReport {
  /// One thing a controller holds: `/` on `sda2`, with how it was found.
  struct Holding: Hashable {
    /// `/`, `/boot`, `swap`, `resume=`.
    var what: String
    /// The block device at the bottom of the chain (`sda2`, `nvme0n1p3`).
    var device: String
    /// How it was named and reached: `/dev/sda2`, `UUID=…`, `dm-0 > sda2`.
    var details: [String]

    var text: String {
      details.isEmpty ? what : what + " (" + details.joined(separator: ", ") + ")"
    }
  }

  var holdings: [PCIAddress: [Holding]] = [:]
  /// What each guarded device is needed for: `input3 (USB Keyboard)`.
  var needs: [GuardedAddress: [String]] = [:]
  /// What could not be traced to a PCI device and may need protecting by hand.
  var warnings: [String] = []
  /// What needs no controller (swap in zram, /var on tmpfs).
  var notes: [String] = []

  /// The addresses for `BindingTable.protectedAddresses`, sorted.
  var addresses: [PCIAddress] { holdings.keys.sorted() }

  /// The addresses for `BindingTable.guardedAddresses`, sorted.
  var guardedAddresses: [GuardedAddress] { needs.keys.sorted() }

  /// `0000:00:14.0 has keyboard input3 (…); allow-keyboard takes it`.
  func explanation(for guarded: GuardedAddress) -> String {
    guarded.address.description + " has " + guarded.need.name + " "
      + (needs[guarded] ?? []).joined(separator: ", ") + "; " + guarded.need.allowOption
      + " takes it"
  }

  /// `0000:00:1f.2 holds / (/dev/sda2, UUID=…), swap (/dev/sda3)`.
  func explanation(for address: PCIAddress) -> String {
    let held = holdings[address] ?? []
    return address.description + " holds " + held.map(\.text).joined(separator: ", ")
  }

  var explanations: [String] { addresses.map(explanation(for:)) }

  /// Whether some protected controller holds `what` (e.g. `/`).
  func protects(_ what: String) -> Bool {
    holdings.values.contains { $0.contains { $0.what == what } }
  }

  /// The whole report for a person: one line per protected controller,
  /// then the warnings and the notes.
  var text: String {
    var lines = explanations.map { "protected: " + $0 }
    if lines.isEmpty { lines.append("protected: nothing") }
    lines += guardedAddresses.map { "guarded: " + explanation(for: $0) }
    lines += warnings.map { "warning: " + $0 }
    lines += notes.map { "note: " + $0 }
    return lines.joined(separator: "\n") + "\n"
  }

  /// The warnings on standard error as `earlybind: warning: …`, so that
  /// standard output stays what scripts read.
  func printWarnings(to output: any TextOutput) {
    for warning in warnings { output.warn("warning: " + warning) }
  }

  mutating func add(_ address: PCIAddress, what: String, device: String, details: [String]) {
    var held = holdings[address] ?? []
    if let index = held.firstIndex(where: { $0.what == what && $0.device == device }) {
      for detail in details where !held[index].details.contains(detail) {
        held[index].details.append(detail)
      }
    } else {
      var unique: [String] = []
      for detail in details where !unique.contains(detail) { unique.append(detail) }
      held.append(Holding(what: what, device: device, details: unique))
    }
    holdings[address] = held
  }

  mutating func addNeed(_ need: HostNeed, _ address: PCIAddress, what: String) {
    let key = GuardedAddress(address, need: need)
    if !(needs[key] ?? []).contains(what) { needs[key, default: []].append(what) }
  }

  mutating func warn(_ message: String) {
    if !warnings.contains(message) { warnings.append(message) }
  }

  mutating func note(_ message: String) {
    if !notes.contains(message) { notes.append(message) }
  }
}
