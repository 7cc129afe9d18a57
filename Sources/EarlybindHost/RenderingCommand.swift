import ArgumentParser
import EarlybindPosix

/// A command whose whole output is rendered first, so tests read exactly
/// what it prints, then printed with its warnings on stderr.
protocol RenderingCommand: ParsableCommand {
  var json: Bool { get }
  func render(colour: Bool) throws(CommandFailure) -> (text: String, warnings: [String])
}

extension RenderingCommand {
  func run() throws {
    do {
      let output = try render(colour: !json && TextTable.wantsColour())
      for warning in output.warnings { writeLine("earlybind: " + warning, toError: true) }
      print(output.text, terminator: "")
    } catch {
      throw Self.fail(error)
    }
  }
}
