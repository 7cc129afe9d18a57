// SPDX-License-Identifier: Apache-2.0
import CEarlybindDecompress

/// Decodes one compressed part of an image, as the kernel's decompressor
/// of its format does (lib/decompress_*.c), and says how many input bytes
/// it took: the kernel goes on reading the image right after them, with a
/// fresh decoder of whatever format comes next. The formats' libraries do
/// the decoding; the containers the kernel parses itself (gzip's header,
/// lzop's blocks, lz4's legacy frames) are parsed here its way.
struct MemberDecoder {
  typealias Failure = InitramfsImageError.Reason

  let source: any ImageSource
  let start: Int64
  let limits: ImageLimits
  /// Receives the decoded bytes, in order.
  let output: (ArraySlice<UInt8>) throws(Failure) -> Void

  /// Read from the image per call.
  static let inputChunk = 1 << 17
  /// Decoded per call.
  static let outputChunk = 1 << 20

  /// Decodes the part; returns the image bytes it took.
  func decode(_ format: ImageCompression) throws(Failure) -> Int64 {
    switch format {
    case .gzip: return try gzip()
    case .bzip2: return try stream(EB_CODEC_BZIP2, from: start) - start
    case .lzma: return try stream(EB_CODEC_LZMA, from: start) - start
    case .xz:
      // The kernel's xz decoder knows no check but none, CRC32 and CRC64.
      let header = try read(start, 8)
      if header.count == 8 && ![0, 1, 4].contains(header[7] & 0x0F) {
        throw .decompressionFailed("unsupported integrity check (the kernel reads CRC32, CRC64)")
      }
      return try stream(EB_CODEC_XZ, from: start) - start
    case .zstd: return try stream(EB_CODEC_ZSTD, from: start) - start
    case .lzo: return try lzo()
    case .lz4: return try lz4()
    }
  }

  private func read(_ offset: Int64, _ count: Int) throws(Failure) -> [UInt8] {
    do {
      return try source.read(at: offset, count: count)
    } catch {
      throw .system(error)
    }
  }

  /// The image's bytes from `offset` to its end, for formats that bound
  /// their reads by it as the kernel's do.
  private func remaining(from offset: Int64) -> Int64 { source.size - offset }

  /// A stream the library ends itself: returns the offset just past it.
  private func stream(_ codec: eb_codec, from offset: Int64) throws(Failure) -> Int64 {
    var message: UnsafePointer<CChar>? = nil
    guard let decoder = eb_codec_create(Int32(codec.rawValue), limits.decoderMemory, &message)
    else {
      throw .libraryMissing(String(cString: eb_codec_library(Int32(codec.rawValue))))
    }
    defer { eb_codec_free(decoder) }
    var base = offset
    var input: [UInt8] = []
    var inputPosition = 0
    let buffer = OutputBuffer(Self.outputChunk)
    while true {
      if inputPosition == input.count {
        base += Int64(input.count)
        input = try read(base, Self.inputChunk)
        inputPosition = 0
      }
      var outputPosition = 0
      let before = inputPosition
      let status = input.withUnsafeBufferPointer { source in
        eb_codec_run(
          decoder, source.baseAddress, source.count, &inputPosition, buffer.start,
          buffer.count, &outputPosition, &message)
      }
      if outputPosition > 0 { try output(buffer.bytes(outputPosition)) }
      switch status {
      case 0:
        return base + Int64(inputPosition)
      case 1:
        if outputPosition == 0 && inputPosition == before {
          throw .decompressionFailed(input.isEmpty ? "truncated data" : "no progress")
        }
      default:
        let text = message.map { String(cString: $0) } ?? "error"
        if text == "memory limit reached" || text.contains("too much memory")
          || text.contains("Frame requires too much memory")
        {
          throw .limit(.decoderMemory)
        }
        throw .decompressionFailed(text)
      }
    }
  }

  /// lib/decompress_inflate.c: "1f 8b 08", ten header bytes, the file
  /// name when flag 0x08 says there is one (no other optional field is
  /// skipped), raw deflate data, then eight trailer bytes taken unread.
  private func gzip() throws(Failure) -> Int64 {
    let head = try read(start, 10 + 4096)
    guard head.count >= 10, head[0] == 0x1F, head[1] == 0x8B, head[2] == 0x08 else {
      throw .decompressionFailed("not a gzip file")
    }
    var offset = start + 10
    if head[3] & 0x08 != 0 {
      var found = false
      while !found {
        let part = try read(offset, 4096)
        guard !part.isEmpty else { throw .decompressionFailed("header error") }
        if let end = part.firstIndex(of: 0) {
          offset += Int64(end + 1)
          found = true
        } else {
          offset += Int64(part.count)
        }
      }
    }
    let end = try stream(EB_CODEC_DEFLATE, from: offset)
    return min(end + 8, source.size) - start
  }

  private static let lzopMagic: [UInt8] = [0x89, 0x4C, 0x5A, 0x4F, 0x00, 0x0D, 0x0A, 0x1A, 0x0A]
  private static let lzoBlockSize = 256 * 1024

  static func bigEndian(_ bytes: [UInt8], _ at: Int, _ count: Int) -> UInt32 {
    bytes[at..<at + count].reduce(0) { $0 << 8 | UInt32($1) }
  }

