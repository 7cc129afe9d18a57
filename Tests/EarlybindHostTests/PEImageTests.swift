// SPDX-License-Identifier: Apache-2.0
import Testing

@testable import EarlybindHost

/// The PE parser believes no size in the file.
@Suite struct PEImageTests {
  func parse(_ file: PEFile) throws(PEImageError) -> PEImage {
    try PEImage.parse(ImageBytes(bytes: file.bytes()))
  }

  func failure(_ bytes: [UInt8]) -> String? {
    do {
      _ = try PEImage.parse(ImageBytes(bytes: bytes))
      return nil
    } catch {
      return error.description
    }
  }

  @Test func sectionsAreReadWithTheirSizesAndPlaces() throws {
    let file = PEFile.uki(commandLine: "quiet", initrd: [1, 2, 3])
    let bytes = file.bytes()
    let image = try PEImage.parse(ImageBytes(bytes: bytes))
    #expect(image.is64Bit)
    #expect(image.sections.map(\.name) == [".sdmagic", ".linux", ".uname", ".cmdline", ".initrd"])
    let initrd = try #require(image.section(".initrd"))
    #expect(initrd.size == 3)
    #expect(initrd.fileSize == 512)
    let start = Int(initrd.fileOffset)
    #expect(Array(bytes[start..<start + 3]) == [1, 2, 3])
    let read = try PEImage.contents(of: initrd, in: ImageBytes(bytes: bytes), limit: 100)
    #expect(read.bytes == [1, 2, 3])
    #expect(!read.truncated)
  }

  @Test func aUKIsTextSectionsAndStubVersion() throws {
    let file = PEFile.uki(stub: 252, commandLine: "root=/dev/vda earlybind=off ", initrd: [])
    let uki = try UnifiedKernelImage.read(ImageBytes(bytes: file.bytes()))
    #expect(uki.release == "6.1.0-test")
    #expect(uki.commandLine == "root=/dev/vda earlybind=off")
    #expect(uki.stubVersion == 252)
    #expect(uki.disablesBinder)
    let on = try UnifiedKernelImage.read(
      ImageBytes(bytes: PEFile.uki(commandLine: "earlybind=on quiet", initrd: []).bytes()))
    #expect(!on.disablesBinder)
    #expect(on.stubVersion == 257)
    #expect(UnifiedKernelImage.stubVersion("#### LoaderInfo: systemd-stub 254~rc1 ####") == 254)
    #expect(UnifiedKernelImage.stubVersion("#### LoaderInfo: systemd-boot 257 ####") == nil)
  }

  /// What the loader maps past the file's bytes is zeros; past the
  /// loaded size, nothing.
  @Test func aSectionIsItsLoadedSizeZeroFilled() throws {
    var short = PEFile.Section(".initrd", [9, 9, 9, 9])
    short.virtualSize = 1000
    short.rawSize = 2
    var long = PEFile.Section(".cmdline", Array("abcdef".utf8))
    long.virtualSize = 3
    let bytes = PEFile([short, long]).bytes()
    let image = try PEImage.parse(ImageBytes(bytes: bytes))
    let initrd = try PEImage.contents(
      of: try #require(image.section(".initrd")), in: ImageBytes(bytes: bytes), limit: 2000)
    #expect(initrd.bytes == [9, 9] + [UInt8](repeating: 0, count: 998))
    let cmdline = try PEImage.contents(
      of: try #require(image.section(".cmdline")), in: ImageBytes(bytes: bytes), limit: 2)
    #expect(cmdline.bytes == Array("ab".utf8))
    #expect(cmdline.truncated)
  }

  @Test func notAPEImage() {
    #expect(
      failure(Array(String(repeating: "not a PE image. ", count: 8).utf8))
        == "not a PE image: no MZ signature")
    #expect(
      failure([0x4D, 0x5A])
        == "the DOS header (64 bytes at offset 0) ends past the end of the file (2 bytes)")
    var bytes = PEFile([]).bytes()
    bytes[0x80] = 0x51
    #expect(failure(bytes) == "not a PE image: no PE signature at offset 128")
    var file = PEFile([])
    file.magic = 0x107
    #expect(failure(file.bytes()) == "not a PE image: optional header magic 0x107")
    file.optionalHeaderSize = 0
    #expect(failure(file.bytes()) == "not a PE image: an optional header of 0 bytes")
  }

