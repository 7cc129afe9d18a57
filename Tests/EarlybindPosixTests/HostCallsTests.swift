// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

/// The calls the host tool makes beyond the binder's, on the real kernel.
@Suite("Host calls of the OS layer")
struct HostCallsTests {
  let fs = PosixFileSystem()

  @Test func statusTellsKindsModesAndDevices() throws {
    let directory = try TemporaryDirectory()
    try directory.write("file", "12345")
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o750], ofItemAtPath: directory.file("file"))
    try directory.link("link", to: "file")
    try directory.link("dangling", to: "nothing")
    let file = try fs.status(directory.file("file"))
    #expect(file.kind == .regular && file.permissions == 0o750 && file.size == 5)
    #expect(try fs.status(directory.file("link")).kind == .regular)
    #expect(try fs.status(directory.file("link"), followingLinks: false).kind == .symlink)
    #expect(try fs.status(directory.path).kind == .directory)
    let null = try fs.status("/dev/null")
    #expect(null.kind == .characterDevice)
    #expect(null.representedDevice == DeviceNumber(major: 1, minor: 3))
    #expect(fs.exists(directory.file("file")) && !fs.exists(directory.file("dangling")))
    #expect(fs.isDirectory(directory.path) && !fs.isDirectory(directory.file("file")))
    let error = #expect(throws: SystemError.self) { try fs.status(directory.file("dangling")) }
    #expect(error?.syscall == "stat" && error?.errno == .noSuchFile)
  }

  @Test func deviceNumbersSplitAsTheKernelEncodesThem() {
    #expect(DeviceNumber(encoded: 0x0802) == DeviceNumber(major: 8, minor: 2))
    // Minors above 255 and majors above 4095 (glibc's makedev layout).
    #expect(DeviceNumber(encoded: 0x1001_0300) == DeviceNumber(major: 259, minor: 65536))
    #expect(DeviceNumber(encoded: 0x1000_0000_0003).description == "4096:3")
  }

  @Test func executableMeansARegularFileWithExecutePermission() throws {
    let directory = try TemporaryDirectory()
    try directory.write("script", "#!/bin/sh\n")
    #expect(!fs.isExecutable(directory.file("script")))
    try FileManager.default.setAttributes(
      [.posixPermissions: 0o755], ofItemAtPath: directory.file("script"))
    #expect(fs.isExecutable(directory.file("script")))
    #expect(!fs.isExecutable(directory.path))
    #expect(!fs.isExecutable(directory.file("missing")))
  }

  @Test func resolvedPathFollowsEveryLink() throws {
    let directory = try TemporaryDirectory()
    try directory.write("real/file", "")
    try directory.link("a", to: "real")
    try directory.link("real/b", to: "../a/file")
    let real = try fs.resolvedPath(directory.path)
    #expect(try fs.resolvedPath(directory.file("a/b")) == real + "/real/file")
    #expect(try fs.resolvedPath(directory.file("a/./../a/file")) == real + "/real/file")
    let error = #expect(throws: SystemError.self) {
      try fs.resolvedPath(directory.file("a/missing"))
    }
    #expect(error?.syscall == "realpath" && error?.errno == .noSuchFile)
  }

  @Test func walkListsEverythingBelowSortedWithoutEnteringLinks() throws {
    let directory = try TemporaryDirectory()
    try directory.write("b/inner/file", "")
    try directory.write("a", "")
    try directory.link("c", to: "b")
    let entries = try fs.walk(directory.path)
    #expect(entries.map(\.path) == ["a", "b", "b/inner", "b/inner/file", "c"])
    #expect(entries.map(\.kind) == [.regular, .directory, .directory, .regular, .symlink])
    #expect(throws: SystemError.self) { try fs.walk(directory.file("none")) }
  }

  @Test func removeFileAndEmptyDirectory() throws {
    let directory = try TemporaryDirectory()
    try directory.write("d/f", "")
    let error = #expect(throws: SystemError.self) { try fs.removeDirectory(directory.file("d")) }
    #expect(error?.syscall == "rmdir")
    try fs.removeFile(directory.file("d/f"))
    try fs.removeDirectory(directory.file("d"))
    #expect(!fs.exists(directory.file("d")))
    #expect(throws: SystemError.self) { try fs.removeFile(directory.file("d/f")) }
  }

  @Test func subprocessStatusOutputAndErrors() throws {
    let result = try Subprocess.run(
      ["sh", "-c", "echo out; echo err >&2; exit 3"], captureOutput: true, discardErrors: true)
    #expect(result.status == 3)
    #expect(String(decoding: result.output, as: UTF8.self) == "out\n")
    let large = try Subprocess.run(["sh", "-c", "head -c 300000 /dev/zero"], captureOutput: true)
    #expect(large.status == 0 && large.output.count == 300_000)
    let killed = try Subprocess.run(["sh", "-c", "kill -TERM $$"])
    #expect(killed.status == 128 + 15, "status \(killed.status)")
    let missing = #expect(throws: SystemError.self) {
      try Subprocess.run(["earlybind-no-such-command"])
    }
    #expect(missing?.syscall == "posix_spawnp" && missing?.errno == .noSuchFile)
  }

  /// flock(1) from util-linux stands in for a second earlybind.
  @Test func aLockKeepsOthersOutUntilReleased() throws {
    let directory = try TemporaryDirectory()
    for path in [directory.path, directory.file("lock")] {
      let lock = try FileLock(path)
      #expect(try Subprocess.run(["flock", "-n", path, "true"]).status == 1)
      lock.release()
      #expect(try Subprocess.run(["flock", "-n", path, "true"]).status == 0)
    }
  }

  @Test func kernelReleaseIsUnameR() throws {
    let expected = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
    #expect(ProcessEnvironment.kernelRelease + "\n" == expected)
  }
}