  /// lib/decompress_unlzo.c: lzop's header (parse_header, with its bounds),
  /// then blocks of "decoded size, coded size, one checksum" until a block
  /// of size 0; a block whose two sizes match is stored.
  private func lzo() throws(Failure) -> Int64 {
    let available = remaining(from: start)
    let head = try read(start, 9 + 7 + 1 + 8 + 8 + 4 + 1 + 255 + 4)
    // HEADER_SIZE_MIN, then the checks parse_header makes as it goes.
    func invalid() -> Failure { .decompressionFailed("invalid header") }
    guard available >= 9 + 7 + 4 + 8 + 1 + 4, head.starts(with: Self.lzopMagic) else {
      throw invalid()
    }
    var at = 9
    let version = Self.bigEndian(head, at, 2)
    at += 7
    if version >= 0x0940 { at += 1 }
    guard head.count >= at + 4 else { throw invalid() }
    at += Self.bigEndian(head, at, 4) & 0x800 != 0 ? 8 : 4
    guard head.count - at >= 8 + 1 + 4 else { throw invalid() }
    at += 8
    if version >= 0x0940 { at += 4 }
    guard head.count > at else { throw invalid() }
    let nameLength = Int(head[at])
    at += 1
    guard head.count - at >= nameLength + 4 else { throw invalid() }
    at += nameLength + 4
    var offset = start + Int64(at)
    let buffer = OutputBuffer(Self.lzoBlockSize)
    while true {
      let sizes = try read(offset, 12)
      guard sizes.count >= 4 else { throw .decompressionFailed("file corrupted") }
      let decodedSize = Int(Self.bigEndian(sizes, 0, 4))
      if decodedSize == 0 { return offset + 4 - start }
      guard decodedSize <= Self.lzoBlockSize else {
        throw .decompressionFailed("dest len longer than block size")
      }
      guard sizes.count >= 12 else { throw .decompressionFailed("file corrupted") }
      let codedSize = Int(Self.bigEndian(sizes, 4, 4))
      guard codedSize > 0 && codedSize <= decodedSize else {
        throw .decompressionFailed("file corrupted")
      }
      offset += 12
      let block = try read(offset, codedSize)
      guard block.count == codedSize else { throw .decompressionFailed("file corrupted") }
      if codedSize == decodedSize {
        try output(block[...])
      } else {
        var message: UnsafePointer<CChar>? = nil
        let produced = block.withUnsafeBufferPointer { input in
          eb_lzo1x_block(input.baseAddress, input.count, buffer.start, decodedSize, &message)
        }
        if produced < 0, let message, String(cString: message).hasSuffix("not found") {
          throw .libraryMissing("liblzo2.so.2")
        }
        guard produced == decodedSize else {
          throw .decompressionFailed("compressed data violation")
        }
        try output(buffer.bytes(decodedSize))
      }
      offset += Int64(codedSize)
    }
  }

  private static let lz4Magic: UInt32 = 0x184C_2102
  private static let lz4BlockSize = 8 << 20

  static func littleEndian(_ bytes: [UInt8]) -> UInt32 {
    bytes.prefix(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }
  }

  /// lib/decompress_unlz4.c: the legacy magic, then blocks of "coded size,
  /// data" of at most 8 MiB decoded each, up to the end of the image; the
  /// magic again starts another frame, and a size of 0 (zero padding) or
  /// fewer than four bytes left ends the part.
  private func lz4() throws(Failure) -> Int64 {
    guard Self.littleEndian(try read(start, 4)) == Self.lz4Magic else {
      throw .decompressionFailed("invalid header")
    }
    var offset = start + 4
    let buffer = OutputBuffer(Self.lz4BlockSize)
    while true {
      let left = remaining(from: offset)
      if left < 4 { return offset - start }
      let size = Self.littleEndian(try read(offset, 4))
      if size == Self.lz4Magic {
        offset += 4
        continue
      }
      if size == 0 { return offset - start }
      offset += 4
      guard Int64(size) <= left - 4 else { throw .decompressionFailed("data corrupted") }
      let block = try read(offset, Int(size))
      var message: UnsafePointer<CChar>? = nil
      let produced = block.withUnsafeBufferPointer { input in
        eb_lz4_block(input.baseAddress, input.count, buffer.start, buffer.count, &message)
      }
      if produced < 0 {
        if let message, String(cString: message).hasSuffix("not found") {
          throw .libraryMissing("liblz4.so.1")
        }
        throw .decompressionFailed("decoding failed")
      }
      try output(buffer.bytes(produced))
      offset += Int64(size)
    }
  }
}

/// Memory a C decoder writes into, left uninitialized until it does
/// (zero-filling megabytes for every part would cost more than decoding
/// small ones).
final class OutputBuffer {
  let start: UnsafeMutablePointer<UInt8>
  let count: Int

  init(_ count: Int) {
    self.count = count
    start = .allocate(capacity: count)
  }

  deinit {
    start.deallocate()
  }

  /// The first `count` bytes, which the decoder wrote.
  func bytes(_ count: Int) -> ArraySlice<UInt8> {
    Array(UnsafeBufferPointer(start: start, count: count))[...]
  }
}
