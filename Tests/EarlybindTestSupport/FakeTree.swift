// SPDX-License-Identifier: Apache-2.0
import Foundation

/// Where fixtures build their trees: a `TemporaryDirectory` on disk or a
/// `MemoryDirectory` in memory, with the same calls.
public protocol FakeTree: AnyObject {
  /// The folder's absolute path.
  var path: String { get }
  /// The absolute path of `relative` inside the folder.
  func file(_ relative: String) -> String
  /// Writes `bytes` to `relative`, creating the folders above it.
  func write(_ relative: String, _ bytes: [UInt8]) throws
  /// The file's text, or nil when it cannot be read.
  func read(_ relative: String) -> String?
  func makeDirectory(_ relative: String) throws
  /// A symlink at `relative` holding `destination` as it is, creating the
  /// folders above it.
  func link(_ relative: String, to destination: String) throws
  func remove(_ relative: String) throws
  /// Entry names of a folder, sorted; empty when it cannot be listed.
  func list(_ relative: String) -> [String]
  /// Whether anything is at `relative` (a dangling symlink is not).
  func exists(_ relative: String) -> Bool
  /// A symlink's target as it is, nil for anything else.
  func readLink(_ relative: String) -> String?
}

extension FakeTree {
  /// Writes `text` to `relative`, creating the folders above it.
  public func write(_ relative: String, _ text: String) throws {
    try write(relative, Array(text.utf8))
  }
}

extension TemporaryDirectory: FakeTree {
  public func exists(_ relative: String) -> Bool {
    FileManager.default.fileExists(atPath: file(relative))
  }

  public func readLink(_ relative: String) -> String? {
    try? FileManager.default.destinationOfSymbolicLink(atPath: file(relative))
  }
}
