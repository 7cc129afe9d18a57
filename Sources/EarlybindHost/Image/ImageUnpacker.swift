// SPDX-License-Identifier: Apache-2.0
/// Reads a whole initramfs image as the kernel unpacks it
/// (init/initramfs.c: unpack_to_rootfs), into the scanner's tree:
///
/// - at a "0" on a multiple of four, an uncompressed cpio part, read until
///   its zero padding ends at a byte that does not start a header;
/// - zero bytes are skipped;
/// - anything else starts a compressed part, told by its magic, decoded
///   by a fresh decoder of its format; its data must end between entries
///   ("junk at the end of compressed archive"), and the image goes on
///   right after the bytes the decoder took, whatever the format next.
///
/// The first error stops it, as it stops the kernel. Uncompressed file data
/// that nothing keeps is seeked over, not read.
struct ImageUnpacker {
  typealias Failure = InitramfsImageError

  let source: any ImageSource
  let path: String
  var scanner: CpioScanner
  /// cpio bytes read so far, decompressed or not (against `archiveBytes`).
  private(set) var archiveBytes: Int64 = 0

  /// Reads per call in an uncompressed part.
  static let fileChunk = 1 << 16

  init(source: any ImageSource, path: String, scanner: CpioScanner) {
    self.source = source
    self.path = path
    self.scanner = scanner
  }

  var limits: ImageLimits { scanner.tree.limits }

  /// The tree `source` unpacks to, with the first `keptSize` bytes of the
  /// files whose last name component `keeping` lists.
  static func read(
    _ source: any ImageSource, path: String, keeping names: Set<String> = [],
    keptSize: Int = 0, limits: ImageLimits = .default, visit: ((CpioEntry) -> Void)? = nil
  ) throws(InitramfsImageError) -> UnpackedTree {
    let kept = Set(names.map { Array($0.utf8) })
    var scanner = CpioScanner(limits: limits, keptSize: keptSize) { kept.contains(Array($0)) }
    scanner.visit = visit
    var unpacker = ImageUnpacker(source: source, path: path, scanner: scanner)
    try unpacker.run()
    return unpacker.scanner.tree
  }

  mutating func run() throws(Failure) {
    var offset: Int64 = 0
    let size = source.size
    while offset < size {
      let head = try read(offset, 6, part: offset)
      guard let first = head.first else { break }  // the file shrank
      if first == 0x30 && offset & 3 == 0 {
        offset = try uncompressed(from: offset)
        continue
      }
      if first == 0 {
        offset += try zeros(from: offset)
        continue
      }
      guard let format = ImageCompression.detect(head) else {
        throw Failure(path: path, partOffset: offset, reason: .unknownCompression(head))
      }
      offset += try compressed(format, from: offset)
    }
    // The kernel stops quietly in the middle of an entry; check does not.
    if !scanner.isBetweenEntries {
      throw Failure(
        path: path, partOffset: 0,
        reason: .cpio(CpioError(reason: .truncated("image: it ends inside an entry"), offset: size))
      )
    }
  }

  private func read(_ offset: Int64, _ count: Int, part: Int64) throws(Failure) -> [UInt8] {
    do {
      return try source.read(at: offset, count: count)
    } catch {
      throw Failure(path: path, partOffset: part, reason: .system(error))
    }
  }

  private mutating func count(_ bytes: Int64, part: Int64, compression: ImageCompression?)
    throws(Failure)
  {
    archiveBytes += bytes
    if archiveBytes > limits.archiveBytes {
      throw Failure(
        path: path, partOffset: part, compression: compression, reason: .limit(.archiveBytes))
    }
  }

  /// The zero bytes from `offset` on: how many.
  private func zeros(from offset: Int64) throws(Failure) -> Int64 {
    var end = offset
    while true {
      let chunk = try read(end, Self.fileChunk, part: offset)
      let run = chunk.prefix { $0 == 0 }.count
      end += Int64(run)
      if run < chunk.count || chunk.isEmpty { return end - offset }
    }
  }

  /// An uncompressed part; returns where the image goes on.
  private mutating func uncompressed(from start: Int64) throws(Failure) -> Int64 {
    scanner.state = .start
    scanner.offset = start
    var offset = start
    let size = source.size
    while offset < size {
      let skippable = min(scanner.skippable, size - offset)
      if skippable > 0 {
        scanner.skip(skippable)
        offset += skippable
        try count(skippable, part: start, compression: nil)
        continue
      }
      let chunk = try read(offset, Self.fileChunk, part: start)
      if chunk.isEmpty { break }
      let used: Int
      do {
        used = try scanner.write(chunk[...])
      } catch {
        if case .limit(let limit) = error.reason {
          throw Failure(path: path, partOffset: start, reason: .limit(limit))
        }
        throw Failure(path: path, partOffset: 0, reason: .cpio(error))
      }
      offset += Int64(used)
      try count(Int64(used), part: start, compression: nil)
      if used < chunk.count { break }
    }
    return offset
  }

  /// A compressed part; returns the image bytes it took.
  private mutating func compressed(_ format: ImageCompression, from start: Int64)
    throws(Failure) -> Int64
  {
    // The scanner moves into the decoder's output for the part (no copy
    // of its tree), and back.
    var scanner = CpioScanner(limits: limits)
    swap(&scanner, &self.scanner)
    defer { swap(&scanner, &self.scanner) }
    scanner.offset = 0
    var read = archiveBytes
    defer { archiveBytes = read }
    let limit = limits.archiveBytes
    let taken: Int64
    do throws(InitramfsImageError.Reason) {
      taken = try MemberDecoder(source: source, start: start, limits: limits) {
        (bytes) throws(InitramfsImageError.Reason) in
        read += Int64(bytes.count)
        if read > limit { throw .limit(.archiveBytes) }
        do throws(CpioError) {
          try scanner.flush(bytes)
        } catch {
          if case .limit(let limit) = error.reason { throw .limit(limit) }
          throw .cpio(error)
        }
      }.decode(format)
    } catch {
      throw Failure(path: path, partOffset: start, compression: format, reason: error)
    }
    if scanner.state != .reset {
      throw Failure(path: path, partOffset: start, compression: format, reason: .junkAtEnd)
    }
    return taken
  }
}
