// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS

/// Finds the PCI functions with a keyboard behind them, so no rule takes
/// the controller the disk passphrase is typed on unless it says
/// `allow-keyboard`. A keyboard is an input device whose capabilities
/// hold EV_KEY and every letter key; its sysfs path is traced up to the
/// nearest PCI function (a USB controller, a PS/2 bridge on PCI).
struct KeyboardGuard {
  var sysfs: String
  var fileSystem: any HostFileSystem

  /// KEY_Q..KEY_P, KEY_A..KEY_L, KEY_Z..KEY_M in linux/input-event-codes.h.
  static let letterKeys = Array(16...25) + Array(30...38) + Array(44...50)
  static let eventKey = 1

  func resolve(into report: inout RootDeviceReport) {
    let folder = Paths.join(sysfs, "class/input")
    guard let names = try? fileSystem.listDirectory(folder) else {
      report.warn("cannot list " + folder + ": keyboards are not guarded")
      return
    }
    for name in names.sorted() where name.hasPrefix("input") {
      let device = Paths.join(folder, name)
      guard Self.hasBits([Self.eventKey], in: attribute(device, "capabilities/ev")),
        Self.hasBits(Self.letterKeys, in: attribute(device, "capabilities/key"))
      else { continue }
      let label = attribute(device, "name").map { name + " (" + $0 + ")" } ?? name
      guard let real = try? fileSystem.resolvedPath(device) else {
        report.warn("keyboard " + label + ": cannot resolve " + device)
        continue
      }
      guard let address = Self.nearestPCIFunction(real) else {
        report.note("keyboard " + label + " sits on no PCI device: nothing to guard")
        continue
      }
      report.addNeed(.keyboard, address, what: label)
    }
  }

  func attribute(_ device: String, _ name: String) -> String? {
    guard let bytes = try? fileSystem.readFile(Paths.join(device, name), limit: 4096) else {
      return nil
    }
    let text = Text.trimmed(String(decoding: bytes, as: UTF8.self))
    return text.isEmpty ? nil : text
  }

  /// The last component of a sysfs device path that is a PCI address.
  static func nearestPCIFunction(_ path: String) -> PCIAddress? {
    for component in path.split(separator: "/").reversed() {
      if let address = PCIAddress(String(component)) { return address }
    }
    return nil
  }

  /// Whether a capability bitmap as sysfs shows it (hex words of the
  /// kernel's `long`, most significant first) has every bit of `bits`.
  static func hasBits(_ bits: [Int], in text: String?, wordBits: Int = Int.bitWidth) -> Bool {
    guard let text else { return false }
    var words: [UInt64] = []
    for word in text.split(separator: " ").reversed() {
      guard let value = UInt64(word, radix: 16) else { return false }
      words.append(value)
    }
    return bits.allSatisfy { bit in
      let index = bit / wordBits
      return index < words.count && words[index] & (1 << UInt64(bit % wordBits)) != 0
    }
  }
}
