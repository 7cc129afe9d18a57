// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import Foundation
import Testing

/// The static binder's allocator (Sources/CEarlybindSys/arena.c), called
/// directly: the normal build keeps the C library's malloc. One test at a
/// time: the arena is single-threaded, like the binder.
@Suite("The static binder's arena allocator", .serialized)
struct ArenaTests {
  func address(_ pointer: UnsafeMutableRawPointer?) -> UInt {
    UInt(bitPattern: pointer)
  }

  @Test func blocksAreAlignedZeroedAndSized() throws {
    var previous: UnsafeMutableRawPointer? = nil
    for size in [1, 7, 16, 100, 4000, 65535] {
      let block = try #require(eb_arena_alloc(size, 0))
      #expect(address(block) % 16 == 0)
      #expect(eb_arena_usable_size(block) == size)
      let bytes = block.assumingMemoryBound(to: UInt8.self)
      #expect((0..<size).allSatisfy { bytes[$0] == 0 })
      memset(block, 0xA5, size)
      if let previous { #expect(address(block) != address(previous)) }
      previous = block
      eb_arena_free(block)
    }
    for alignment in [32, 64, 4096] {
      let block = try #require(eb_arena_alloc(24, alignment))
      #expect(address(block) % UInt(alignment) == 0)
    }
    #expect(eb_arena_alloc(8, 24) == nil)
  }

  @Test func aFreedSmallBlockIsNeverHandedOutAgain() throws {
    let first = try #require(eb_arena_alloc(64, 16))
    memset(first, 0xFF, 64)
    eb_arena_free(first)
    let second = try #require(eb_arena_alloc(64, 16))
    #expect(second != first)
    #expect((0..<64).allSatisfy { second.load(fromByteOffset: $0, as: UInt8.self) == 0 })
  }

  /// libkmod grows its buffer for an .xz module a kilobyte at a time.
  @Test func growingABufferStepByStepKeepsItsBytes() throws {
    var buffer: UnsafeMutableRawPointer? = nil
    var size = 0
    while size < 4 << 20 {
      let grown = try #require(eb_arena_realloc(buffer, size + 1024))
      for offset in stride(from: 0, to: size, by: 4093) {
        #expect(
          grown.load(fromByteOffset: offset, as: UInt8.self) == UInt8(truncatingIfNeeded: offset))
      }
      for offset in size..<(size + 1024) {
        grown.storeBytes(
          of: UInt8(truncatingIfNeeded: offset), toByteOffset: offset, as: UInt8.self)
      }
      buffer = grown
      size += 1024
    }
    #expect(eb_arena_usable_size(buffer) == 4 << 20)
    let shrunk = try #require(eb_arena_realloc(buffer, 10))
    #expect(shrunk == buffer)
    eb_arena_free(shrunk)
  }

  /// Asked of each block's own pages (msync(2) fails with ENOMEM on an
  /// unmapped page), not of the process's size, which the tests running
  /// beside this one change at the same time.
  @Test func largeBlocksGoBackWhenFreed() throws {
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    func isMapped(_ block: UnsafeMutableRawPointer) -> Bool {
      let start = UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: block) & ~UInt(page - 1))
      return msync(start, page, MS_ASYNC) == 0
    }
    var blocks: [UnsafeMutableRawPointer] = []
    for _ in 0..<64 { blocks.append(try #require(eb_arena_alloc(1 << 20, 16))) }
    #expect(blocks.allSatisfy(isMapped))
    for block in blocks { eb_arena_free(block) }
    #expect(blocks.filter(isMapped).count <= 1)
  }

  @Test func impossibleSizesFail() {
    #expect(eb_arena_alloc(Int.max, 16) == nil)
    #expect(eb_arena_alloc(.max, 16) == nil)
    #expect(eb_arena_realloc(nil, .max) == nil)
  }
}
