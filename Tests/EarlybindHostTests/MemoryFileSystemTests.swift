// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// The in-memory file system answers as the real one does on the same tree,
/// so host tests on it say something about the real machine.
@Suite struct MemoryFileSystemTests {
  @Test func aScanInMemoryEqualsTheScanOnDisk() throws {
    let disk = try Workstation.build()
    let memory = try Workstation.build(memory: MemoryFileSystem())
    func scan(_ fake: FakeSysfs) throws -> ([PCIDevice], [String?], [String?]) {
      let fileSystem = AnyHostFileSystem(fake.fileSystem)
      let scanner = SysfsScanner(fileSystem: fileSystem, layout: fake.layout)
      let devices = try scanner.scan().devices
      return (
        devices, devices.map { scanner.currentDriver(of: $0.address) },
        devices.map { scanner.iommuGroup(of: $0.address) }
      )
    }
    let (onDisk, drivers, groups) = try scan(disk)
    let inMemory = try scan(memory)
    #expect(onDisk.count == Workstation.devices.count)
    #expect(inMemory.0 == onDisk && inMemory.1 == drivers && inMemory.2 == groups)
  }

  @Test func errorsAndLinksBehaveAsOnDisk() throws {
    let fileSystem = MemoryFileSystem()
    try fileSystem.write("/a/b/file", Array("text".utf8))
    try fileSystem.link("/a/relative", to: "b/file")
    try fileSystem.link("/a/loop", to: "loop")
    #expect(try fileSystem.readFile("/a/relative", limit: 2) == Array("te".utf8))
    #expect(try fileSystem.resolvedPath("/a/b/../relative") == "/a/b/file")
    #expect(try fileSystem.readLink("/a/relative") == "b/file")
    #expect(fileSystem.linkName("/a/relative") == "file")
    func errno(_ body: () throws -> Void) -> Errno? {
      do {
        try body()
        return nil
      } catch {
        return (error as? SystemError)?.errno
      }
    }
    #expect(errno { _ = try fileSystem.readFile("/a/missing", limit: 1) } == .noSuchFile)
    #expect(errno { _ = try fileSystem.readFile("/a/b/file/x", limit: 1) } == .notADirectory)
    #expect(errno { _ = try fileSystem.readFile("/a/loop", limit: 1) } == .tooManyLinks)
    #expect(errno { _ = try fileSystem.readLink("/a/b/file") } == .invalidArgument)
    #expect(errno { try fileSystem.writeFile("/a/new", [1]) } == .noSuchFile)
    #expect(errno { try fileSystem.removeDirectory("/a/b") } == Errno(rawValue: ENOTEMPTY))
    #expect(try fileSystem.listDirectory("/a").sorted() == ["b", "loop", "relative"])
    #expect(try fileSystem.status("/a/relative", followingLinks: false).kind == .symlink)
    #expect(try fileSystem.status("/a/relative").size == 4)
  }
}
