import ArgumentParser
import EarlybindPosix

/// The host-side tool: edits and compiles the config, installs the
/// initramfs hooks and shows what the binder will do or did.
public struct EarlybindCommand: ParsableCommand {
  public static let configuration = CommandConfiguration(
    commandName: "earlybind",
    abstract: "Hand chosen PCI devices to vfio-pci in the initramfs, before any GPU driver.",
    discussion: """
      Rules live in /etc/earlybind.conf, one per line: SELECTOR [OPTION ...].
      The initramfs hook compiles them with 'earlybind compile' for each kernel.
      Boot with earlybind=off to disable the binder for one boot.
      """,
    version: earlybindVersion,
    subcommands: [
      ListCommand.self, GroupsCommand.self, PlanCommand.self, CompileCommand.self,
      AddCommand.self, RemoveCommand.self,
      CheckCommand.self, ApplyCommand.self, ReleaseCommand.self, StatusCommand.self,
      InstallCommand.self, UninstallCommand.self,
    ])

  public init() {}
}

/// Failures the commands report as one line on standard error, exit 1.
struct CommandFailure: Error, CustomStringConvertible {
  var description: String
  /// Located messages (`file:line:col: ...`) are printed as they are, so
  /// editors and build logs can jump to the place.
  var located: Bool

  init(_ description: String, located: Bool = false) {
    self.description = description
    self.located = located
  }
}

extension ParsableCommand {
  /// Prints `earlybind: message` on stderr and exits 1, the way every
  /// command reports a failure.
  static func fail(_ error: any Error, code: Int32 = 1) -> ExitCode {
    if let failure = error as? CommandFailure, failure.located {
      writeLine(failure.description, toError: true)
    } else {
      writeLine("earlybind: " + String(describing: error), toError: true)
    }
    return ExitCode(code)
  }
}
