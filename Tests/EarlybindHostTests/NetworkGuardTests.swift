// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Testing

@testable import EarlybindHost

@Suite("NetworkGuard")
struct NetworkGuardTests {
  static let onboard = "devices/pci0000:00/0000:00:1f.6"
  static let card = "devices/pci0000:00/0000:00:1c.0/0000:04:00.0"

  /// Two NICs (eno1 onboard, enp4s0 on a card), a bond over both and a
  /// bridge over the bond, and a loopback with no device.
  func makeTree(cmdline: String) throws -> FakeHostTree {
    let tree = try FakeHostTree()
    try tree.cmdline(cmdline)
    for (name, path, mac) in [
      ("eno1", Self.onboard, "52:54:00:12:34:56"), ("enp4s0", Self.card, "52:54:00:ab:cd:ef"),
    ] {
      let folder = "sys/" + path + "/net/" + name
      try tree.write(folder + "/address", mac + "\n")
      try tree.link(folder + "/device", to: "sys/" + path)
      try tree.link("sys/class/net/" + name, to: folder)
    }
    for (name, lower) in [("bond0", ["eno1", "enp4s0"]), ("br0", ["bond0"]), ("lo", [])] {
      let folder = "sys/devices/virtual/net/" + name
      try tree.makeDirectory(folder)
      for member in lower {
        try tree.link(folder + "/lower_" + member, to: "sys/class/net/" + member)
      }
      try tree.link("sys/class/net/" + name, to: folder)
    }
    return tree
  }

  func resolve(_ tree: FakeHostTree) -> RootDeviceReport {
    var paths = tree.paths
    paths.root = tree.path
    var report = RootDeviceReport()
    NetworkGuard(paths: paths, fileSystem: PosixFileSystem()).resolve(into: &report)
    return report
  }

  func guarded(_ report: RootDeviceReport) -> [String] {
    report.guardedAddresses.map { $0.need.name + " " + $0.address.description }
  }

  @Test func noBootNetworkGuardsNothing() throws {
    let report = resolve(try makeTree(cmdline: "root=/dev/sda2 ro ip=off"))
    #expect(report.guardedAddresses.isEmpty)
    #expect(report.warnings.isEmpty)
  }

  @Test func ipNamingAnInterfaceGuardsThatNIC() throws {
    let report = resolve(
      try makeTree(cmdline: "root=/dev/sda2 ip=10.0.0.5::10.0.0.1:255.255.255.0:host:enp4s0:off"))
    #expect(guarded(report) == ["network 0000:04:00.0"])
    #expect(
      report.text.contains(
        "guarded: 0000:04:00.0 has network enp4s0"
          + " (ip=10.0.0.5::10.0.0.1:255.255.255.0:host:enp4s0:off); allow-network takes it"))
    // dracut's INTERFACE:dhcp.
    let dracut = resolve(try makeTree(cmdline: "ip=eno1:dhcp rd.neednet=1"))
    #expect(guarded(dracut) == ["network 0000:00:1f.6"])
  }

  @Test(arguments: [
    "ip=dhcp", "root=/dev/nfs nfsroot=10.0.0.1:/srv/root", "root=nfs:10.0.0.1:/srv",
    "rd.iscsi.initiator=iqn.2026-01.test:host", "iscsi_target_ip=10.0.0.9", "root=nbd:srv:root",
    "netroot=iscsi:10.0.0.9::::iqn.x", "rd.neednet=1",
  ])
  func anUnnamedBootNetworkGuardsEveryNIC(_ cmdline: String) throws {
    let report = resolve(try makeTree(cmdline: cmdline))
    #expect(guarded(report) == ["network 0000:00:1f.6", "network 0000:04:00.0"], "\(cmdline)")
  }

  @Test func bootifPicksTheNICByItsMAC() throws {
    let report = resolve(try makeTree(cmdline: "ip=dhcp BOOTIF=01-52-54-00-AB-CD-EF"))
    #expect(guarded(report) == ["network 0000:04:00.0"])
  }

  @Test func remoteUnlockHooksNeedTheNetwork() throws {
    let tree = try makeTree(cmdline: "root=/dev/mapper/root")
    try tree.write("usr/share/initramfs-tools/hooks/dropbear", "#!/bin/sh\n")
    try tree.write("etc/initramfs-tools/initramfs.conf", "MODULES=most\nDEVICE=eno1\n")
    let report = resolve(tree)
    #expect(guarded(report) == ["network 0000:00:1f.6"])
    #expect(report.needs.values.first == ["eno1 (the image's dropbear hook)"])
    // clevis needs it only with its tang pin.
    let clevis = try makeTree(cmdline: "root=/dev/mapper/root")
    try clevis.write("usr/share/initramfs-tools/hooks/clevis", "#!/bin/sh\n")
    #expect(resolve(clevis).guardedAddresses.isEmpty)
    try clevis.write("usr/bin/clevis-decrypt-tang", "#!/bin/sh\n")
    #expect(resolve(clevis).guardedAddresses.count == 2)
  }

  @Test func anUnknownInterfaceIsAWarningAndEveryNICIsGuarded() throws {
    let report = resolve(try makeTree(cmdline: "ip=:::::eth7:dhcp"))
    #expect(report.warnings == ["the boot network names eth7, which is no PCI NIC here"])
    #expect(guarded(report).count == 2)
  }

  @Test func theDefaultRouteIsTracedThroughBridgeAndBond() throws {
    let tree = try makeTree(cmdline: "")
    try tree.write(
      "proc/net/route",
      "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        + "br0\t00000000\t0100000A\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
        + "enp4s0\t0000000A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")
    var paths = tree.paths
    paths.root = tree.path
    let routes = NetworkGuard(paths: paths, fileSystem: PosixFileSystem()).defaultRouteDevices()
    #expect(routes.map(\.name).sorted() == ["eno1", "enp4s0"])
    #expect(routes.allSatisfy { $0.route == "br0" })
  }
}
