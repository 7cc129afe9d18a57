// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct RootDeviceGuardTests {
  static let ahci = PCIAddress("0000:00:1f.2")!
  static let nvme = PCIAddress("0000:01:00.0")!
  static let hba = PCIAddress("0000:02:00.0")!
  static let ahci2 = PCIAddress("0000:03:00.0")!

  /// SATA root, NVMe with EFI, swap and LUKS /var, md RAID /boot across two
  /// controllers, /usr from a loop image, zram swap and a stale fstab tag.
  func workstation() throws -> FakeHostTree {
    let tree = try FakeHostTree()
    try tree.block(FakeDisks.sda, number: (8, 0))
    try tree.partition("sda1", of: "sda", number: 1)
    try tree.partition("sda2", of: "sda", number: 2)
    try tree.block(FakeDisks.nvme0n1)
    for number in 1...3 { try tree.partition("nvme0n1p\(number)", of: "nvme0n1", number: number) }
    try tree.virtual("dm-0", over: ["nvme0n1p3"], mapperName: "cryptvar")
    try tree.block(FakeDisks.sdb)
    try tree.partition("sdb1", of: "sdb", number: 1)
    try tree.block(FakeDisks.sdc)
    try tree.partition("sdc1", of: "sdc", number: 1)
    try tree.virtual("md0", over: ["sdb1", "sdc1"])
    try tree.block("devices/virtual/block/loop0")
    try tree.write("sys/devices/virtual/block/loop0/loop/backing_file", "/var/lib/images/usr.img\n")
    try tree.block("devices/virtual/block/zram0")
    try tree.mounts(
      """
      sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
      /dev/sda2 / ext4 rw,relatime 0 0
      /dev/md0 /boot ext4 rw,relatime 0 0
      /dev/nvme0n1p1 /boot/efi vfat rw,relatime,fmask=0077 0 0
      /dev/mapper/cryptvar /var xfs rw,relatime 0 0
      /dev/loop0 /usr squashfs ro,relatime 0 0
      tmpfs /tmp tmpfs rw 0 0
      /dev/sda1 /srv ext4 rw 0 0

      """)
    try tree.fstab(
      """
      # <file system> <mount point> <type> <options> <dump> <pass>
      UUID=1111 / ext4 errors=remount-ro 0 1
      UUID=2222 /boot ext4 defaults 0 2
      LABEL=EFI /boot/efi vfat umask=0077 0 1
      /dev/mapper/cryptvar /var xfs defaults 0 2
      UUID=3333 none swap sw 0 0
      LABEL=oldswap none swap sw 0 0

      """)
    try tree.cmdline("BOOT_IMAGE=/vmlinuz-6.1.0 root=PARTUUID=aaaa-02 ro resume=UUID=3333 quiet")
    try tree.swaps([
      "/dev/nvme0n1p2                          partition\t8388604\t\t0\t\t-2",
      "/dev/zram0                              partition\t4194300\t\t0\t\t100",
    ])
    return tree
  }

  static let workstationTags = [
    "UUID=1111": ["/dev/sda2"], "UUID=2222": ["md0"], "LABEL=EFI": ["/dev/nvme0n1p1"],
    "UUID=3333": ["/dev/nvme0n1p2"], "PARTUUID=aaaa-02": ["/dev/sda2"],
  ]

  @Test func protectsEveryControllerHoldingWhatTheHostNeeds() throws {
    let tree = try workstation()
    let report = tree.rootGuard(tags: Self.workstationTags).resolve()

    // Not the root port above the NVMe drive, not the loop or zram devices.
    #expect(report.addresses == [Self.ahci, Self.nvme, Self.hba, Self.ahci2])
    #expect(
      report.explanation(for: Self.ahci)
        == "0000:00:1f.2 holds / (/dev/sda2, UUID=1111, root=PARTUUID=aaaa-02)")
    #expect(
      report.explanation(for: Self.hba)
        == "0000:02:00.0 holds /boot (/dev/md0, md0 > sdb1, UUID=2222)")
    #expect(
      report.explanation(for: Self.ahci2)
        == "0000:03:00.0 holds /boot (/dev/md0, md0 > sdc1, UUID=2222)")
    let nvme = try #require(report.holdings[Self.nvme])
    #expect(nvme.map(\.what) == ["/boot/efi", "/var", "/usr", "swap", "resume="])
    #expect(nvme[0].text == "/boot/efi (/dev/nvme0n1p1, LABEL=EFI)")
    #expect(nvme[1].text == "/var (/dev/mapper/cryptvar, dm-0 > nvme0n1p3)")
    #expect(nvme[1].device == "nvme0n1p3")
    #expect(
      nvme[2].text
        == "/usr (loop0 file /var/lib/images/usr.img, on /var, /dev/mapper/cryptvar,"
        + " dm-0 > nvme0n1p3)")
    #expect(nvme[3].text == "swap (UUID=3333, /dev/nvme0n1p2)")
    #expect(nvme[4].text == "resume= (resume=UUID=3333, /dev/nvme0n1p2)")
    // /srv is not needed to boot; sda holds / anyway, but not through sda1.
    #expect(!report.explanations.joined().contains("/srv"))

    #expect(
      report.warnings == [
        "/usr (/dev/loop0) is on the loop device loop0, backed by the file"
          + " /var/lib/images/usr.img: no PCI device holds it directly;"
          + " the file's filesystem is checked",
        tree.path + "/etc/fstab: LABEL=oldswap (swap) matches no block device",
      ])
    #expect(report.notes == ["swap (/dev/zram0) is in memory (zram0): no controller to protect"])
    #expect(report.protects("/"))
  }

  @Test func devRootAndDevSymlinksAreFollowed() throws {
    let tree = try FakeHostTree()
    try tree.block(FakeDisks.sda)
    try tree.partition("sda1", of: "sda", number: 1)
    try tree.partition("sda2", of: "sda", number: 2)
    try tree.link("sys/dev/block/8:2", to: "sys/" + FakeDisks.sda + "/sda2")
    try tree.block(FakeDisks.nvme0n1)
    try tree.virtual("dm-3", over: ["nvme0n1"], mapperName: "vg0-home--lv")
    try tree.write("dev/sda1", "")
    try tree.link("dev/disk/by-uuid/abcd", to: "dev/sda1")
    try tree.write("dev/dm-3", "")
    try tree.link("dev/mapper/vg0-home--lv", to: "dev/dm-3")
    try tree.mounts("/dev/root / ext4 rw 0 0\n/dev/mapper/vg0-home--lv /var ext4 rw 0 0\n")
    try tree.fstab(
      "/dev/disk/by-uuid/abcd /boot ext4 defaults 0 2\n/dev/vg0/home-lv /usr ext4 ro 0 0\n")
    try tree.cmdline("ro")
    try tree.swaps([])

    let report = tree.rootGuard(mounted: ["/": (8, 2)]).resolve()

    #expect(report.warnings == [])
    #expect(report.addresses == [Self.ahci, Self.nvme])
    #expect(
      report.explanation(for: Self.ahci)
        == "0000:00:1f.2 holds / (/dev/root, sda2), /boot (/dev/disk/by-uuid/abcd, sda1)")
    #expect(
      report.explanation(for: Self.nvme)
        == "0000:01:00.0 holds /var (/dev/mapper/vg0-home--lv, dm-3 > nvme0n1),"
        + " /usr (/dev/vg0/home-lv, dm-3 > nvme0n1)")
  }

  @Test func nvmeMultipathHeadProtectsEveryPath() throws {
    let tree = try FakeHostTree()
    try tree.block("devices/pci0000:00/0000:00:02.0/0000:05:00.0/nvme/nvme0/nvme0c0n1")
    try tree.block("devices/pci0000:00/0000:00:03.0/0000:06:00.0/nvme/nvme1/nvme0c1n1")
    try tree.virtual(
      "nvme0n1", over: ["nvme0c0n1", "nvme0c1n1"], group: "multipath",
      under: "devices/virtual/nvme-subsystem/nvme-subsys0")
    try tree.partition("nvme0n1p2", of: "nvme0n1", number: 2)
    try tree.mounts("/dev/nvme0n1p2 / ext4 rw 0 0\n")
    try tree.fstab("")
    try tree.cmdline("")
    try tree.swaps([])

    let report = tree.rootGuard().resolve()

    #expect(report.warnings == [])
    #expect(report.addresses == [PCIAddress("0000:05:00.0")!, PCIAddress("0000:06:00.0")!])
    #expect(
      report.explanations == [
        "0000:05:00.0 holds / (/dev/nvme0n1p2, nvme0n1p2 > nvme0c0n1)",
        "0000:06:00.0 holds / (/dev/nvme0n1p2, nvme0n1p2 > nvme0c1n1)",
      ])
  }

  @Test func multiDeviceBtrfsProtectsEveryMember() throws {
    let tree = try FakeHostTree()
    try tree.block(FakeDisks.sdb)
    try tree.block(FakeDisks.sdc)
    let fsid = "sys/fs/btrfs/0f3c6a9e-1111-2222-3333-444455556666/devices/"
    try tree.link(fsid + "sdb", to: "sys/" + FakeDisks.sdb)
    try tree.link(fsid + "sdc", to: "sys/" + FakeDisks.sdc)
    try tree.mounts("/dev/sdb / btrfs rw,subvol=/@ 0 0\n")
    try tree.fstab("")
    try tree.cmdline("")
    try tree.swaps([])

    let report = tree.rootGuard().resolve()

    #expect(report.warnings == [])
    #expect(
      report.explanations == [
        "0000:02:00.0 holds / (/dev/sdb)", "0000:03:00.0 holds / (/dev/sdb, sdc)",
      ])
  }

  @Test func whatCannotBeTracedIsAWarning() throws {
    let tree = try FakeHostTree()
    try tree.block("devices/platform/fe320000.mmc/mmc_host/mmc0/mmc0:aaaa/block/mmcblk0")
    try tree.partition("mmcblk0p2", of: "mmcblk0", number: 2)
    try tree.mounts(
      """
      /dev/mmcblk0p2 / ext4 rw 0 0
      server:/export/usr /usr nfs4 rw 0 0
      tmpfs /var tmpfs rw 0 0
      rpool/boot /boot zfs rw 0 0
      systemd-1 /boot/efi autofs rw 0 0

      """)
    try tree.fstab("PARTLABEL=esp /boot/efi vfat umask=0077 0 1\n")
    try tree.cmdline("root=live:CDLABEL=x")
    try tree.swaps([])

    let report = tree.rootGuard().resolve()

    #expect(report.addresses == [])
    let fstab = tree.path + "/etc/fstab"
    let cmdline = tree.path + "/proc/cmdline"
    #expect(
      report.warnings == [
        "/ (/dev/mmcblk0p2) is on mmcblk0p2, which sits on no PCI device"
          + " (devices/platform/fe320000.mmc/mmc_host/mmc0/mmc0:aaaa/block/mmcblk0/mmcblk0p2):"
          + " protect its controller by hand",
        "/usr (server:/export/usr, nfs4) is on the network: the network device it needs is"
          + " not protected",
        "/boot (rpool/boot, zfs) is a ZFS dataset: protect the controllers of its pool's disks"
          + " by hand",
        fstab + ": PARTLABEL=esp (/boot/efi) matches no block device",
        cmdline + ": root=live:CDLABEL=x is not a form this check understands",
        "no PCI controller found that holds /: protect it by hand",
      ])
    #expect(
      report.notes == [
        "/var (tmpfs, tmpfs) is in memory: no controller to protect",
        "/boot/efi is an automount point in " + tree.path
          + "/proc/self/mounts; its fstab entry is checked",
      ])
  }

  @Test func kernelRootForms() throws {
    let tree = try FakeHostTree()
    try tree.block(FakeDisks.sda)
    try tree.partition("sda2", of: "sda", number: 2)
    try tree.link("sys/dev/block/8:2", to: "sys/" + FakeDisks.sda + "/sda2")
    try tree.mounts("")
    try tree.fstab("")
    try tree.swaps([])
    for root in [
      "8:2", "0802", "/dev/sda2", "sda2", "block:/dev/sda2", "PARTUUID=beef-01/PARTNROFF=1",
    ] {
      try tree.cmdline("ro root=" + root)
      let report = tree.rootGuard(tags: ["PARTUUID=beef-01": ["sda2"]]).resolve()
      #expect(report.addresses == [Self.ahci], "root=\(root)")
      #expect(report.warnings == [], "root=\(root)")
      #expect(report.explanation(for: Self.ahci).hasPrefix("0000:00:1f.2 holds / (root=" + root))
    }
    try tree.cmdline("root=/dev/nfs nfsroot=10.0.0.1:/srv/root")
    let report = tree.rootGuard().resolve()
    #expect(report.warnings.first?.contains("is on the network") == true)
    try tree.cmdline("root=/dev/sdq1")
    #expect(
      tree.rootGuard().resolve().warnings.first
        == tree.path + "/proc/cmdline: root=/dev/sdq1 (/) is not a block device in sysfs")
  }

  @Test func swapFileIsHeldByItsFilesystem() throws {
    let tree = try FakeHostTree()
    try tree.block(FakeDisks.sda)
    try tree.partition("sda2", of: "sda", number: 2)
    try tree.mounts("/dev/sda2 / ext4 rw 0 0\n")
    try tree.fstab("/swapfile none swap sw 0 0\n")
    try tree.cmdline("")
    try tree.swaps(["/swapfile file 1048572 0 -2"])

    let report = tree.rootGuard().resolve()

    #expect(report.warnings == [])
    #expect(
      report.explanation(for: Self.ahci)
        == "0000:00:1f.2 holds / (/dev/sda2), swap (swap file /swapfile, on /, /dev/sda2)")
  }

  @Test func unreadableSourcesAreWarningsNotErrors() throws {
    let tree = try FakeHostTree()
    try tree.write("proc/mounts", "/dev/sda2 / ext4 rw 0 0\n")

    let report = tree.rootGuard().resolve()

    #expect(report.addresses == [])
    let proc = tree.path + "/proc/"
    #expect(report.warnings.count == 5)
    #expect(report.warnings[0] == proc + "mounts: /dev/sda2 (/) is not a block device in sysfs")
    #expect(report.warnings[1].hasPrefix("cannot read " + tree.path + "/etc/fstab: "))
    #expect(report.warnings[1].hasSuffix("(ENOENT)"))
    #expect(report.warnings[2].hasPrefix("cannot read " + proc + "cmdline: "))
    #expect(report.warnings[3].hasPrefix("cannot read " + proc + "swaps: "))
    #expect(report.warnings[4] == "no PCI controller found that holds /: protect it by hand")
  }

  /// Real ext4 and swap images standing in for /dev/sda2 and /dev/sda3,
  /// found by UUID and LABEL through libblkid.
  @Test func tagsResolveThroughLibblkidOnImages() throws {
    let tree = try FakeHostTree()
    try tree.block(FakeDisks.sda)
    try tree.partition("sda2", of: "sda", number: 2)
    try tree.partition("sda3", of: "sda", number: 3)
    let sda2 = tree.path + "/dev/sda2"
    let sda3 = tree.path + "/dev/sda3"
    try makeBlankImage(sda2, megabytes: 8)
    try runImageTool(
      "/usr/sbin/mkfs.ext4", ["-q", "-F", "-L", "ebroot", "-U", BlkidImages.rootUUID, sda2])
    try makeBlankImage(sda3, megabytes: 1)
    try runImageTool("/usr/sbin/mkswap", ["-L", "ebswap", sda3])
    try tree.mounts("")
    try tree.fstab(
      "UUID=\(BlkidImages.rootUUID) / ext4 defaults 0 1\nLABEL=ebswap none swap sw 0 0\n")
    try tree.cmdline("")
    try tree.swaps([])

    let report = RootDeviceGuard(
      paths: tree.paths, tags: ProbingTagResolver(candidates: [sda2, sda3]),
      fileSystem: PosixFileSystem()
    ).resolve()

    #expect(report.warnings == [])
    #expect(
      report.explanations == [
        "0000:00:1f.2 holds / (UUID=\(BlkidImages.rootUUID), /dev/sda2),"
          + " swap (LABEL=ebswap, /dev/sda3)"
      ])
  }

  /// Read-only, on this machine: whatever holds / is found by walking sysfs.
  @Test func realHostIsResolvedWithoutThrowing() throws {
    let report = RootDeviceGuard.system(paths: HostPaths(), fileSystem: PosixFileSystem()).resolve()
    func expectedFunction(_ link: String) -> PCIAddress? {
      guard FileManager.default.fileExists(atPath: link) else { return nil }
      let real = URL(fileURLWithPath: link).resolvingSymlinksInPath().path
      return real.split(separator: "/").reversed().lazy.compactMap {
        $0.filter { $0 == ":" }.count == 2 ? PCIAddress(String($0)) : nil
      }.first
    }
    if let virtio = expectedFunction("/sys/class/block/vda") {
      #expect(report.addresses.contains(virtio), "\(report.warnings)")
      #expect(report.explanation(for: virtio).contains("holds /"))
    }
    if let number = try? PosixFileSystem().status("/").device, number.major != 0,
      let root = expectedFunction("/sys/dev/block/\(number.major):\(number.minor)")
    {
      #expect(report.addresses.contains(root))
      #expect(report.protects("/"))
    }
  }
}

@Suite struct RootDeviceReportTests {
  @Test func textListsControllersWarningsAndNotes() {
    var report = RootDeviceReport()
    #expect(report.text == "protected: nothing\n")
    let address = PCIAddress("0000:00:1f.2")!
    report.add(address, what: "/", device: "sda2", details: ["/dev/sda2"])
    report.add(address, what: "/", device: "sda2", details: ["UUID=1111", "/dev/sda2"])
    report.add(address, what: "swap", device: "sda3", details: ["/dev/sda3", "/dev/sda3"])
    report.warn("LABEL=x (swap) matches no block device")
    report.warn("LABEL=x (swap) matches no block device")
    report.note("/tmp (tmpfs, tmpfs) is in memory: no controller to protect")
    #expect(
      report.text == """
        protected: 0000:00:1f.2 holds / (/dev/sda2, UUID=1111), swap (/dev/sda3)
        warning: LABEL=x (swap) matches no block device
        note: /tmp (tmpfs, tmpfs) is in memory: no controller to protect

        """)
    #expect(report.protects("swap"))
    #expect(!report.protects("/boot"))
  }
}
