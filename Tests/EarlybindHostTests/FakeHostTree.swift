// SPDX-License-Identifier: Apache-2.0
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport

@testable import EarlybindHost

/// A host's storage as the root device guard sees it, in a temp directory
/// removed with the value:
///
///     proc/{self/mounts,cmdline,swaps}   etc/fstab   dev/
///     sys/devices/.../block/<disk>[/<partition>]   sys/class/block/<name> -> ...
///     sys/devices/virtual/block/<dm-N|mdN>/slaves/<name> -> ...
///     sys/dev/block/<MAJ:MIN> -> ...
final class FakeHostTree {
  let root: TemporaryDirectory
  var path: String { root.path }
  var sys: String { path + "/sys" }
  var paths: HostPaths {
    var paths = HostPaths()
    paths.proc = path + "/proc"
    paths.fstab = path + "/etc/fstab"
    paths.sysfs = sys
    paths.dev = path + "/dev"
    return paths
  }
  /// Where each block device lives, relative to sys/.
  private(set) var locations: [String: String] = [:]

  init() throws {
    root = try TemporaryDirectory()
    for directory in ["proc/self", "etc", "dev", "sys/class/block", "sys/dev/block"] {
      try makeDirectory(directory)
    }
  }

  func makeDirectory(_ relative: String) throws { try root.makeDirectory(relative) }

  func write(_ relative: String, _ text: String) throws { try root.write(relative, text) }

  /// A relative symlink at `relative` pointing at `target`, both relative to the root.
  func link(_ relative: String, to target: String) throws {
    let depth = relative.split(separator: "/").count - 1
    try root.link(relative, to: String(repeating: "../", count: depth) + target)
  }

  func mounts(_ text: String) throws { try write("proc/self/mounts", text) }
  func fstab(_ text: String) throws { try write("etc/fstab", text) }
  func cmdline(_ text: String) throws { try write("proc/cmdline", text + "\n") }
  func swaps(_ lines: [String]) throws {
    try write(
      "proc/swaps",
      (["Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority"] + lines).joined(separator: "\n")
        + "\n")
  }

  /// A block device at `devicePath` (relative to sys/, e.g.
  /// `devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda`).
  func block(_ devicePath: String, number: (UInt32, UInt32)? = nil) throws {
    let name = String(devicePath.split(separator: "/").last!)
    try makeDirectory("sys/" + devicePath)
    try write("sys/" + devicePath + "/size", "1000\n")
    try link("sys/class/block/" + name, to: "sys/" + devicePath)
    if let (major, minor) = number {
      try link("sys/dev/block/\(major):\(minor)", to: "sys/" + devicePath)
    }
    locations[name] = devicePath
  }

  /// Partitions `name` of a disk made with `block` (`partition` file included).
  func partition(_ name: String, of disk: String, number: Int) throws {
    let devicePath = locations[disk]! + "/" + name
    try block(devicePath)
    try write("sys/" + devicePath + "/partition", "\(number)\n")
  }

  /// A dm or md device over `lower` (`slaves/`), or an NVMe head (`group: "multipath"`).
  func virtual(
    _ name: String, over lower: [String], group: String = "slaves", mapperName: String? = nil,
    under parent: String = "devices/virtual/block"
  ) throws {
    let devicePath = parent + "/" + name
    try block(devicePath)
    try makeDirectory("sys/" + devicePath + "/" + group)
    for member in lower {
      try link("sys/" + devicePath + "/" + group + "/" + member, to: "sys/" + locations[member]!)
    }
    if let mapperName { try write("sys/" + devicePath + "/dm/name", mapperName + "\n") }
  }

  /// The guard over this tree; tags resolve through `tags` (tag text to device names).
  func rootGuard(
    tags: [String: [String]] = [:], mounted: [String: (UInt32, UInt32)] = [:]
  ) -> RootDeviceGuard {
    RootDeviceGuard(
      paths: paths, tags: TableTagResolver(table: tags), fileSystem: PosixFileSystem(),
      mountedDevice: { point in mounted[point].map { DeviceNumber(major: $0.0, minor: $0.1) } })
  }
}

/// Tags looked up in a table, for trees with no real filesystems on them.
struct TableTagResolver: BlockTagResolver {
  var table: [String: [String]]

  func devices(matching tag: BlockTag) -> [String] {
    table[tag.description] ?? []
  }
}

/// Common controller paths.
enum FakeDisks {
  static let ahci = "devices/pci0000:00/0000:00:1f.2"
  static let sda = ahci + "/ata1/host0/target0:0:0/0:0:0:0/block/sda"
  static let nvme = "devices/pci0000:00/0000:00:01.1/0000:01:00.0"
  static let nvme0n1 = nvme + "/nvme/nvme0/nvme0n1"
  static let hba = "devices/pci0000:00/0000:00:03.0/0000:02:00.0"
  static let sdb = hba + "/host1/target1:0:0/1:0:0:0/block/sdb"
  static let ahci2 = "devices/pci0000:00/0000:00:1c.0/0000:03:00.0"
  static let sdc = ahci2 + "/ata3/host2/target2:0:0/2:0:0:0/block/sdc"
}
