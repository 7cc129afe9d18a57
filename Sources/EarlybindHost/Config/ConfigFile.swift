// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// `/etc/earlybind.conf` read into rules, with the parser's located errors.
enum ConfigFile {
  static let limit = 1 << 20

  static func load(_ path: String, fileSystem: any HostFileSystem) throws(CommandFailure) -> [Rule]
  {
    let bytes = try read(path, fileSystem: fileSystem)
    do {
      return try RuleParser.parseConfig(bytes, file: path)
    } catch {
      throw .config(error)
    }
  }

  static func read(_ path: String, fileSystem: any HostFileSystem) throws(CommandFailure) -> [UInt8]
  {
    let bytes: [UInt8]
    do {
      bytes = try fileSystem.readFile(path, limit: limit)
    } catch {
      throw .system(error)
    }
    if bytes.count >= limit {
      throw .oversizedConfig(path: path)
    }
    return bytes
  }

  /// Commands that list devices work without a config: a missing default
  /// one is normal (nothing set up yet), a missing explicit one is noted.
  /// A broken config is always noted; the listing goes on without rules.
  static func loadIfPresent(_ path: String, explicit: Bool, fileSystem: any HostFileSystem) -> (
    rules: [Rule]?, path: String?, warning: String?
  ) {
    guard fileSystem.exists(path) else {
      return (nil, nil, explicit ? "no config at " + path + "; rules not shown" : nil)
    }
    do {
      return (try load(path, fileSystem: fileSystem), path, nil)
    } catch {
      return (nil, nil, error.description + " (rules not shown)")
    }
  }
}
