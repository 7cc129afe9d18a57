// SPDX-License-Identifier: Apache-2.0
import ArgumentParser
import EarlybindCore

/// A subcommand that does its work against a `HostEnvironment`: the real
/// machine from the command line, fakes in tests.
protocol HostCommand: ParsableCommand {
  /// Does the work, writing to `environment.output`; the exit status says
  /// how it went. Failing means the command could not do its job.
  func execute(in environment: HostEnvironment) throws(CommandFailure) -> ExitStatus

  /// With --json, a failure is also a JSON document on standard output.
  var printsJSON: Bool { get }
}

extension HostCommand {
  var printsJSON: Bool { false }

  func run() throws {
    let status = perform(in: .system())
    if status != .success { throw ExitCode(status.rawValue) }
  }

  /// The one place a failure becomes words and an exit status.
  func perform(in environment: HostEnvironment) -> ExitStatus {
    do {
      return try execute(in: environment)
    } catch {
      environment.output.writeError(error.errorLine + "\n")
      if printsJSON { environment.output.write(JSONOutput.render(FailureDocument(error))) }
      return .failure
    }
  }
}
