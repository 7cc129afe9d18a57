// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("CRC32")
struct CRC32Tests {
  @Test(
    "known vectors",
    arguments: [
      ("", UInt32(0)),
      ("a", 0xE8B7_BE43),
      ("abc", 0x3524_41C2),
      ("123456789", 0xCBF4_3926),
      ("The quick brown fox jumps over the lazy dog", 0x414F_A339),
    ])
  func knownVectors(_ text: String, crc: UInt32) {
    #expect(CRC32.checksum(bytes(text)) == crc)
  }

  @Test func allZeroAndAllOnesBlocks() {
    // zlib: crc32(0, 32 zero bytes) and crc32(0, 32 0xff bytes).
    #expect(CRC32.checksum([UInt8](repeating: 0, count: 32)) == 0x190A_55AD)
    #expect(CRC32.checksum([UInt8](repeating: 0xFF, count: 32)) == 0xFF6C_AB0B)
  }

  @Test func chainsLikeZlib() {
    let data = bytes("123456789")
    let first = CRC32.checksum(data[0..<4])
    #expect(CRC32.checksum(data[4...], initial: first) == 0xCBF4_3926)
  }

  @Test func acceptsAnyCollectionOfBytes() {
    let text = "123456789"
    #expect(CRC32.checksum(text.utf8) == 0xCBF4_3926)
    #expect(CRC32.checksum(ArraySlice(bytes("xx123456789"))[2...]) == 0xCBF4_3926)
  }

  @Test func detectsEverySingleBitFlip() {
    let data = bytes("a binding table checksum must see every flipped bit")
    let reference = CRC32.checksum(data)
    for index in data.indices {
      for bit in 0..<8 {
        var copy = data
        copy[index] ^= 1 << bit
        #expect(CRC32.checksum(copy) != reference)
      }
    }
  }
}
