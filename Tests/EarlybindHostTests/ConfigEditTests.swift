// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix
import EarlybindTestSupport
import Foundation
import Testing

@testable import EarlybindHost

@Suite struct ConfigEditTests {
  @Test func editsKeepCommentsOrderAndTrailingComments() throws {
    var editor = ConfigEditor(
      text: "# header\n\nnon-boot-vga   # the GPUs\n0000:04:00.0 driver=nvme\n")
    let replaced = editor.upsert(try RuleArguments.parse(["non-boot-vga", "functions=none"]))
    #expect(replaced.line == 3 && replaced.replaced)
    let added = editor.upsert(try RuleArguments.parse(["10de:13c2", "group"]))
    #expect(added.line == 5 && !added.replaced)
    // 04:00.0 and 0000:04:00.0 are the same selector.
    #expect(editor.remove(try RuleArguments.parse(["04:00.0"]).selector) == 4)
    #expect(editor.remove(.nonBootVGA.self) == 3)
    #expect(editor.text == "# header\n\n10de:13c2 group\n")
  }

  @Test func addRecordsTheCurrentIDAndPrintsAValidConfig() throws {
    let sysfs = try Workstation.build()
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try "# mine\nnon-boot-vga\n".write(toFile: config, atomically: true, encoding: .utf8)
    try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: config)

