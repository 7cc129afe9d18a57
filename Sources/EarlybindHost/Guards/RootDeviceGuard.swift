// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Finds the PCI storage controllers holding what the host needs to boot
/// and run: the filesystems at `/`, `/boot`, `/boot/efi`, `/efi`, `/usr`
/// and `/var`, active and configured swap, and the kernel's `root=` and
/// `resume=`. The binder must never take these.
///
/// Sources: /proc/self/mounts, /etc/fstab, /proc/swaps, /proc/cmdline; tags
/// through a `BlockTagResolver` (libblkid on the real system); block
/// devices to PCI functions through sysfs (`BlockTopology`). Everything it
/// cannot trace becomes a warning, never a silent gap.
struct RootDeviceGuard {
  static let defaultMountPoints = ["/", "/boot", "/boot/efi", "/efi", "/usr", "/var"]

  /// Where the host's state is read (proc, fstab, sysfs, dev).
  var paths: HostPaths
  var tags: any BlockTagResolver
  var mountPoints: [String]
  /// The device number of the filesystem mounted at a path (stat's
  /// `st_dev`), for sources like `/dev/root` that name no device node.
  var mountedDevice: (String) -> DeviceNumber?
  var fileSystem: any HostFileSystem

  init(
    paths: HostPaths = HostPaths(), tags: any BlockTagResolver,
    mountPoints: [String] = Self.defaultMountPoints,
    fileSystem: any HostFileSystem,
    mountedDevice: @escaping (String) -> DeviceNumber? = { _ in nil }
  ) {
    self.paths = paths
    self.tags = tags
    self.mountPoints = mountPoints
    self.fileSystem = fileSystem
    self.mountedDevice = mountedDevice
  }

  /// The running host: its /proc, /etc/fstab, /sys and /dev, libblkid and stat(2).
  static func system(paths: HostPaths, fileSystem: any HostFileSystem) -> RootDeviceGuard {
    RootDeviceGuard(
      paths: paths, tags: SystemTagResolver(), fileSystem: fileSystem,
      mountedDevice: { try? fileSystem.status($0).device })
  }

  func resolve() -> RootDeviceReport {
    var run = Run(guarded: self)
    run.readMounts()
    run.readFstab()
    run.readCommandLine()
    run.readSwaps()
    if !run.report.protects("/") {
      run.report.warn("no PCI controller found that holds /: protect it by hand")
    }
    if let problem = tags.problem { run.report.warn("tag lookup may be incomplete: " + problem) }
    return run.report
  }
}

extension RootDeviceGuard {
  /// Filesystem types with no storage behind them.
  static let memoryTypes: Set<String> = ["tmpfs", "ramfs", "devtmpfs", "rootfs"]
  static let networkTypes: Set<String> = [
    "nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "fuse.sshfs", "fuse.glusterfs",
    "9p", "afs", "ncpfs",
  ]
  static let overlayTypes: Set<String> = ["overlay", "aufs", "unionfs", "fuse.unionfs"]

