// SPDX-License-Identifier: Apache-2.0
import Foundation

/// A throwaway directory, removed with the value. On tmpfs when there is
/// one: the binder fsyncs its report and the installer its files, which
/// costs real time on a disk and nothing in memory.
public final class TemporaryDirectory {
  public let path: String

  static let base: String = {
    let shm = "/dev/shm"
    if FileManager.default.isWritableFile(atPath: shm) { return shm }
    return FileManager.default.temporaryDirectory.path
  }()

  public init() throws {
    path = Self.base + "/earlybind-test-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit {
    try? FileManager.default.removeItem(atPath: path)
  }

  /// The absolute path of `relative` inside the directory.
  public func file(_ relative: String) -> String { path + "/" + relative }

  public func write(_ relative: String, _ bytes: [UInt8]) throws {
    let full = file(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(bytes).write(to: URL(fileURLWithPath: full))
  }

  /// The file's text, or nil when it cannot be read.
  public func read(_ relative: String) -> String? {
    guard let data = FileManager.default.contents(atPath: file(relative)) else { return nil }
    return String(decoding: data, as: UTF8.self)
  }

  public func makeDirectory(_ relative: String) throws {
    try FileManager.default.createDirectory(
      atPath: file(relative), withIntermediateDirectories: true)
  }

  /// A symlink at `relative` holding `destination` as it is (absolute or
  /// relative to the link's folder), creating the folders above it.
  public func link(_ relative: String, to destination: String) throws {
    let full = file(relative)
    try FileManager.default.createDirectory(
      atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: full, withDestinationPath: destination)
  }

  public func remove(_ relative: String) throws {
    try FileManager.default.removeItem(atPath: file(relative))
  }

  /// Entry names of a folder, sorted; empty when it cannot be listed.
  public func list(_ relative: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: file(relative))) ?? []).sorted()
  }
}
