// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Follows a block device down through sysfs to the PCI functions whose
/// controllers hold its data: partitions to their disk, device-mapper
/// (LVM, LUKS, multipath) and md RAID through `slaves/`, NVMe multipath
/// heads through `multipath/`, and a disk to the nearest PCI function on
/// its device path (`.../0000:00:1f.2/ata1/host0/.../block/sda`).
struct BlockTopology {
  /// What holds the data at the bottom of a chain.
  enum Holder: Hashable {
    case controller(PCIAddress)
    /// A loop device's backing file.
    case backingFile(String)
    /// A loop device whose backing file sysfs does not show.
    case detachedLoop
    /// zram or a RAM disk: no controller at all.
    case memory
    /// A device that sits on no PCI function (platform MMC, virtio-mmio,
    /// nbd, pmem, …); the path is relative to the sysfs root.
    case unplaced(String)
    /// No such block device in sysfs.
    case missing
  }

  /// One way down from a device: the names passed (`dm-0`, `nvme0n1p3`)
  /// and what holds the last.
  struct Leaf: Hashable {
    var chain: [String]
    var holder: Holder

    var chainText: String { chain.joined(separator: " > ") }
  }

  var sysfs: String
  var fileSystem: any HostFileSystem

  static let maximumDepth = 32

  var classBlock: String { Paths.join(sysfs, "class/block") }

  func exists(_ name: String) -> Bool {
    !name.isEmpty && name != "." && name != ".." && !name.contains("/")
      && fileSystem.exists(Paths.join(classBlock, name))
  }

  /// Every way down from the named block device (`sda2`, `dm-0`).
  func trace(_ name: String) -> [Leaf] {
    guard exists(name), let directory = resolve(Paths.join(classBlock, name)) else {
      return [Leaf(chain: [name], holder: .missing)]
    }
    var visited: Set<String> = []
    return trace(directory: directory, chain: [], visited: &visited)
  }

  private func trace(directory: String, chain: [String], visited: inout Set<String>) -> [Leaf] {
    let name = Paths.lastComponent(directory)
    let chain = chain + [name]
    guard chain.count <= Self.maximumDepth, visited.insert(directory).inserted else { return [] }
    let partition = fileSystem.exists(Paths.join(directory, "partition"))
    var lower = lowerDevices(of: directory)
    if lower.isEmpty && partition { lower = lowerDevices(of: Paths.parent(directory)) }
    if !lower.isEmpty {
      return lower.flatMap { trace(directory: $0, chain: chain, visited: &visited) }
    }
    if let address = nearestFunction(on: directory) {
      return [Leaf(chain: chain, holder: .controller(address))]
    }
    let disk = partition ? Paths.parent(directory) : directory
    let diskName = Paths.lastComponent(disk)
    if diskName.hasPrefix("loop") {
      let file = Paths.join(disk, "loop/backing_file")
      guard let bytes = try? fileSystem.readFile(file, limit: 4097), !bytes.isEmpty else {
        return [Leaf(chain: chain, holder: .detachedLoop)]
      }
      let path = String(decoding: bytes, as: UTF8.self)
      return [Leaf(chain: chain, holder: .backingFile(Self.trimmed(path)))]
    }
    if diskName.hasPrefix("zram") || diskName.hasPrefix("ram") {
      return [Leaf(chain: chain, holder: .memory)]
    }
    return [Leaf(chain: chain, holder: .unplaced(relativeToSysfs(directory)))]
  }

  /// The devices under a dm or md device (`slaves/`) or an NVMe
  /// multipath head (`multipath/`), as resolved directories.
  private func lowerDevices(of directory: String) -> [String] {
    var found: [String] = []
    for group in ["slaves", "multipath"] {
      let path = Paths.join(directory, group)
      guard let names = try? fileSystem.listDirectory(path) else { continue }
      for name in names.sorted() {
        if let target = resolve(Paths.join(path, name)) { found.append(target) }
      }
    }
    return found
  }

  /// The last path component below `devices/` that is a PCI address with
  /// its domain: the function nearest the disk, not the root port above it.
  func nearestFunction(on directory: String) -> PCIAddress? {
    let relative = relativeToSysfs(directory)
    for component in relative.split(separator: "/").reversed() {
      guard component.count(where: { $0 == ":" }) == 2,
        let address = PCIAddress(String(component))
      else { continue }
      return address
    }
    return nil
  }

  /// The block device with this device number (`/sys/dev/block/8:2`).
  func name(of number: DeviceNumber) -> String? {
    let link = Paths.join(sysfs, "dev/block/" + number.description)
    guard let target = resolve(link) else { return nil }
    let name = Paths.lastComponent(target)
    return exists(name) ? name : nil
  }

  /// The dm device a `/dev/mapper/NAME` names, by its `dm/name`.
  func deviceMapperDevice(named mapperName: String) -> String? {
    guard let names = try? fileSystem.listDirectory(classBlock) else { return nil }
    for name in names.sorted() where name.hasPrefix("dm-") {
      let file = Paths.join(Paths.join(classBlock, name), "dm/name")
      if let bytes = try? fileSystem.readFile(file, limit: 256),
        Self.trimmed(String(decoding: bytes, as: UTF8.self)) == mapperName
      {
        return name
      }
    }
    return nil
  }

  /// The other members of a multi-device btrfs filesystem the named
  /// device belongs to (`fs/btrfs/FSID/devices/`), itself included.
  func btrfsMembers(of name: String) -> [String] {
    let root = Paths.join(sysfs, "fs/btrfs")
    guard let filesystems = try? fileSystem.listDirectory(root) else { return [] }
    for filesystem in filesystems.sorted() {
      let devices = Paths.join(Paths.join(root, filesystem), "devices")
      guard let members = try? fileSystem.listDirectory(devices), members.contains(name)
      else { continue }
      return members.sorted()
    }
    return []
  }

  /// The directory a sysfs symlink points at, normalised without touching
  /// the file system beyond the one readlink (sysfs links are relative
  /// and have no links inside them); the path itself when it is no link.
  func resolve(_ path: String) -> String? {
    guard let target = try? fileSystem.readLink(path) else {
      return fileSystem.exists(path) ? path : nil
    }
    let joined = target.hasPrefix("/") ? target : Paths.join(Paths.parent(path), target)
    return Self.normalised(joined)
  }

  func relativeToSysfs(_ path: String) -> String {
    let base = sysfs.hasSuffix("/") ? sysfs : sysfs + "/"
    return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
  }

  static func normalised(_ path: String) -> String {
    var parts: [Substring] = []
    for part in path.split(separator: "/") {
      if part == "." { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
      } else {
        parts.append(part)
      }
    }
    return (path.hasPrefix("/") ? "/" : "") + parts.joined(separator: "/")
  }

  static func trimmed(_ text: String) -> String {
    var text = Substring(text)
    while let last = text.last, last == "\n" || last == " " || last == "\0" { text.removeLast() }
    return String(text)
  }
}
