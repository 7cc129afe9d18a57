// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import EarlybindHost

@Suite struct MountTableTests {
  @Test func parsesMountsWithEscapes() {
    let text = """
      /dev/sda2 / ext4 rw,relatime 0 0
      /dev/mapper/my\\040disk /mnt/with\\040space\\011tab xfs rw 0 0
      back\\134slash /x ext4 ro 0 0
      """
    let entries = MountTable.parse(text)
    #expect(entries.count == 3)
    #expect(
      entries[0]
        == MountEntry(
          source: "/dev/sda2", mountPoint: "/", type: "ext4", options: ["rw", "relatime"]))
    #expect(entries[1].source == "/dev/mapper/my disk")
    #expect(entries[1].mountPoint == "/mnt/with space\ttab")
    #expect(entries[2].source == "back\\slash")
  }

  @Test func parsesFstabSkippingCommentsAndBlankLines() {
    let text = """
      # /etc/fstab: static file system information.
      #
      UUID=1111-2222\t/boot/efi\tvfat\tumask=0077\t0\t1

         LABEL=root   /   ext4   errors=remount-ro 0 1
      /swapfile none swap sw 0 0
      /dev/sdb1 /data
      broken
      """
    let entries = MountTable.parse(text)
    #expect(entries.map(\.mountPoint) == ["/boot/efi", "/", "none", "/data"])
    #expect(entries[0].source == "UUID=1111-2222")
    #expect(entries[0].options == ["umask=0077"])
    #expect(entries[1].source == "LABEL=root")
    #expect(entries[2].isSwap)
    #expect(entries[3].type == "auto")
  }

  @Test func parsesSwaps() {
    let text = """
      Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority
      /dev/nvme0n1p2                          partition\t8388604\t\t0\t\t-2
      /dev/zram0 partition 4194300 0 100
      /swap\\040file\\040(deleted) file 1048572 0 -3
      """
    let entries = MountTable.parseSwaps(text)
    #expect(
      entries == [
        SwapEntry(path: "/dev/nvme0n1p2", type: "partition"),
        SwapEntry(path: "/dev/zram0", type: "partition"),
        SwapEntry(path: "/swap file", type: "file"),
      ])
    #expect(MountTable.parseSwaps("Filename Type Size Used Priority\n").isEmpty)
  }

  @Test func kernelCommandLineQuotesAndInitArguments() {
    let line = KernelCommandLine(
      "BOOT_IMAGE=/vmlinuz root=UUID=aaaa ro \"root=LABEL=my disk\" quiet -- root=/dev/sdz\n")
    #expect(line.value(of: "root") == "LABEL=my disk")
    #expect(line.value(of: "BOOT_IMAGE") == "/vmlinuz")
    #expect(line.value(of: "resume") == nil)
    #expect(line.parameters.contains { $0.text == "ro" })
    #expect(!line.parameters.contains { $0.text == "root=/dev/sdz" })
    #expect(
      KernelCommandLine("root=\"PARTLABEL=EFI root\" x").value(of: "root") == "PARTLABEL=EFI root")
  }
}
