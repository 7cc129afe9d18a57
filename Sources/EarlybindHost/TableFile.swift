import EarlybindCore
import EarlybindPosix

/// Reading and writing compiled tables on the host.
enum TableFile {
  static func write(_ table: BindingTable, to path: String) throws(CommandFailure) {
    let bytes: [UInt8]
    do {
      bytes = try BindingTableCodec.encode(table)
    } catch {
      throw CommandFailure(error.description)
    }
    let fileSystem = PosixFileSystem()
    do {
      let parent = Paths.parent(path)
      if !parent.isEmpty { try fileSystem.makeDirectories(parent) }
      try fileSystem.replaceFile(path, with: bytes)
    } catch {
      throw CommandFailure("cannot write table: " + error.description)
    }
  }

  static func read(_ path: String) throws(CommandFailure) -> BindingTable {
    let bytes: [UInt8]
    do {
      bytes = try PosixFileSystem().readFile(path, limit: BindingTableCodec.maximumSize + 1)
    } catch {
      throw CommandFailure("cannot read table: " + error.description)
    }
    do {
      return try BindingTableCodec.decode(bytes)
    } catch {
      throw CommandFailure(path + ": " + error.description)
    }
  }
}
