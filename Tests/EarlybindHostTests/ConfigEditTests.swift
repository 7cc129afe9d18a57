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
        "added \(config):3: 0000:02:00.0 rebind expect=10de:1b80\nWould bind:\n"))
    #expect(
      try String(contentsOfFile: config, encoding: .utf8)
        == "# mine\nnon-boot-vga\n0000:02:00.0 rebind expect=10de:1b80\n")
    let mode = try FileManager.default.attributesOfItem(atPath: config)[.posixPermissions]
    #expect((mode as? NSNumber)?.intValue == 0o600)

    let removed = try host.run(RemoveCommand.self, ["02:00.0", "--config", config])
    #expect(removed.status == .success && removed.output.hasPrefix("removed \(config):3\n"))
    #expect(try String(contentsOfFile: config, encoding: .utf8) == "# mine\nnon-boot-vga\n")
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
}
