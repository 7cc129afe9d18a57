// SPDX-License-Identifier: Apache-2.0
/// The command line of `earlybind-init`:
///
///     earlybind-init [--root DIR] [--table FILE] [--log FILE] [--no-modules] [--quiet]
///
/// An option that takes a value and has none (it is last, or another option
/// follows it) is an error naming the option: taking `--no-modules` as the
/// root would run the binder on the wrong tree and write its report there.
public struct InitArguments: Hashable, Sendable {
  public var root = ""
  public var table: String? = nil
  public var log: String? = nil
  public var loadModules = true
  public var quiet = false
  public var help = false
  /// Arguments it does not know: warned about, then ignored.
  public var unknown: [String] = []

  public static let usage =
    "usage: earlybind-init [--root DIR] [--table FILE] [--log FILE] [--no-modules] [--quiet]"

  /// An option given without its value.
  public struct MissingValue: Error, Hashable, Sendable, CustomStringConvertible {
    public var option: String
    public var expected: String

    public var description: String {
      "earlybind-init: " + option + " needs a value (" + expected + ")"
    }
  }

  public init() {}

  /// `arguments` without the program name. Byte comparisons: String's ==
  /// would link Unicode tables into the binder.
  public static func parse(_ arguments: [String]) throws(MissingValue) -> InitArguments {
    var result = InitArguments()
    var remaining = arguments[...]
    func value(_ option: String, _ expected: String) throws(MissingValue) -> String {
      // A value never starts with "-": that is the next option.
      guard let next = remaining.first, next.utf8.first != 0x2D else {
        throw MissingValue(option: option, expected: expected)
      }
      remaining.removeFirst()
      return next
    }
    while let argument = remaining.popFirst() {
      if ASCII.equal(argument, "--root") {
        result.root = try value(argument, "a directory")
      } else if ASCII.equal(argument, "--table") {
        result.table = try value(argument, "a binding table file")
      } else if ASCII.equal(argument, "--log") {
        result.log = try value(argument, "a file to log to")
      } else if ASCII.equal(argument, "--no-modules") {
        result.loadModules = false
      } else if ASCII.equal(argument, "--quiet") {
        result.quiet = true
      } else if ASCII.equal(argument, "--help") || ASCII.equal(argument, "-h") {
        result.help = true
      } else {
        result.unknown.append(argument)
      }
    }
    return result
  }
}
