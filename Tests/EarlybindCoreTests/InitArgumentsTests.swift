// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite struct InitArgumentsTests {
  static func failure(_ arguments: [String]) -> String? {
    do {
      _ = try InitArguments.parse(arguments)
      return nil
    } catch {
      return error.description
    }
  }

  @Test func everyOptionIsRead() throws {
    let parsed = try InitArguments.parse([
      "--root", "/tmp/r", "--table", "/t.tbl", "--log", "/l", "--no-modules", "--quiet", "-x",
    ])
    #expect(parsed.root == "/tmp/r")
    #expect(parsed.table == "/t.tbl")
    #expect(parsed.log == "/l")
    #expect(!parsed.loadModules)
    #expect(parsed.quiet)
    #expect(!parsed.help)
    #expect(parsed.unknown == ["-x"])
  }

  @Test func noArgumentsIsTheRealSystem() throws {
    #expect(try InitArguments.parse([]) == InitArguments())
  }

  @Test func anOptionIsNeverTakenAsTheRoot() {
    #expect(
      Self.failure(["--root", "--no-modules"])
        == "earlybind-init: --root needs a value (a directory)")
  }

  @Test(arguments: [
    (["--root"], "--root needs a value (a directory)"),
    (["--no-modules", "--table"], "--table needs a value (a binding table file)"),
    (["--log", "--quiet"], "--log needs a value (a file to log to)"),
    (["--table", "-h"], "--table needs a value (a binding table file)"),
  ])
  func aValueOptionWithoutItsValueIsAnErrorNamingIt(_ arguments: [String], _ message: String) {
    #expect(Self.failure(arguments) == "earlybind-init: " + message)
  }
}
