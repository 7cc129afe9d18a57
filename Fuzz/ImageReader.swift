// SPDX-License-Identifier: Apache-2.0
/// Fuzz target: the initramfs image reader `check` runs, the whole way: the
/// image's parts, every decompressor, the cpio unpacker and the tree, and
/// the lookup of the binder and its table. Any input ends in a result or
/// an InitramfsImageError, within smaller limits than `check`'s so that
/// each input finishes well inside libFuzzer's -timeout; what is kept never
/// exceeds them.
enum ImageReaderTarget {
  static let limits = ImageLimits(
    archiveBytes: 64 << 20, entries: 4096, keptBytes: 1 << 20, pathBytes: 1 << 20,
    decoderMemory: 64 << 20)

  static func run(_ bytes: [UInt8]) {
    var tree: UnpackedTree
    do {
      tree = try ImageUnpacker.read(
        ImageBytes(bytes: bytes), path: "fuzz", keeping: ["bindings.tbl"], keptSize: 4096,
        limits: limits)
    } catch {
      _ = error.description
      return
    }
    if tree.nodes.count > limits.entries || tree.keptBytes > limits.keptBytes {
      fatalError("the tree is past its limits")
    }
    for node in tree.nodes where (node.data?.count ?? 0) > 4096 {
      fatalError("more bytes kept than asked")
    }
    guard
      let search = try? ImageSearch(
        ["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"], in: &tree)
    else { return }
    if let table = search.file("etc/earlybind/bindings.tbl"), let data = table.data {
      _ = try? BindingTableCodec.decode(data)
    }
  }
}
