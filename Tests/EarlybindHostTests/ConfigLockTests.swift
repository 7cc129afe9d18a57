// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct ConfigLockTests {
  /// Twenty real `earlybind add` processes at once: every rule arrives.
  @Test func concurrentAddsLoseNoRule() throws {
    let dir = try TemporaryDirectory()
    try dir.makeDirectory("sys")
    let config = dir.file("etc/earlybind.conf")
    try dir.write("etc/earlybind.conf", "# rules\n")
    let ids = (1...20).map { "10de:" + String(0x1000 + $0, radix: 16) }
    let runs = try ids.map { id in
      try HostBinary.start(["add", id, "--config", config, "--sysfs", dir.file("sys")])
    }
    for (id, run) in zip(ids, runs) {
      let result = run.wait()
      #expect(result.status == 0, "add \(id): \(result.errors)")
    }
    let rules = try RuleParser.parseConfig(
      Array(try Data(contentsOf: URL(fileURLWithPath: config))), file: config)
    #expect(Set(rules.map(\.selector.description)) == Set(ids))
    #expect(dir.read("etc/earlybind.conf")?.hasPrefix("# rules\n") == true)
    #expect(dir.list("etc") == ["earlybind.conf", "earlybind.conf.lock"])
  }

  /// While another process holds the lock, an edit waits for the bound
  /// and then fails, naming the lock file; the config is untouched.
  @Test func aHeldLockFailsAfterTheBound() throws {
    let dir = try TemporaryDirectory()
    try dir.write("earlybind.conf", "non-boot-vga\n")
    let config = dir.file("earlybind.conf")
    let lockPath = dir.file("earlybind.conf.lock")
    let held = try FileLock(lockFile: lockPath, waitingAtMost: 0)

    let host = try TestHost()
    host.environment.lockTimeout = 0.3
    let start = Date()
    let add = try host.run(AddCommand.self, ["10de:13c2", "--config", config])
    let waited = Date().timeIntervalSince(start)
    #expect(add.status == .failure)
    #expect(
      add.errors
        == "earlybind: cannot lock \(lockPath): another earlybind add, remove or compile has "
        + "held it for over 0.3 s; try again once it ends\n")
    #expect(waited >= 0.3)
    #expect(dir.read("earlybind.conf") == "non-boot-vga\n")

    let compile = try host.run(
      CompileCommand.self,
      ["--config", config, "--skip-module-check", "--output", dir.file("t.tbl")])
    #expect(compile.status == .failure && compile.errors.contains("cannot lock \(lockPath)"))
    #expect(!FileManager.default.fileExists(atPath: dir.file("t.tbl")))

    // Once released, the next edit goes through at once.
    held.release()
    let again = try host.run(AddCommand.self, ["10de:13c2", "--config", config])
    #expect(again.status == .success, "\(again.errors)")
    #expect(dir.read("earlybind.conf") == "non-boot-vga\n10de:13c2\n")
  }

  @Test func compilingAMissingConfigLeavesNoLockFile() throws {
    let dir = try TemporaryDirectory()
    let host = try TestHost()
    let compile = try host.run(
      CompileCommand.self,
      ["--config", dir.file("none.conf"), "--skip-module-check", "--output", dir.file("t.tbl")])
    #expect(compile.status == .failure && compile.errors.contains(dir.file("none.conf")))
    #expect(dir.list(".") == [])
  }

  @Test func theLockOfASymlinkedConfigIsBesideItsTarget() throws {
    let dir = try TemporaryDirectory()
    try dir.write("real/earlybind.conf", "non-boot-vga\n")
    try dir.link("etc/earlybind.conf", to: dir.file("real/earlybind.conf"))
    let held = try FileLock(lockFile: dir.file("real/earlybind.conf.lock"), waitingAtMost: 0)
    defer { held.release() }
    let host = try TestHost()
    host.environment.lockTimeout = 0.1
    let add = try host.run(
      AddCommand.self, ["10de:13c2", "--config", dir.file("etc/earlybind.conf")])
    #expect(add.status == .failure)
    #expect(add.errors.contains("cannot lock " + dir.file("real/earlybind.conf.lock")))
    #expect(dir.list("etc") == ["earlybind.conf"])
  }
}
