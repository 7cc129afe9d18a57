import ArgumentParser
import EarlybindCore
import EarlybindPosix
import Foundation

/// Shared by add and remove: read, edit, validate, write atomically, show the plan.
struct ConfigEdit {
  var path: String
  var sysfs: String

  func read() throws(CommandFailure) -> String {
    guard FileManager.default.fileExists(atPath: path) else {
      return "# earlybind rules: SELECTOR [OPTION ...], see earlybind.conf(5)\n"
    }
    do {
      let bytes = try PosixFileSystem().readFile(path, limit: 1 << 20)
      return String(decoding: bytes, as: UTF8.self)
    } catch {
      throw CommandFailure("cannot read config: " + error.description)
    }
  }

  /// Validates the whole new text before anything is written.
  func write(_ text: String) throws(CommandFailure) -> [Rule] {
    let rules: [Rule]
    do {
      rules = try RuleParser.parseConfig(Array(text.utf8), file: path)
    } catch {
      throw CommandFailure(error.description, located: true)
    }
    let mode =
      (try? FileManager.default.attributesOfItem(atPath: path)[.posixPermissions])
      .flatMap { $0 as? NSNumber }?.uint32Value ?? 0o644
    do {
      let fileSystem = PosixFileSystem()
      let parent = Paths.parent(path)
      if !parent.isEmpty { try fileSystem.makeDirectories(parent) }
      try fileSystem.replaceFile(path, with: Array(text.utf8), mode: mode)
    } catch {
      throw CommandFailure("cannot write config: " + error.description)
    }
    return rules
  }

  func showPlan(_ rules: [Rule]) {
    if let plan = try? PlanReport.make(
      sysfs: sysfs, rules: rules, options: BootOptions(), modules: BindingTable.modules(for: rules),
      protected: [])
    {
      print(PlanReport.text(plan, options: BootOptions(), ruleCount: rules.count), terminator: "")
    }
    print("Rebuild the initramfs to use it at boot: earlybind install --regenerate")
  }
}

/// `earlybind add SELECTOR [OPTION ...]`.
struct AddCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "add",
    abstract: "Add a rule to the config (or replace the rule for the same selector).",
    discussion: """
      The rule is validated, the config is rewritten atomically with its comments and
      order kept, and the resulting plan for this machine is printed. For an address,
      the device's current vendor:device is recorded as expect=, so the binder refuses
      the address if another card appears there after a hardware change.
      """)

  @Argument(help: "SELECTOR [OPTION ...], as in a config line.")
  var words: [String]

  @Option(name: .long, help: "The config to edit.")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "The sysfs mount to look devices up in.")
  var sysfs: String = "/sys"

  @Flag(name: .long, help: "Do not record expect= for an address.")
  var noExpect = false

  func validate() throws {
    if words.isEmpty { throw ValidationError("give a selector, e.g. 0000:03:00.0 or non-boot-vga") }
  }

  func run() throws {
    do {
      var rule = try parseArguments(words)
      let edit = ConfigEdit(path: config, sysfs: sysfs)
      if case .address(let address) = rule.selector, rule.expectedID == nil, !noExpect {
        let layout = SysfsLayout(sysfs: sysfs)
        if let bytes = try? PosixFileSystem().readFile(
          layout.attribute(address, "modalias"), limit: 128),
          let identity = PCIIdentity(modalias: bytes[...])
        {
          rule.expectedID = identity.id
        } else {
          writeLine(
            "earlybind: note: no device at " + address.description
              + " now; the rule will wait for one", toError: true)
        }
      }
      var editor = ConfigEditor(text: try edit.read())
      let (line, replaced) = editor.upsert(rule)
      let rules = try edit.write(editor.text)
      print("\(replaced ? "replaced" : "added") \(config):\(line): \(rule.description)")
      edit.showPlan(rules)
    } catch {
      throw Self.fail(error)
    }
  }
}

/// `earlybind remove SELECTOR`.
struct RemoveCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "remove",
    abstract: "Remove the rule for a selector from the config.")

  @Argument(help: "The selector of the rule to remove.")
  var selector: String

  @Option(name: .long, help: "The config to edit.")
  var config: String = ConfigFile.defaultPath

  @Option(name: .long, help: "The sysfs mount to look devices up in.")
  var sysfs: String = "/sys"

  func run() throws {
    do {
      let rule = try parseArguments([selector])
      let edit = ConfigEdit(path: config, sysfs: sysfs)
      var editor = ConfigEditor(text: try edit.read())
      guard let line = editor.remove(rule.selector) else {
        throw CommandFailure("no rule for " + rule.selector.description + " in " + config)
      }
      let rules = try edit.write(editor.text)
      print("removed \(config):\(line)")
      edit.showPlan(rules)
    } catch {
      throw Self.fail(error)
    }
  }
}

/// Parses command-line words as one config line; errors point at the word.
func parseArguments(_ words: [String]) throws(CommandFailure) -> Rule {
  let rules: [Rule]
  do {
    rules = try RuleParser.parseConfig(Array(words.joined(separator: " ").utf8), file: "arguments")
  } catch {
    throw CommandFailure(error.description, located: true)
  }
  guard let rule = rules.first else { throw CommandFailure("no selector given") }
  return rule
}
