// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Testing

@testable import EarlybindHost

@Suite("KeyboardGuard")
struct KeyboardGuardTests {
  /// A full keyboard's key bitmap as a 64-bit kernel shows it (QEMU's usb-kbd).
  static let keyboardKeys = "1000000000007 ff800000000007ff febeffdfffefffff fffffffffffffffe"
  /// A mouse: buttons only.
  static let mouseKeys = "1f0000 0 0 0 0"
  /// A power button: KEY_POWER only.
  static let powerKeys = "10000000000000 0"

  /// An input device at `devicePath` (relative to sys/) with its class link.
  func input(
    _ tree: FakeHostTree, _ name: String, at devicePath: String, keys: String,
    ev: String = "120013",
    label: String
  ) throws {
    let folder = "sys/" + devicePath + "/" + name
    try tree.write(folder + "/capabilities/key", keys + "\n")
    try tree.write(folder + "/capabilities/ev", ev + "\n")
    try tree.write(folder + "/name", label + "\n")
    try tree.link("sys/class/input/" + name, to: folder)
  }

  func resolve(_ tree: FakeHostTree) -> RootDeviceReport {
    var report = RootDeviceReport()
    KeyboardGuard(sysfs: tree.sys, fileSystem: PosixFileSystem()).resolve(into: &report)
    return report
  }

  @Test func guardsTheControllerUnderEachKeyboard() throws {
    let tree = try FakeHostTree()
    try tree.makeDirectory("sys/class/input")
    let xhci = "devices/pci0000:00/0000:00:06.0"
    try input(
      tree, "input3", at: xhci + "/usb1/1-1/1-1:1.0/0003:0627:0001.0001/input",
      keys: Self.keyboardKeys, label: "QEMU QEMU USB Keyboard")
    // A mouse on a second controller and a power button on the platform bus.
    try input(
      tree, "input4", at: "devices/pci0000:00/0000:00:07.0/usb2/2-1/2-1:1.0/input",
      keys: Self.mouseKeys, ev: "17", label: "USB Mouse")
    try input(
      tree, "input0", at: "devices/LNXSYSTM:00/LNXPWRBN:00/input", keys: Self.powerKeys,
      ev: "3", label: "Power Button")
    // A keyboard behind a bridge: the function nearest to it is guarded.
    try input(
      tree, "input5",
      at: "devices/pci0000:00/0000:00:1c.0/0000:05:00.0/usb3/3-2/3-2:1.0/0003:046D:C31C.0002/input",
      keys: Self.keyboardKeys, label: "Logitech USB Keyboard")
    // An AT keyboard on i8042 sits on no PCI device.
    try input(
      tree, "input1", at: "devices/platform/i8042/serio0/input", keys: Self.keyboardKeys,
      label: "AT Translated Set 2 keyboard")
    let report = resolve(tree)
    #expect(
      report.guardedAddresses == [
        GuardedAddress(PCIAddress("0000:00:06.0")!, need: .keyboard),
        GuardedAddress(PCIAddress("0000:05:00.0")!, need: .keyboard),
      ])
    #expect(report.addresses.isEmpty, "keyboards are guarded, not protected")
    #expect(
      report.text.contains(
        "guarded: 0000:00:06.0 has keyboard input3 (QEMU QEMU USB Keyboard);"
          + " allow-keyboard takes it"))
    #expect(
      report.notes == [
        "keyboard input1 (AT Translated Set 2 keyboard) sits on no PCI device: nothing to guard"
      ])
    #expect(report.warnings.isEmpty)
  }

  @Test func aKeyboardNeedsEveryLetterAndEVKey() throws {
    let letters = KeyboardGuard.letterKeys
    #expect(KeyboardGuard.hasBits(letters, in: Self.keyboardKeys))
    #expect(!KeyboardGuard.hasBits(letters, in: Self.mouseKeys))
    #expect(!KeyboardGuard.hasBits(letters, in: Self.powerKeys))
    #expect(!KeyboardGuard.hasBits(letters, in: "0"))
    #expect(!KeyboardGuard.hasBits(letters, in: "zz"))
    #expect(!KeyboardGuard.hasBits(letters, in: nil))
    // KEY_M (50) missing.
    #expect(!KeyboardGuard.hasBits(letters, in: "fffbffffffffffff"))
    #expect(KeyboardGuard.hasBits(letters, in: "7fffffffffffff"))
    // A 32-bit kernel's words: KEY_A..KEY_D are in the second word from the end.
    #expect(KeyboardGuard.hasBits(letters, in: "7ffff fffffffe", wordBits: 32))
    #expect(!KeyboardGuard.hasBits(letters, in: "fffffffe", wordBits: 32))

    let tree = try FakeHostTree()
    try tree.makeDirectory("sys/class/input")
    try input(
      tree, "input2", at: "devices/pci0000:00/0000:00:06.0/usb1/1-1/input",
      keys: Self.keyboardKeys, ev: "1", label: "no EV_KEY")
    #expect(resolve(tree).guardedAddresses.isEmpty)
  }

  @Test func noInputClassIsAWarning() throws {
    let tree = try FakeHostTree()
    let report = resolve(tree)
    #expect(report.guardedAddresses.isEmpty)
    #expect(report.warnings.first?.hasSuffix("keyboards are not guarded") == true)
  }
}
