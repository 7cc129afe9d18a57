// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Compiled tables on the host.
enum TableFile {
  static func write(_ table: BindingTable, to path: String, fileSystem: any HostFileSystem)
    throws(CommandFailure)
  {
    let bytes: [UInt8]
    do {
      bytes = try BindingTableCodec.encode(table)
    } catch {
      throw .table(path: path, error)
    }
    do {
      let parent = Paths.parent(path)
      if !parent.isEmpty { try fileSystem.makeDirectories(parent) }
      // A FIFO or device at the output is an error, not replaced.
      try fileSystem.requireRegularOrAbsent(try fileSystem.linkTarget(path))
      fileSystem.removeStaleTemporaryFiles(of: path)
      try fileSystem.replaceFile(path, with: bytes)
    } catch {
      throw .system(error)
    }
  }

  static func read(_ path: String, fileSystem: any HostFileSystem) throws(CommandFailure)
    -> BindingTable
  {
    let bytes: [UInt8]
    do {
      bytes = try fileSystem.readFile(path, limit: BindingTableCodec.maximumSize + 1)
    } catch {
      throw .system(error)
    }
    do {
      return try BindingTableCodec.decode(bytes)
    } catch {
      throw .table(path: path, error)
    }
  }
}