  @Test func offsetsAndCountsPastTheFileAreRefused() {
    var bytes = PEFile([PEFile.Section(".linux", "x")]).bytes()
    bytes[0x3C...0x3F] = [0xF0, 0xFF, 0xFF, 0xFF]
    #expect(
      failure(bytes)
        == "the PE header (24 bytes at offset 4294967280) ends past the end of the file (1024 bytes)"
    )
    var file = PEFile([PEFile.Section(".linux", "x")])
    file.sectionCount = 20
    #expect(failure(file.bytes())?.hasPrefix("the section table (800 bytes at offset 392)") == true)
    file.sectionCount = 97
    #expect(failure(file.bytes()) == "97 sections, more than the 96 systemd-stub reads")
    bytes = PEFile([PEFile.Section(".linux", "x")]).bytes()
    bytes[0x80 + 20...0x80 + 21] = [0xFF, 0xFF]
    #expect(
      failure(bytes)?.hasPrefix("the section table (40 bytes at offset 65687) ends past") == true)
    var section = PEFile.Section(".initrd", [1, 2, 3])
    section.rawOffset = 0xFFFF_FF00
    #expect(
      failure(PEFile([section]).bytes())
        == "section .initrd (3 bytes at offset 4294967040) ends past the end of the file "
        + "(1024 bytes)")
    section = PEFile.Section(".initrd", [1, 2, 3])
    section.virtualSize = 0xFFFF_FFFF
    section.rawSize = 0xFFFF_FFFF
    #expect(
      failure(PEFile([section]).bytes())?.hasPrefix("section .initrd (4294967295 bytes") == true)
  }

  /// Every prefix of a UKI is refused or parsed, never read past its end.
  @Test func everyTruncationIsHandled() {
    let bytes = PEFile.uki(commandLine: "quiet", initrd: [1, 2, 3]).bytes()
    for end in stride(from: 0, to: bytes.count, by: 7) {
      let prefix = Array(bytes.prefix(end))
      if let image = try? PEImage.parse(ImageBytes(bytes: prefix)) {
        for section in image.sections {
          #expect(section.fileOffset + section.storedSize <= Int64(end))
        }
      }
    }
  }

  /// dracut writes no `.uname`: the release is the kernel's own, from
  /// its bzImage header.
  @Test func theReleaseComesFromTheKernelWithoutUname() throws {
    var kernel = [UInt8](repeating: 0, count: 0x400)
    kernel.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
    kernel[0x20E] = 0x00
    kernel[0x20F] = 0x01
    let version = Array("6.9.0-7-amd64 (debian-kernel@lists.debian.org) #1 SMP".utf8)
    kernel.replaceSubrange(0x300..<0x300 + version.count, with: version)
    var file = PEFile.uki(release: nil, initrd: [])
    file.sections[1] = PEFile.Section(".linux", kernel)
    let uki = try UnifiedKernelImage.read(ImageBytes(bytes: file.bytes()))
    #expect(uki.release == "6.9.0-7-amd64")
    // A pointer past the kernel, or no header: no release.
    kernel[0x20F] = 0x7F
    file.sections[1] = PEFile.Section(".linux", kernel)
    #expect(try UnifiedKernelImage.read(ImageBytes(bytes: file.bytes())).release == nil)
    file.sections[1] = PEFile.Section(".linux", [0x4D, 0x5A])
    #expect(try UnifiedKernelImage.read(ImageBytes(bytes: file.bytes())).release == nil)
  }
}