  /// One resolution: the tables read so far and the report being built.
  fileprivate struct Run {
    var guarded: RootDeviceGuard
    var topology: BlockTopology
    var fileSystem: any HostFileSystem { guarded.fileSystem }
    var mounts: [MountEntry] = []
    var report = RootDeviceReport()

    init(guarded: RootDeviceGuard) {
      self.guarded = guarded
      topology = BlockTopology(sysfs: guarded.paths.sysfs, fileSystem: guarded.fileSystem)
    }

    func read(_ path: String) -> Result<String, SystemError> {
      do {
        let bytes = try fileSystem.readFile(path, limit: 1 << 20)
        return .success(String(decoding: bytes, as: UTF8.self))
      } catch {
        return .failure(error)
      }
    }

    mutating func readMounts() {
      let own = Paths.join(guarded.paths.proc, "self/mounts")
      let shared = Paths.join(guarded.paths.proc, "mounts")
      var origin = own
      var text = read(own)
      if case .failure = text {
        origin = shared
        text = read(shared)
      }
      switch text {
      case .failure(let error):
        report.warn("cannot read " + origin + ": " + error.description)
      case .success(let text):
        mounts = MountTable.parse(text)
        for entry in mounts
        where guarded.mountPoints.contains(entry.mountPoint) && entry.type != "rootfs" {
          mount(entry, origin: origin, mounted: true)
        }
      }
    }

    mutating func readFstab() {
      switch read(guarded.paths.fstab) {
      case .failure(let error):
        report.warn("cannot read " + guarded.paths.fstab + ": " + error.description)
      case .success(let text):
        for entry in MountTable.parse(text) {
          if entry.isSwap {
            swap(entry.source, origin: guarded.paths.fstab)
          } else if guarded.mountPoints.contains(entry.mountPoint) {
            mount(entry, origin: guarded.paths.fstab, mounted: false)
          }
        }
      }
    }

    mutating func readCommandLine() {
      let origin = Paths.join(guarded.paths.proc, "cmdline")
      switch read(origin) {
      case .failure(let error):
        report.warn("cannot read " + origin + ": " + error.description)
      case .success(let text):
        let line = KernelCommandLine(text)
        if let root = line.value(of: "root") {
          kernelDevice(root, key: "root", what: "/", type: line.value(of: "rootfstype"))
        }
        if let resume = line.value(of: "resume") {
          kernelDevice(resume, key: "resume", what: "resume=", type: nil)
        }
      }
    }

    mutating func readSwaps() {
      let origin = Paths.join(guarded.paths.proc, "swaps")
      switch read(origin) {
      case .failure(let error):
        report.warn("cannot read " + origin + ": " + error.description)
      case .success(let text):
        for entry in MountTable.parseSwaps(text) { swap(entry.path, origin: origin) }
      }
    }

    mutating func mount(_ entry: MountEntry, origin: String, mounted: Bool) {
      let what = entry.mountPoint
      if entry.type == "autofs" {
        report.note(what + " is an automount point in " + origin + "; its fstab entry is checked")
        return
      }
      if BlockTag(parsing: entry.source) == nil && !entry.source.hasPrefix("/dev/") {
        if mounted, let name = mountedDeviceName(what) {
          hold(what, name: name, details: [entry.source], type: entry.type, depth: 0)
        } else {
          nonDevice(what, source: entry.source, type: entry.type, origin: origin)
        }
        return
      }
      source(
        entry.source, what: what, type: entry.type, origin: origin,
        fallback: mounted ? mountedDeviceName(what) : nil, depth: 0)
    }

    mutating func swap(_ path: String, origin: String) {
      if BlockTag(parsing: path) != nil || path.hasPrefix("/dev/") {
        source(path, what: "swap", type: "swap", origin: origin, fallback: nil, depth: 0)
      } else if path.hasPrefix("/") {
        file(path, what: "swap", detail: "swap file " + path, origin: origin, depth: 0)
      } else {
        report.warn(origin + ": swap " + path + " is neither a device nor a file path")
      }
    }

    /// `root=` and `resume=`: tags, `/dev/…`, `MAJ:MIN`, hex device numbers.
    mutating func kernelDevice(_ value: String, key: String, what: String, type: String?) {
      let origin = Paths.join(guarded.paths.proc, "cmdline")
      var spec = value.hasPrefix("block:") ? String(value.dropFirst(6)) : value
      if spec.hasPrefix("PARTUUID="), let slash = spec.firstIndex(of: "/") {
        spec = String(spec[..<slash])  // PARTNROFF= picks a partition of the same disk
      }
      let detail = key + "=" + value
      if BlockTag(parsing: spec) != nil || (spec.hasPrefix("/dev/") && spec != "/dev/nfs") {
        source(
          spec, what: what, type: type, origin: origin, fallback: nil, depth: 0, label: detail)
      } else if topology.exists(spec) {
        hold(what, name: spec, details: [detail], type: type, depth: 0)
      } else if let number = Self.deviceNumber(spec) {
        guard let name = topology.name(of: number) else {
          report.warn(origin + ": " + detail + " names no block device in sysfs")
          return
        }
        hold(what, name: name, details: [detail], type: type, depth: 0)
      } else if spec == "/dev/nfs" || spec.hasPrefix("nfs") || spec.hasPrefix("ZFS=") {
        nonDevice(
          what, source: detail, type: spec.hasPrefix("ZFS=") ? "zfs" : "nfs", origin: origin)
      } else {
        report.warn(origin + ": " + detail + " is not a form this check understands")
      }
    }

    /// `MAJ:MIN` in decimal or the old hexadecimal `MMmm`.
    static func deviceNumber(_ text: String) -> DeviceNumber? {
      let parts = text.split(separator: ":", omittingEmptySubsequences: false)
      if parts.count == 2, let major = UInt32(parts[0]), let minor = UInt32(parts[1]) {
        return DeviceNumber(major: major, minor: minor)
      }
      guard parts.count == 1, (3...8).contains(text.count), let value = UInt64(text, radix: 16)
      else { return nil }
      return DeviceNumber(encoded: value)
    }

    /// A source that names a device: a tag or a path under /dev.
    mutating func source(
      _ spec: String, what: String, type: String?, origin: String, fallback: String?,
      depth: Int, extra: [String] = [], label: String? = nil
    ) {
      let shown = label ?? spec
      if let tag = BlockTag(parsing: spec) {
        let found = guarded.tags.devices(matching: tag)
        if found.isEmpty {
          if let fallback {
            hold(what, name: fallback, details: extra + [shown], type: type, depth: depth)
          } else {
            report.warn(origin + ": " + shown + " (" + what + ") matches no block device")
          }
          return
        }
        for device in found {
          let path = devicePath(device)
          guard let name = blockName(path) else {
            report.warn(
              origin + ": " + shown + " (" + what + ") is " + path + ", which is not in sysfs")
            continue
          }
          hold(what, name: name, details: extra + [shown, path], type: type, depth: depth)
        }
        return
      }
      guard let name = blockName(spec) ?? fallback else {
        report.warn(origin + ": " + shown + " (" + what + ") is not a block device in sysfs")
        return
      }
      hold(what, name: name, details: extra + [shown], type: type, depth: depth)
    }

    /// A filesystem with no device node behind its source.
    mutating func nonDevice(_ what: String, source: String, type: String, origin: String) {
      let subject = what + " (" + source + ", " + type + ")"
      if RootDeviceGuard.memoryTypes.contains(type) {
        report.note(subject + " is in memory: no controller to protect")
      } else if RootDeviceGuard.networkTypes.contains(type) || type.hasPrefix("nfs") {
        report.warn(
          subject + " is on the network: the network device it needs is not protected")
      } else if type == "zfs" {
        report.warn(
          subject + " is a ZFS dataset: protect the controllers of its pool's disks by hand")
      } else if RootDeviceGuard.overlayTypes.contains(type) {
        report.warn(
          subject + " is an overlay: the storage under its layers is not traced;"
            + " protect it by hand")
      } else {
        report.warn(
          origin + ": " + subject + " is not a block device; its storage is not traced")
      }
    }

    /// A swap file or a loop device's backing file: the filesystem holding it.
    mutating func file(_ path: String, what: String, detail: String, origin: String, depth: Int) {
      guard depth < 4 else {
        report.warn(what + ": " + detail + " nests files too deeply to trace")
        return
      }
      guard let holder = containingMount(path) else {
        report.warn(what + ": no mounted filesystem holds " + path + " (" + detail + ")")
        return
      }
      let details = [detail, "on " + holder.mountPoint]
      if BlockTag(parsing: holder.source) == nil && !holder.source.hasPrefix("/dev/") {
        if let name = mountedDeviceName(holder.mountPoint) {
          hold(what, name: name, details: details, type: holder.type, depth: depth + 1)
        } else {
          nonDevice(what, source: detail, type: holder.type, origin: origin)
        }
        return
      }
      source(
        holder.source, what: what, type: holder.type, origin: origin,
        fallback: mountedDeviceName(holder.mountPoint), depth: depth + 1, extra: details)
    }

    /// The mount with the longest mount point above `path` (the last one
    /// mounted there, when several are).
    func containingMount(_ path: String) -> MountEntry? {
      var best: MountEntry? = nil
      for entry in mounts {
        let point = entry.mountPoint
        let inside =
          point == "/" || path == point
          || path.hasPrefix(point.hasSuffix("/") ? point : point + "/")
        if inside, best.map({ point.count >= $0.mountPoint.count }) ?? true { best = entry }
      }
      return best
    }

    /// Traces a block device and records what holds each way down.
    mutating func hold(_ what: String, name: String, details: [String], type: String?, depth: Int) {
      var names = [name]
      if type == "btrfs" {
        for member in topology.btrfsMembers(of: name) where !names.contains(member) {
          names.append(member)
        }
      }
      for start in names {
        for leaf in topology.trace(start) {
          var leafDetails = details
          if leaf.chain != [Paths.lastComponent(details.last ?? "")] && leaf.chain.count > 0 {
            leafDetails.append(leaf.chainText)
          }
          let subject = what + " (" + leafDetails.joined(separator: ", ") + ")"
          let device = leaf.chain.last ?? start
          switch leaf.holder {
          case .controller(let address):
            report.add(address, what: what, device: device, details: leafDetails)
          case .backingFile(let file):
            report.warn(
              subject + " is on the loop device " + device + ", backed by the file " + file
                + ": no PCI device holds it directly; the file's filesystem is checked")
            self.file(
              file, what: what, detail: device + " file " + file, origin: "sysfs",
              depth: depth + 1)
          case .detachedLoop:
            report.warn(subject + " is on the loop device " + device + " with no backing file")
          case .memory:
            report.note(subject + " is in memory (" + device + "): no controller to protect")
          case .unplaced(let path):
            report.warn(
              subject + " is on " + device + ", which sits on no PCI device (" + path
                + "): protect its controller by hand")
          case .missing:
            report.warn(subject + ": " + device + " is not a block device in sysfs")
          }
        }
      }
    }

    /// A resolver's answer as a /dev path: bare names get `/dev/`, and
    /// paths inside an injected dev tree are read as the /dev they stand for.
    func devicePath(_ device: String) -> String {
      let dev = guarded.paths.dev.hasSuffix("/") ? guarded.paths.dev : guarded.paths.dev + "/"
      if dev != "/dev/" && device.hasPrefix(dev) { return "/dev/" + device.dropFirst(dev.count) }
      return device.hasPrefix("/") ? device : "/dev/" + device
    }

    /// The sysfs name of a device path: its device number when it is a
    /// block device node, else the name after following /dev symlinks
    /// (`/dev/mapper/root` -> `dm-0`), else the dm device with that
    /// mapper name (`/dev/mapper/NAME`, `/dev/VG/LV`).
    func blockName(_ path: String) -> String? {
      guard path.hasPrefix("/dev/") else { return nil }
      let rest = String(path.dropFirst(5))
      let inTree = Paths.join(guarded.paths.dev, rest)
      if let node = try? fileSystem.status(inTree), node.kind == .blockDevice,
        let name = topology.name(of: node.representedDevice)
      {
        return name
      }
      if let real = try? fileSystem.resolvedPath(inTree) {
        let name = Paths.lastComponent(real)
        if topology.exists(name) { return name }
      }
      let parts = rest.split(separator: "/").map(String.init)
      if parts.count == 1, topology.exists(parts[0]) { return parts[0] }
      if parts.count == 2, parts[0] == "mapper" {
        return topology.deviceMapperDevice(named: parts[1])
      }
      if parts.count == 2, parts[0] != "disk" {
        let escape = { (text: String) in String(text.flatMap { $0 == "-" ? "--" : String($0) }) }
        return topology.deviceMapperDevice(named: escape(parts[0]) + "-" + escape(parts[1]))
      }
      return nil
    }

    /// The block device stat(2) reports for a mount point, when it is one
    /// sysfs knows (not the anonymous devices of btrfs, overlay or NFS).
    func mountedDeviceName(_ mountPoint: String) -> String? {
      guard let number = guarded.mountedDevice(mountPoint), number.major != 0 else { return nil }
      return topology.name(of: number)
    }
  }
}
