// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

extension ReadOnlyFile: ImageSource {}

/// Reads an initramfs image whole, the way the kernel unpacks it
/// (`ImageUnpacker`), within `ImageLimits`: the tree it would build, with
/// the first bytes of the files whose names `keeping` lists.
enum InitramfsImage {
  static func read(
    _ path: String, keeping names: Set<String> = [], keptSize: Int = 0,
    limits: ImageLimits = .default, visit: ((CpioEntry) -> Void)? = nil
  ) throws(InitramfsImageError) -> UnpackedTree {
    let file: ReadOnlyFile
    do {
      file = try ReadOnlyFile.open(path)
    } catch {
      throw InitramfsImageError(path: path, partOffset: 0, reason: .system(error))
    }
    defer { file.close() }
    return try ImageUnpacker.read(
      file, path: path, keeping: names, keptSize: keptSize, limits: limits, visit: visit)
  }
}
