// SPDX-License-Identifier: Apache-2.0
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

/// Runs a tool from e2fsprogs or util-linux and fails with its output.
func runImageTool(_ tool: String, _ arguments: [String]) throws {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: tool)
  process.arguments = arguments
  let output = Pipe()
  process.standardOutput = output
  process.standardError = output
  try process.run()
  let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  process.waitUntilExit()
  guard process.terminationStatus == 0 else {
    throw TestFailure(tool + " " + arguments.joined(separator: " ") + " failed: " + text)
  }
}

/// An image file of `megabytes` zero bytes.
func makeBlankImage(_ path: String, megabytes: Int) throws {
  guard FileManager.default.createFile(atPath: path, contents: nil) else {
    throw TestFailure("cannot create " + path)
  }
  let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
  try handle.truncate(atOffset: UInt64(megabytes) << 20)
  try handle.close()
}

/// Real filesystem and swap images made with mkfs.ext4 and mkswap.
final class BlkidImages {
  static let rootUUID = "5d3c1f0e-8a41-4c5e-9b7a-2f6d8e0c4a11"
  static let swapUUID = "0b9e7c55-3d2a-4f18-a6c4-71e2d9f03b28"

  let directory: TemporaryDirectory
  var ext4: String { directory.file("root.img") }
  var swap: String { directory.file("swap.img") }
  var blank: String { directory.file("blank.img") }

  init() throws {
    directory = try TemporaryDirectory()
    try makeBlankImage(ext4, megabytes: 8)
    try runImageTool(
      "/usr/sbin/mkfs.ext4", ["-q", "-F", "-L", "ebroot", "-U", Self.rootUUID, ext4])
    try makeBlankImage(swap, megabytes: 1)
    try runImageTool("/usr/sbin/mkswap", ["-L", "ebswap", "-U", Self.swapUUID, swap])
    try makeBlankImage(blank, megabytes: 1)
  }
}

@Suite struct BlkidTests {
  @Test func readsTypeUUIDAndLabelOfAnExt4Image() throws {
    let images = try BlkidImages()
    let probe = try #require(try Blkid.probe(images.ext4))
    #expect(probe.type == "ext4")
    #expect(probe.uuid == BlkidImages.rootUUID)
    #expect(probe.label == "ebroot")
    #expect(probe.partitionUUID == nil)
  }

  @Test func readsTypeUUIDAndLabelOfASwapImage() throws {
    let images = try BlkidImages()
    let probe = try #require(try Blkid.probe(images.swap))
    #expect(probe.type == "swap")
    #expect(probe.uuid == BlkidImages.swapUUID)
    #expect(probe.label == "ebswap")
  }

  @Test func anEmptyImageHoldsNothing() throws {
    let images = try BlkidImages()
    #expect(try Blkid.probe(images.blank) == nil)
  }

  @Test func aMissingFileIsAnError() {
    #expect {
      _ = try Blkid.probe("/nonexistent/disk.img")
    } throws: { error in
      String(describing: error) == "cannot open /nonexistent/disk.img: "
        + "No such file or directory (ENOENT)"
    }
  }

  @Test func tagsAreMatchedAgainstTheGivenImages() throws {
    let images = try BlkidImages()
    let resolver = ProbingTagResolver(candidates: [images.blank, images.ext4, images.swap])
    func find(_ text: String) throws -> [String] {
      resolver.devices(matching: try #require(BlockTag(parsing: text)))
    }
    #expect(try find("UUID=" + BlkidImages.rootUUID) == [images.ext4])
    #expect(try find("UUID=" + BlkidImages.rootUUID.uppercased()) == [images.ext4])
    #expect(try find("UUID=" + BlkidImages.swapUUID) == [images.swap])
    #expect(try find("LABEL=ebroot") == [images.ext4])
    #expect(try find("LABEL=\"ebswap\"") == [images.swap])
    // Labels are exact, and plain images have no partition entry.
    #expect(try find("LABEL=EBROOT") == [])
    #expect(try find("PARTUUID=" + BlkidImages.rootUUID) == [])
    #expect(try find("UUID=00000000-0000-0000-0000-000000000000") == [])
  }

  @Test func tagParsing() {
    #expect(BlockTag(parsing: "UUID=abc") == BlockTag(name: "UUID", value: "abc"))
    #expect(
      BlockTag(parsing: "PARTLABEL='EFI system'")
        == BlockTag(name: "PARTLABEL", value: "EFI system"))
    #expect(BlockTag(parsing: "PARTUUID=1234-02")?.description == "PARTUUID=1234-02")
    #expect(BlockTag(parsing: "/dev/sda2") == nil)
    #expect(BlockTag(parsing: "UUID=") == nil)
    #expect(BlockTag(parsing: "uuid=abc") == nil)
    #expect(BlockTag(parsing: "ID=abc") == nil)
  }

  @Test func libraryVersionIsKnown() {
    #expect(Blkid.version.first?.isNumber == true)
  }

  /// The first whole disk of this machine libblkid may open and finds a
  /// filesystem UUID on (opening may be refused even to root in a sandbox).
  static let readableDisk: (path: String, uuid: String)? = {
    for path in ["/dev/vda", "/dev/sda", "/dev/nvme0n1", "/dev/xvda"] {
      if let probe = try? Blkid.probe(path), let uuid = probe.uuid { return (path, uuid) }
    }
    return nil
  }()

  /// libblkid's own lookup on this machine, read-only.
  @Test(.enabled(if: readableDisk != nil, "no disk here that libblkid may open"))
  func systemLookupFindsARealDeviceByUUID() throws {
    let disk = try #require(Self.readableDisk)
    let resolver = SystemTagResolver()
    let found = resolver.devices(matching: BlockTag(name: "UUID", value: disk.uuid))
    #expect(found.contains(disk.path))
    #expect(resolver.problem == nil)
  }

  /// Both of libblkid's lookups run on this machine and find nothing for a
  /// UUID no device has, without failing.
  @Test func systemLookupOfAnUnknownUUIDFindsNothing() {
    let resolver = SystemTagResolver()
    let tag = BlockTag(name: "UUID", value: "00000000-dead-beef-0000-000000000000")
    #expect(resolver.devices(matching: tag) == [])
    #expect(resolver.devices(matching: BlockTag(name: "LABEL", value: "no such label")) == [])
    #expect(resolver.problem == nil)
  }

  @Test func aDirectoryIsAnError() {
    #expect {
      _ = try Blkid.probe("/")
    } throws: { error in
      String(describing: error) == "cannot open /: Invalid argument (EINVAL)"
    }
  }
}
