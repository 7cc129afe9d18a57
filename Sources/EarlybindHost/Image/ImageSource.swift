// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// The bytes of an image, read at any offset: the file (`ReadOnlyFile`) or,
/// for tests and fuzzing, memory.
protocol ImageSource {
  var size: Int64 { get }
  /// Up to `count` bytes from `offset`; fewer only at the end.
  func read(at offset: Int64, count: Int) throws(SystemError) -> [UInt8]
}

/// An image held in memory.
struct ImageBytes: ImageSource {
  var bytes: [UInt8]

  var size: Int64 { Int64(bytes.count) }

  func read(at offset: Int64, count: Int) -> [UInt8] {
    let start = Int(min(max(offset, 0), size))
    return Array(bytes[start..<min(bytes.count, start + count)])
  }
}
