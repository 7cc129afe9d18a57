// SPDX-License-Identifier: Apache-2.0
/// CRC-32 (IEEE 802.3, reflected, as zlib computes it): catches the torn or
/// bit-flipped tables a checksum is for, with no table or dependency.
public enum CRC32 {
  public static func checksum<C: Collection>(_ bytes: C, initial: UInt32 = 0) -> UInt32
  where C.Element == UInt8 {
    var crc = ~initial
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 {
        crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1)))
      }
    }
    return ~crc
  }
}
