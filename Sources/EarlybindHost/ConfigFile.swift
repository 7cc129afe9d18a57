import EarlybindCore
import EarlybindPosix

/// Reading `/etc/earlybind.conf` into rules, with the parser's located errors.
enum ConfigFile {
  static let defaultPath = "/etc/earlybind.conf"

  static func load(_ path: String) throws(CommandFailure) -> [Rule] {
    let bytes: [UInt8]
    do {
      bytes = try PosixFileSystem().readFile(path, limit: 1 << 20)
    } catch {
      throw CommandFailure("cannot read config: " + error.description)
    }
    if bytes.count >= 1 << 20 {
      throw CommandFailure(path + ": larger than 1 MiB; not a config file?")
    }
    do {
      return try RuleParser.parseConfig(bytes, file: path)
    } catch {
      throw CommandFailure(error.description, located: true)
    }
  }
}
