// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@Suite("PosixFileSystem")
struct PosixFileSystemTests {
  let fs = PosixFileSystem()

  func systemError(_ body: () throws -> Void) -> SystemError? {
    do {
      try body()
      Issue.record("expected a SystemError")
      return nil
    } catch {
      guard let error = error as? SystemError else {
        Issue.record("expected a SystemError, got \(error)")
        return nil
      }
      return error
    }
  }

  @Test func readFileHonoursTheLimit() throws {
    let directory = try TemporaryDirectory()
    let content = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
    try Data(content).write(to: URL(fileURLWithPath: directory.file("big")))
    #expect(try fs.readFile(directory.file("big"), limit: 100) == Array(content.prefix(100)))
    #expect(try fs.readFile(directory.file("big"), limit: 10_000) == content)
    #expect(try fs.readFile(directory.file("big"), limit: 1 << 20) == content)
    #expect(try fs.readFile(directory.file("big"), limit: 0) == [])
    try directory.write("empty", "")
    #expect(try fs.readFile(directory.file("empty"), limit: 64) == [])
  }

  @Test func readFileOfAMissingPathIsENOENT() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("missing")
    let error = try #require(systemError { _ = try fs.readFile(path, limit: 8) })
    #expect(error.syscall == "open")
    #expect(error.path == path)
    #expect(error.errno == .noSuchFile)
  }

  @Test func writeFileWritesExactlyTheBytes() throws {
    let directory = try TemporaryDirectory()
    try directory.write("driver_override", "")
    try fs.writeFile(directory.file("driver_override"), Array("vfio-pci".utf8))
    #expect(directory.read("driver_override") == "vfio-pci")
    let large = [UInt8](repeating: 0x41, count: 200_000)
    try directory.write("large", "")
    try fs.writeFile(directory.file("large"), large)
    #expect(FileManager.default.contents(atPath: directory.file("large")) == Data(large))
  }

  @Test func writeFileNeverCreatesFiles() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("no/such/attribute")
    let error = try #require(systemError { try fs.writeFile(path, Array("x".utf8)) })
    #expect(error.syscall == "open")
    #expect(error.errno == .noSuchFile)
    #expect(error.errno.name == "ENOENT")
    #expect(error.path == path)
    #expect(error.description == "open " + path + ": No such file or directory (ENOENT)")
    let flat = directory.file("flat")
    #expect(systemError { try fs.writeFile(flat, [1]) }?.errno == .noSuchFile)
    #expect(!FileManager.default.fileExists(atPath: flat))
  }

  @Test func writeFileToADirectoryIsEISDIR() throws {
    let directory = try TemporaryDirectory()
    let error = try #require(systemError { try fs.writeFile(directory.path, [1]) })
    #expect(error.errno.name == "EISDIR")
    #expect(error.description.hasSuffix(": Is a directory (EISDIR)"))
  }

  @Test func readLinkReturnsTheTargetVerbatim() throws {
    let directory = try TemporaryDirectory()
    let manager = FileManager.default
    try manager.createSymbolicLink(
      atPath: directory.file("driver"), withDestinationPath: "../../bus/pci/drivers/vfio-pci")
    try manager.createSymbolicLink(
      atPath: directory.file("absolute"), withDestinationPath: "/sys/kernel/iommu_groups/13")
    let long = "/" + String(repeating: "d", count: 200) + "/" + String(repeating: "e", count: 900)
    try manager.createSymbolicLink(atPath: directory.file("long"), withDestinationPath: long)
    #expect(try fs.readLink(directory.file("driver")) == "../../bus/pci/drivers/vfio-pci")
    #expect(try fs.readLink(directory.file("absolute")) == "/sys/kernel/iommu_groups/13")
    #expect(try fs.readLink(directory.file("long")) == long)
    #expect(fs.linkName(directory.file("driver")) == "vfio-pci")
    #expect(fs.linkName(directory.file("absolute")) == "13")
    #expect(fs.linkName(directory.file("missing")) == nil)
  }

  @Test func readLinkErrors() throws {
    let directory = try TemporaryDirectory()
    try directory.write("plain", "x")
    let notLink = try #require(systemError { _ = try fs.readLink(directory.file("plain")) })
    #expect(notLink.syscall == "readlink")
    #expect(notLink.errno == .invalidArgument)
    let missing = try #require(systemError { _ = try fs.readLink(directory.file("gone")) })
    #expect(missing.errno == .noSuchFile)
  }

  @Test func listDirectoryReadsMoreThanOneBatch() throws {
    let directory = try TemporaryDirectory()
    let folder = directory.file("many")
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    var expected: Set<String> = []
    for index in 0..<2500 {
      // Long names so the entries need several getdents64 buffers.
      let name = "0000:" + String(index, radix: 16) + String(repeating: "-", count: 40)
      expected.insert(name)
      #expect(FileManager.default.createFile(atPath: folder + "/" + name, contents: nil))
    }
    let names = try fs.listDirectory(folder)
    #expect(names.count == 2500)
    #expect(Set(names) == expected)
    #expect(!names.contains(".") && !names.contains(".."))
  }

  @Test func listDirectoryOfAnEmptyDirectory() throws {
    let directory = try TemporaryDirectory()
    #expect(try fs.listDirectory(directory.path) == [])
  }

  @Test func listDirectoryListsSymlinksWithoutFollowingThem() throws {
    let directory = try TemporaryDirectory()
    try FileManager.default.createSymbolicLink(
      atPath: directory.file("0000:01:00.0"), withDestinationPath: directory.file("nowhere"))
    try directory.write("file", "")
    #expect(Set(try fs.listDirectory(directory.path)) == ["0000:01:00.0", "file"])
  }

  @Test func listDirectoryErrors() throws {
    let directory = try TemporaryDirectory()
    try directory.write("plain", "x")
    let notDirectory = try #require(
      systemError { _ = try fs.listDirectory(directory.file("plain")) })
    #expect(notDirectory.errno.name == "ENOTDIR")
    #expect(notDirectory.syscall == "open")
    let missing = try #require(systemError { _ = try fs.listDirectory(directory.file("none")) })
    #expect(missing.errno == .noSuchFile)
  }

  @Test func makeDirectoriesIsIdempotent() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("run/earlybind/deeper")
    try fs.makeDirectories(path)
    try fs.makeDirectories(path)
    try fs.makeDirectories(directory.file("run/earlybind/"))
    var isDirectory: ObjCBool = false
    #expect(FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory))
    #expect(isDirectory.boolValue)
  }

  @Test func makeDirectoriesThroughAFileFails() throws {
    let directory = try TemporaryDirectory()
    try directory.write("run", "file")
    let error = try #require(
      systemError { try fs.makeDirectories(directory.file("run/earlybind")) })
    #expect(error.syscall == "mkdir")
    #expect(error.path == directory.file("run/earlybind"))
    #expect(error.errno.name == "ENOTDIR")
  }

  @Test func replaceFileCreatesAndReplacesAtomically() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("report.json")
    try fs.replaceFile(path, with: Array("a much longer first version\n".utf8))
    #expect(directory.read("report.json") == "a much longer first version\n")
    // A hard link keeps the old inode: a rename leaves it untouched, an
    // in-place rewrite would not.
    try FileManager.default.linkItem(atPath: path, toPath: directory.file("old"))
    try fs.replaceFile(path, with: Array("new\n".utf8))
    #expect(directory.read("report.json") == "new\n")
    #expect(directory.read("old") == "a much longer first version\n")
    try fs.replaceFile(path, with: [])
    #expect(directory.read("report.json") == "")
    let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    #expect(names == ["old", "report.json"])
  }

  func permissions(_ path: String) throws -> Int {
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    return try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
  }

  @Test func replaceFileSetsExactlyTheMode() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("table")
    try fs.replaceFile(path, with: [1], mode: 0o600)
    #expect(try permissions(path) == 0o600)
    // The umask (022 or stricter) must not matter.
    try fs.replaceFile(path, with: [2], mode: 0o666)
    #expect(try permissions(path) == 0o666)
    try fs.replaceFile(path, with: [3])
    #expect(try permissions(path) == 0o644)
    #expect(FileManager.default.contents(atPath: path) == Data([3]))
  }

  @Test func replaceFileInAMissingDirectoryLeavesNothing() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("missing/report.json")
    let error = try #require(systemError { try fs.replaceFile(path, with: [1, 2, 3]) })
    #expect(error.errno == .noSuchFile)
    #expect(!FileManager.default.fileExists(atPath: directory.file("missing")))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  @Test func errnoNamesAndDescriptions() {
    #expect(Errno.noSuchFile.description == "No such file or directory (ENOENT)")
    #expect(Errno.busy.name == "EBUSY")
    #expect(Errno(rawValue: 9999).description == "errno 9999")
    #expect(
      SystemError(syscall: "write", path: "/sys/x", errno: .noSuchDevice).description
        == "write /sys/x: No such device (ENODEV)")
  }

  /// Every number the platform has maps to a name and back, and a named
  /// one carries the text libc itself gives it: the numbers come from the
  /// headers, so nothing is mislabelled on another architecture.
  @Test func errnoNumbersComeFromThePlatform() {
    #expect(Errno(rawValue: ENOENT) == .noSuchFile && Errno(rawValue: EAGAIN) == .wouldBlock)
    #expect(Errno.notADirectory.rawValue == ENOTDIR && Errno.tooManyLinks.rawValue == ELOOP)
    var named = 0
    for number in Int32(1)..<200 {
      let errno = Errno(rawValue: number)
      #expect(errno.rawValue == number)
      if case .other = errno { continue }
      named += 1
      #expect(errno.description == String(cString: strerror(number)) + " (" + errno.name + ")")
    }
    #expect(named == 26)
  }
}

@Suite struct MakeDirectoriesTests {
  func failure(_ body: () throws(SystemError) -> Void) -> SystemError? {
    do {
      try body()
      return nil
    } catch {
      return error
    }
  }

  @Test func aFileInTheWayIsNotADirectory() throws {
    let directory = try TemporaryDirectory()
    try directory.write("a/file", "x")
    let fs = PosixFileSystem()
    let error = try #require(
      failure { () throws(SystemError) in try fs.makeDirectories(directory.file("a/file")) })
    #expect(error.errno.name == "ENOTDIR")
    #expect(error.path == directory.file("a/file"))
    let below = try #require(
      failure { () throws(SystemError) in try fs.makeDirectories(directory.file("a/file/b")) })
    #expect(below.errno.name == "ENOTDIR")
    try fs.makeDirectories(directory.file("a/dir/b"))
    try fs.makeDirectories(directory.file("a/dir/b"))
    var isDirectory: ObjCBool = false
    #expect(
      FileManager.default.fileExists(atPath: directory.file("a/dir/b"), isDirectory: &isDirectory))
    #expect(isDirectory.boolValue)
  }
}
