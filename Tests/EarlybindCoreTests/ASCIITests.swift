// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import Testing

@Suite("ASCII formatting")
struct ASCIITests {
  @Test(arguments: [
    (UInt32(0), 4, "0000"), (0x1B80, 4, "1b80"), (0x12345, 4, "12345"), (5, 1, "5"),
    (0xFFFF_FFFF, 8, "ffffffff"), (0xFFFF_FFFF, 2, "ffffffff"), (0xA, 0, "a"), (0, 0, "0"),
    (0x3, 10, "0000000003"),
  ])
  func hex(_ value: UInt32, _ width: Int, _ text: String) {
    #expect(ASCII.hex(value, width: width) == text)
  }

  @Test(arguments: [
    (0, "0"), (7, "7"), (10, "10"), (1024, "1024"), (-1, "-1"), (-17, "-17"),
    (Int.max, "9223372036854775807"), (Int.min, "-9223372036854775808"),
  ])
  func decimal(_ value: Int, _ text: String) {
    #expect(ASCII.decimal(value) == text)
  }
}
