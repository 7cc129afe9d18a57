// SPDX-License-Identifier: Apache-2.0
/// The name of a physical slot as the firmware reports it and sysfs shows
/// it (`/sys/bus/pci/slots/NAME`). Kept as bytes: String equality would
/// link Unicode tables into the binder (see `ASCII.equal`).
public struct SlotName: Hashable, Sendable, CustomStringConvertible {
  public let bytes: [UInt8]

  /// Letters, digits, `_` and `-`, at most 64: what the table's strings hold.
  public init?<C: Collection<UInt8>>(_ bytes: C) {
    guard !bytes.isEmpty, bytes.count <= RuleParser.maximumNameLength,
      bytes.allSatisfy(ASCII.isNameByte)
    else { return nil }
    self.bytes = Array(bytes)
  }

  public init?(_ text: String) { self.init(Array(text.utf8)) }

  public var description: String { ASCII.string(bytes) }
}
