// SPDX-License-Identifier: Apache-2.0
/// Fuzz target: the binding table decoder the binder runs at boot.
/// Any input either fails with a TableError or decodes to a table that
/// encodes back to exactly the same bytes (the encoding is canonical).
enum TableDecoderTarget {
  static func run(_ bytes: [UInt8]) {
    guard let table = try? BindingTableCodec.decode(bytes) else { return }
    let encoded: [UInt8]
    do {
      encoded = try BindingTableCodec.encode(table)
    } catch {
      fatalError("a decoded table does not encode: \(error)")
    }
    if encoded != bytes { fatalError("encode(decode(b)) != b") }
  }
}
