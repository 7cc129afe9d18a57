// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS

/// Finds the NICs the boot's own network runs on, so no rule takes them
/// unless it says `allow-network`: the initramfs brings a network up for
/// `ip=`, an NFS, iSCSI or NBD root, dracut's `rd.neednet=1`, and for the
/// remote-unlock hooks (dropbear, clevis with tang). The NIC is the one
/// `ip=`, `bootdev=`, `BOOTIF=` or initramfs.conf's `DEVICE=` names, else
/// every NIC, as the initramfs tries them all.
struct NetworkGuard {
  var paths: HostPaths
  var fileSystem: any HostFileSystem

  /// Remote-unlock hooks that bring the network up in the image, for
  /// initramfs-tools and dracut.
  static let networkHooks = [
    "/usr/share/initramfs-tools/hooks/dropbear", "/usr/share/initramfs-tools/hooks/clevis",
    "/usr/lib/dracut/modules.d/60crypt-ssh", "/usr/lib/dracut/modules.d/60clevis-pin-tang",
  ]
  /// clevis needs the network only for its tang pin.
  static let tangPin = "/usr/bin/clevis-decrypt-tang"

  func resolve(into report: inout RootDeviceReport) {
    let origin = Paths.join(paths.proc, "cmdline")
    let text = (try? fileSystem.readFile(origin, limit: 1 << 16)).map {
      String(decoding: $0, as: UTF8.self)
    }
    var reasons: [String] = []
    var interfaces: [String] = []
    var macs: [String] = []
    for parameter in KernelCommandLine(text ?? "").parameters {
      let key = parameter.nameText
      let value = parameter.valueText ?? ""
      switch key {
      case "ip":
        guard let named = Self.ipInterface(value) else { continue }
        reasons.append("ip=" + value)
        if !named.isEmpty { interfaces.append(named) }
      case "root"
      where value == "/dev/nfs" || value.hasPrefix("nfs") || value.hasPrefix("nbd")
        || value.hasPrefix("iscsi"):
        reasons.append("root=" + value)
      case "nfsroot", "nbdroot", "netroot", "iscsi_target_ip", "iscsi_initiator":
        reasons.append(key + "=" + value)
      case "rd.neednet" where value == "1":
        reasons.append("rd.neednet=1")
      case "bootdev":
        interfaces.append(value)
      case "BOOTIF":
        macs.append(Self.macAddress(bootif: value))
      default:
        if key.hasPrefix("rd.iscsi.") { reasons.append(parameter.text) }
      }
    }
    for hook in Self.networkHooks where fileSystem.exists(paths.root + hook) {
      if hook.hasSuffix("/clevis"), !fileSystem.exists(paths.root + Self.tangPin) {
        continue
      }
      reasons.append("the image's " + Paths.lastComponent(hook) + " hook")
    }
    guard !reasons.isEmpty else { return }
    if let device = initramfsDevice() { interfaces.append(device) }
    let nics = networkDevices()
    var chosen: [(name: String, address: PCIAddress)] = []
    for name in interfaces {
      if let nic = nics.first(where: { $0.name == name }) {
        chosen.append(nic)
      } else {
        report.warn("the boot network names " + name + ", which is no PCI NIC here")
      }
    }
    for mac in macs {
      if let nic = nics.first(where: { address(of: $0.name) == mac }) { chosen.append(nic) }
    }
    if chosen.isEmpty { chosen = nics }
    let why = reasons.joined(separator: ", ")
    if chosen.isEmpty {
      report.warn("the boot needs the network (" + why + ") but no NIC sits on a PCI device")
    }
    for nic in chosen {
      report.addNeed(.network, nic.address, what: nic.name + " (" + why + ")")
    }
  }

  /// The interface `ip=` names: "" for any, nil when it brings no network
  /// up (`off`, `none`). Kernel and dracut forms: `dhcp`,
  /// `CLIENT:SERVER:GW:MASK:HOST:DEVICE:AUTOCONF…`, `DEVICE:dhcp`.
  static func ipInterface(_ value: String) -> String? {
    if value == "off" || value == "none" { return nil }
    let fields = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
    if fields.count >= 6 {
      if fields.count >= 7, fields[6] == "off" || fields[6] == "none", fields[0].isEmpty {
        return nil
      }
      return fields[5]
    }
    if fields.count == 2 || fields.count == 3 { return fields[0] }
    return ""
  }

  /// `01-52-54-00-12-34-56` (PXE's ARP type first) as sysfs shows it.
  static func macAddress(bootif: String) -> String {
    var parts = bootif.lowercased().split(separator: "-").map(String.init)
    if parts.count == 7 { parts.removeFirst() }
    return parts.joined(separator: ":")
  }

  /// initramfs-tools' `DEVICE=` in initramfs.conf, which its network set-up uses.
  func initramfsDevice() -> String? {
    let path = paths.root + "/etc/initramfs-tools/initramfs.conf"
    guard let bytes = try? fileSystem.readFile(path, limit: 1 << 16) else { return nil }
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n")
    where line.hasPrefix("DEVICE=") {
      let value = line.dropFirst(7).filter { $0 != "\"" && $0 != "'" }
      return value.isEmpty ? nil : String(value)
    }
    return nil
  }

  func address(of interface: String) -> String? {
    let path = Paths.join(paths.sysfs, "class/net/" + interface + "/address")
    guard let bytes = try? fileSystem.readFile(path, limit: 64) else { return nil }
    return Text.trimmed(String(decoding: bytes, as: UTF8.self)).lowercased()
  }

  /// Every interface with a PCI function behind it.
  func networkDevices() -> [(name: String, address: PCIAddress)] {
    let folder = Paths.join(paths.sysfs, "class/net")
    guard let names = try? fileSystem.listDirectory(folder) else { return [] }
    return names.sorted().compactMap { name in
      pciFunction(of: name).map { (name, $0) }
    }
  }

  func pciFunction(of interface: String) -> PCIAddress? {
    let device = Paths.join(paths.sysfs, "class/net/" + interface + "/device")
    guard let real = try? fileSystem.resolvedPath(device) else { return nil }
    return KeyboardGuard.nearestPCIFunction(real)
  }

  /// The PCI functions under the interface that carries the default route
  /// (/proc/net/route), through bonds, bridges and VLANs (`lower_*`), with
  /// the interface names; empty when there is none.
  func defaultRouteDevices() -> [(name: String, route: String, address: PCIAddress)] {
    let path = Paths.join(paths.proc, "net/route")
    guard let bytes = try? fileSystem.readFile(path, limit: 1 << 20) else { return [] }
    var found: [(String, String, PCIAddress)] = []
    for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n").dropFirst() {
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
      guard fields.count >= 8, fields[1] == "00000000", fields[7] == "00000000" else { continue }
      var queue = [fields[0]]
      var seen: [String] = []
      while let name = queue.popLast(), seen.count < 64 {
        guard !seen.contains(name) else { continue }
        seen.append(name)
        if let address = pciFunction(of: name) {
          if !found.contains(where: { $0.2 == address }) {
            found.append((name, fields[0], address))
          }
          continue
        }
        let folder = Paths.join(paths.sysfs, "class/net/" + name)
        for entry in (try? fileSystem.listDirectory(folder)) ?? [] where entry.hasPrefix("lower_") {
          queue.append(String(entry.dropFirst(6)))
        }
      }
    }
    return found
  }
}
