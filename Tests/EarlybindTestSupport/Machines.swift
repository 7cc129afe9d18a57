// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// A typical two-GPU workstation: identical GPUs with HDMI audio, the
/// first the firmware's boot GPU, each behind its own root port.
public enum Machine {
  public static let hostBridge = FakeDevice(
    address: "0000:00:00.0", vendor: 0x8086, device: 0x3E30, classCode: 0x06_0000, group: 0)
  public static let rootPort1 = FakeDevice(
    address: "0000:00:01.0", vendor: 0x8086, device: 0x1901, classCode: 0x06_0400, group: 1,
    secondaryBus: 1)
  public static let rootPort2 = FakeDevice(
    address: "0000:00:01.1", vendor: 0x8086, device: 0x1905, classCode: 0x06_0400, group: 2,
    secondaryBus: 2)
  public static let xhci = FakeDevice(
    address: "0000:00:14.0", vendor: 0x8086, device: 0xA36D, subsystemVendor: 0x1028,
    subsystemDevice: 0x085A, classCode: 0x0C_0330, group: 3)
  public static let sram = FakeDevice(
    address: "0000:00:14.2", vendor: 0x8086, device: 0xA36F, classCode: 0x05_0000, group: 3)
  /// The firmware's console GPU.
  public static let bootGPU = FakeDevice(
    address: "0000:01:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x03_0000, bootVGA: true, group: 1)
  public static let bootAudio = FakeDevice(
    address: "0000:01:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x04_0300, group: 1)
  /// The identical second GPU, meant for a guest.
  public static let guestGPU = FakeDevice(
    address: "0000:02:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x03_0000, bootVGA: false, group: 2)
  public static let guestAudio = FakeDevice(
    address: "0000:02:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
    subsystemDevice: 0x3702, classCode: 0x04_0300, group: 2)
  public static let nvme = FakeDevice(
    address: "0000:03:00.0", vendor: 0x144D, device: 0xA808, classCode: 0x01_0802, group: 4)

  public static let all = [
    hostBridge, rootPort1, rootPort2, xhci, sram, bootGPU, bootAudio, guestGPU, guestAudio, nvme,
  ]

  /// The machine in a fake sysfs whose driver_override files start empty.
  public static func build(
    _ devices: [FakeDevice] = all, cmdline: String = "BOOT_IMAGE=/vmlinuz root=/dev/nvme0n1p2 ro\n",
    memory: MemoryFileSystem? = nil
  ) throws -> FakeSysfs {
    try FakeSysfs(cmdline: cmdline, blankOverrides: true, devices: devices, memory: memory)
  }

  /// `all`, with the devices at the replacements' addresses swapped for them.
  public static func replacing(_ replacements: FakeDevice...) -> [FakeDevice] {
    all.map { device in replacements.first { $0.address == device.address } ?? device }
  }
}

/// A workstation as a running host shows it to the host tool: two
/// identical GTX 1080s with their HDMI audio, the first the boot GPU on
/// nvidia, the second already on vfio-pci; USB, SMBus, NVMe, a host bridge
/// and a root port; reset methods as recent kernels show them.
public enum Workstation {
  public static let devices = [
    FakeDevice(
      address: "0000:00:00.0", vendor: 0x8086, device: 0x3E30, classCode: 0x060000, group: 0),
    FakeDevice(
      address: "0000:00:01.0", vendor: 0x8086, device: 0x1901, classCode: 0x060400,
      driver: "pcieport", group: 1, secondaryBus: 1),
    FakeDevice(
      address: "0000:01:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
      subsystemDevice: 0x3702, classCode: 0x030000, bootVGA: true, driver: "nvidia",
      resetMethod: "flr bus", group: 1),
    FakeDevice(
      address: "0000:01:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
      subsystemDevice: 0x3702, classCode: 0x040300, driver: "snd_hda_intel",
      resetMethod: "flr", group: 1),
    FakeDevice(
      address: "0000:02:00.0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
      subsystemDevice: 0x3702, classCode: 0x030000, bootVGA: false,
      driverOverride: "vfio-pci", reset: true, group: 2),
    FakeDevice(
      address: "0000:02:00.1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
      subsystemDevice: 0x3702, classCode: 0x040300, driver: "vfio-pci",
      driverOverride: "vfio-pci", group: 2),
    FakeDevice(
      address: "0000:00:14.0", vendor: 0x8086, device: 0xA36D, classCode: 0x0C0330,
      driver: "xhci_hcd", group: 3),
    FakeDevice(
      address: "0000:00:1f.4", vendor: 0x8086, device: 0xA323, classCode: 0x0C0500, group: 4),
    FakeDevice(
      address: "0000:03:00.0", vendor: 0x144D, device: 0xA808, subsystemVendor: 0x144D,
      subsystemDevice: 0xA801, classCode: 0x010802, driver: "nvme", resetMethod: "flr bus",
      group: 5),
  ]

  /// The workstation in a fake sysfs; `iommu: false` as with the IOMMU off.
  public static func build(iommu: Bool = true, memory: MemoryFileSystem? = nil) throws
    -> FakeSysfs
  {
    try FakeSysfs(iommu: iommu, devices: devices, memory: memory)
  }
}

/// The devices QEMU gives the e2e guests: the bochs-drm VGA (1234:1111),
/// its intel-hda audio and virtio storage.
public enum QEMU {
  public static func vga(_ address: String, boot: Bool) -> FakeDevice {
    FakeDevice(
      address: address, vendor: 0x1234, device: 0x1111, subsystemVendor: 0x1AF4,
      subsystemDevice: 0x1100, classCode: 0x03_0000, bootVGA: boot)
  }

  public static func audio(_ address: String) -> FakeDevice {
    FakeDevice(
      address: address, vendor: 0x8086, device: 0x2668, subsystemVendor: 0x1AF4,
      subsystemDevice: 0x1100, classCode: 0x04_0300)
  }

  public static func storage(_ address: String) -> FakeDevice {
    FakeDevice(
      address: address, vendor: 0x1AF4, device: 0x1001, subsystemVendor: 0x1AF4,
      subsystemDevice: 0x0002, classCode: 0x01_0000)
  }
}

/// A machine before and after a card is added under a root port that
/// enumerates earlier: every bus behind the later root port moves up by
/// two, and the newcomer, the same model as the guest's GPU, takes the old
/// address of the guest's GPU.
///
///     before: 00:01.0 -> 01 boot GPU;  00:1c.0 -> 02: bridge 02:00.0 -> 03: GPU
///     after:  00:1b.0 -> 02: bridge 02:00.0 -> 03: twin GPU (the newcomer)
///             00:1c.0 -> 04: bridge 04:00.0 -> 05: GPU
public enum Renumbering {
  static func rootPort(_ slot: String, _ bus: UInt8, group: Int) -> FakeDevice {
    FakeDevice(
      address: "0000:00:" + slot, vendor: 0x8086, device: 0xA33C, classCode: 0x06_0400,
      driver: "pcieport", group: group, secondaryBus: bus)
  }

  static func bridge(_ bus: UInt8, to secondary: UInt8, group: Int) -> FakeDevice {
    FakeDevice(
      address: "0000:" + FakeDevice.hex(UInt32(bus), 2, upper: false) + ":00.0",
      vendor: 0x1B21, device: 0x1080, classCode: 0x06_0400, group: group,
      secondaryBus: secondary)
  }

  static func gpu(_ bus: UInt8, group: Int, boot: Bool = false) -> [FakeDevice] {
    let prefix = "0000:" + FakeDevice.hex(UInt32(bus), 2, upper: false) + ":00."
    return [
      FakeDevice(
        address: prefix + "0", vendor: 0x10DE, device: 0x1B80, subsystemVendor: 0x1458,
        subsystemDevice: 0x3702, classCode: 0x03_0000, bootVGA: boot, group: group),
      FakeDevice(
        address: prefix + "1", vendor: 0x10DE, device: 0x10F0, subsystemVendor: 0x1458,
        subsystemDevice: 0x3702, classCode: 0x04_0300, group: group),
    ]
  }

  public static let before: [FakeDevice] =
    [Machine.hostBridge, rootPort("01.0", 1, group: 1), rootPort("1c.0", 2, group: 2)]
    + gpu(1, group: 1, boot: true) + [bridge(2, to: 3, group: 2)] + gpu(3, group: 2)

  public static let after: [FakeDevice] =
    [
      Machine.hostBridge, rootPort("01.0", 1, group: 1), rootPort("1b.0", 2, group: 3),
      rootPort("1c.0", 4, group: 2),
    ]
    + gpu(1, group: 1, boot: true) + [bridge(2, to: 3, group: 3)] + gpu(3, group: 3)
    + [bridge(4, to: 5, group: 2)] + gpu(5, group: 2)

  /// `after` with a network card as the newcomer instead of the twin, and
  /// a boot GPU of another model: the GPU's old address now holds another
  /// device, and the GPU is the only one of its model.
  public static let afterWithNIC: [FakeDevice] =
    after.filter { !$0.address.hasPrefix("0000:03:") }.map {
      $0.address.hasPrefix("0000:01:") ? $0.with(device: $0.device + 1) : $0
    } + [
      FakeDevice(
        address: "0000:03:00.0", vendor: 0x8086, device: 0x1533, classCode: 0x02_0000, group: 3)
    ]
}