    let host = try TestHost(sysfs: sysfs)
    let added = try host.run(AddCommand.self, ["0000:02:00.0", "rebind", "--config", config])
    #expect(added.status == .success)
    #expect(
      added.output.hasPrefix(
        "added \(config):3: 0000:02:00.0 rebind expect=10de:1b80:1458:3702\n"
          + "At the next boot with kernel 6.1.0-test:\n"
          + "Would bind:\n"))
    #expect(
      try String(contentsOfFile: config, encoding: .utf8)
        == "# mine\nnon-boot-vga\n0000:02:00.0 rebind expect=10de:1b80:1458:3702\n")
    let mode = try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions]
    #expect((mode as? NSNumber)?.intValue == 0o600)

    let removed = try host.run(RemoveCommand.self, ["02:00.0", "--config", config])
    #expect(removed.status == .success && removed.output.hasPrefix("removed \(config):3\n"))
    #expect(try String(contentsOfFile: config, encoding: .utf8) == "# mine\nnon-boot-vga\n")
  }

  /// Behind a bridge, `add` writes the path, which still names the card
  /// after the buses renumber; the address rule it replaces keeps its line.
  @Test func addWritesThePathOfADeviceBehindABridge() throws {
    let before = try Machine.build(Renumbering.before)
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try dir.write("earlybind.conf", "0000:03:00.0 rebind  # the guest's GPU\n10de:13c2\n")
    let host = try TestHost(sysfs: before)
    let added = try host.run(AddCommand.self, ["0000:03:00.0", "--config", config])
    #expect(added.status == .success, "\(added.errors)")
    let rule = "path:1c.0/00.0/00.0 expect=10de:1b80:1458:3702"
    #expect(added.output.hasPrefix("replaced \(config):1: " + rule + "\n"))
    #expect(
      added.warnings.contains(
        "note: 0000:03:00.0 is behind a bridge; written as path:1c.0/00.0/00.0,"
          + " which bus renumbering does not change"))
    #expect(
      try String(contentsOfFile: config, encoding: .utf8)
        == rule + "  # the guest's GPU\n10de:13c2\n")

    // After the newcomer: the same card at its new address, never the twin.
    let after = try TestHost(sysfs: try Machine.build(Renumbering.after))
    let planned = try after.run(PlanCommand.self, ["--json", "--config", config]).json()
    let targets = try #require(planned["targets"] as? [[String: Any]])
    let addresses = targets.compactMap { $0["address"] as? String }
    #expect(addresses.contains("0000:05:00.0") && addresses.contains("0000:05:00.1"))
    #expect(!addresses.contains { $0.hasPrefix("0000:03:") })

    // A root-bus device keeps its address, which no bridge can renumber.
    let root = try host.run(AddCommand.self, ["0000:00:1c.0", "--no-expect", "--config", config])
    #expect(root.output.hasPrefix("added \(config):3: 0000:00:1c.0\n"))
  }

  @Test func addRecordsWhatAPathOrSlotHoldsNow() throws {
    let after = try Machine.build(Renumbering.after)
    try after.addSlot("3", at: "0000:05:00")
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    let host = try TestHost(sysfs: after)
    let path = try host.run(AddCommand.self, ["path:1b.0/00.0/00.0", "--config", config])
    #expect(path.output.contains(": path:1b.0/00.0/00.0 expect=10de:1b80:1458:3702\n"))
    let slot = try host.run(AddCommand.self, ["slot:3", "functions=none", "--config", config])
    #expect(slot.output.contains(": slot:3 functions=none expect=10de:1b80:1458:3702\n"))
    let nothing = try host.run(AddCommand.self, ["path:1d.0", "--config", config])
    #expect(
      nothing.warnings.contains("note: no device at path:1d.0 now; the rule will wait for one"))
  }

  @Test func badWordsChangeNothing() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try "non-boot-vga\n".write(toFile: config, atomically: true, encoding: .utf8)
    let host = try TestHost()
    let add = try host.run(AddCommand.self, ["0000:02:00.0", "functons", "--config", config])
    #expect(add.status == .failure)
    #expect(add.errors.hasPrefix("arguments:1:14: unknown option 'functons'"))
    #expect {
      _ = try RuleArguments.parse(["0000:02:00.0", "functons"])
    } throws: { error in
      String(describing: error).hasPrefix("arguments:1:14: unknown option 'functons'")
    }
    let remove = try host.run(RemoveCommand.self, ["0000:09:00.0", "--config", config])
    #expect(remove.status == .failure)
    #expect(remove.errors == "earlybind: no rule for 0000:09:00.0 in \(config)\n")
    #expect(try String(contentsOfFile: config, encoding: .utf8) == "non-boot-vga\n")
  }

  /// The config's exact bytes (not decoded: some tests hold non-UTF-8).
  func bytes(_ path: String) throws -> [UInt8] {
    Array(try Data(contentsOf: URL(fileURLWithPath: path)))
  }

  @Test func removeAndAddKeepCRLFLinesByteForByte() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/c.conf"
    try dir.write("c.conf", "0000:02:00.0 rebind\r\n# c\r\n10de:13c2\r\n")
    let host = try TestHost()

    let removed = try host.run(RemoveCommand.self, ["0000:02:00.0", "--config", config])
    #expect(removed.status == .success, "\(removed.errors)")
    #expect(removed.output.hasPrefix("removed \(config):1\n"))
    #expect(try bytes(config) == Array("# c\r\n10de:13c2\r\n".utf8))

    // The same selector is replaced in place, its CRLF kept; a new rule
    // gets the file's CRLF too.
    let replaced = try host.run(AddCommand.self, ["10de:13c2", "group", "--config", config])
    #expect(replaced.status == .success, "\(replaced.errors)")
    #expect(replaced.output.hasPrefix("replaced \(config):2: 10de:13c2 group\n"))
    let added = try host.run(AddCommand.self, ["class:0c0330", "--config", config])
    #expect(added.status == .success, "\(added.errors)")
    #expect(
      try bytes(config) == Array("# c\r\n10de:13c2 group\r\nclass:0c0330\r\n".utf8))
  }

  @Test func editsKeepOtherBytesExactly() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/c.conf"
    // A Latin-1 comment (not UTF-8), trailing blanks, no final newline.
    let head: [UInt8] = Array("# caf".utf8) + [0xE9, 0xFF] + Array(" \t\n".utf8)
    let middle = Array("0000:02:00.0 rebind   # mine\t \nnon-boot-vga  \t".utf8)
    try dir.write("c.conf", head + middle)
    let host = try TestHost()

    let added = try host.run(AddCommand.self, ["10de:13c2", "--config", config])
    #expect(added.status == .success, "\(added.errors)")
    #expect(try bytes(config) == head + middle + Array("\n10de:13c2\n".utf8))

    let replaced = try host.run(
      AddCommand.self, ["0000:02:00.0", "driver=pci-stub", "--no-expect", "--config", config])
    #expect(replaced.status == .success, "\(replaced.errors)")
    let rule = Array("0000:02:00.0 driver=pci-stub  # mine\t \n".utf8)
    let tail = Array("non-boot-vga  \t\n10de:13c2\n".utf8)
    #expect(try bytes(config) == head + rule + tail)

    let removed = try host.run(RemoveCommand.self, ["02:00.0", "--config", config])
    #expect(removed.status == .success, "\(removed.errors)")
    #expect(try bytes(config) == head + tail)

    // The last line, without its newline, goes without touching the rest.
    try dir.write("c.conf", head + middle)
    let last = try host.run(RemoveCommand.self, ["non-boot-vga", "--config", config])
    #expect(last.status == .success, "\(last.errors)")
    #expect(try bytes(config) == head + Array("0000:02:00.0 rebind   # mine\t \n".utf8))
  }

  @Test func aSymlinkedConfigIsEditedAtItsTarget() throws {
    let dir = try TemporaryDirectory()
    try dir.write("real/earlybind.conf", "non-boot-vga\n")
    try dir.link("etc/earlybind.conf", to: "../real/earlybind.conf")
    let config = dir.file("etc/earlybind.conf")
    let host = try TestHost()

    let added = try host.run(AddCommand.self, ["10de:13c2", "--config", config])
    #expect(added.status == .success, "\(added.errors)")
    let link = try FileManager.default.destinationOfSymbolicLink(atPath: config)
    #expect(link == "../real/earlybind.conf")
    #expect(dir.read("real/earlybind.conf") == "non-boot-vga\n10de:13c2\n")
    #expect(dir.list("etc") == ["earlybind.conf"])
    #expect(dir.list("real") == ["earlybind.conf", "earlybind.conf.lock"])

    let removed = try host.run(RemoveCommand.self, ["non-boot-vga", "--config", config])
    #expect(removed.status == .success, "\(removed.errors)")
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: config) == link)
    #expect(dir.read("real/earlybind.conf") == "10de:13c2\n")
  }

  @Test func controlCharactersInArgumentsAreRefused() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/c.conf"
    try dir.write("c.conf", "non-boot-vga\n")
    let host = try TestHost()
    for words in [["0000:02:00.0", "rebind\ndriver=nouveau"], ["10de:13c2\tgroup"]] {
      let add = try host.run(AddCommand.self, words + ["--config", config])
      #expect(add.status == .failure)
      #expect(add.errors.contains("argument \(words.count) (\(words.last!.debugDescription))"))
      #expect(add.errors.contains("control character"))
    }
    let remove = try host.run(RemoveCommand.self, ["non-boot-vga\r", "--config", config])
    #expect(remove.status == .failure && remove.errors.contains("control character 0x0d"))
    #expect(dir.read("c.conf") == "non-boot-vga\n")
  }

  /// A config 5 bytes under the parser's limit: one more rule passes it.
  static func nearlyFullConfig(at path: String, rules: String = "non-boot-vga\n") throws {
    let padding = ConfigFile.limit - rules.utf8.count - 7
    let text = rules + "#" + String(repeating: "x", count: padding) + "\n"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
  }

  @Test func addRefusesToPassTheParsersLimit() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    try Self.nearlyFullConfig(at: config)
    let before = try Data(contentsOf: URL(fileURLWithPath: config))
    let host = try TestHost()
    let add = try host.run(AddCommand.self, ["0000:02:00.0", "--no-expect", "--config", config])
    #expect(add.status == .failure)
    let size = before.count + "0000:02:00.0\n".utf8.count
    #expect(
      add.errors
        == "earlybind: \(config): the edited config would be \(size) bytes; a config must be"
        + " smaller than 1048576 bytes; nothing written\n")
    #expect(try Data(contentsOf: URL(fileURLWithPath: config)) == before)
    // What add left is still a config compile and add read.
    #expect(try ConfigFile.load(config, fileSystem: PosixFileSystem()).count == 1)
  }

  @Test func removeWorksOnAConfigOverTheLimit() throws {
    let dir = try TemporaryDirectory()
    let config = dir.path + "/earlybind.conf"
    let comment = "#" + String(repeating: "x", count: ConfigFile.limit) + "\n"
    try ("non-boot-vga\n0000:02:00.0\n" + comment).write(
      toFile: config, atomically: true, encoding: .utf8)
    let host = try TestHost()
    let removed = try host.run(RemoveCommand.self, ["02:00.0", "--config", config])
    #expect(removed.status == .success, "\(removed.errors)")
    #expect(removed.output.hasPrefix("removed \(config):2\n"))
    #expect(
      try String(contentsOfFile: config, encoding: .utf8) == "non-boot-vga\n" + comment)
  }
}
