// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// The section table of a PE/COFF image (a unified kernel image, an
/// add-on), read the way systemd-stub finds its sections: the DOS header's
/// offset to "PE\0\0", the COFF header, the optional header's magic, then
/// at most `maximumSections` entries of 40 bytes. Every offset and size is
/// checked against the file before use; nothing is read but the headers.
struct PEImage: Hashable {
  struct Section: Hashable {
    /// The 8-byte name up to its first NUL (".initrd", ".cmdline").
    var name: String
    /// The size when loaded (VirtualSize): the section's contents.
    var size: Int64
    /// Where its bytes are in the file, and how many are there
    /// (SizeOfRawData, which is padded); past them the loader gives zeros.
    var fileOffset: Int64
    var fileSize: Int64
    var virtualAddress: UInt32

    /// The bytes of the contents the file holds: the loaded size, or less
    /// when the file holds fewer (the rest are zeros in memory).
    var storedSize: Int64 { min(size, fileSize) }
  }

  /// systemd-stub's own bound (pe.c: MAX_SECTIONS), far above the dozen
  /// sections a UKI has.
  static let maximumSections = 96
  static let sectionHeaderSize = 40

  var sections: [Section]
  /// PE32+ (a 64-bit image) or PE32.
  var is64Bit: Bool
  var machine: UInt16
  /// Where the loader prefers to map it, and the alignment of each
  /// section's address: a section added with objcopy goes after the last
  /// one at `imageBase` + an aligned address.
  var imageBase: UInt64 = 0
  var sectionAlignment: UInt32 = 0

  /// The first free address after every section, aligned: where a new
  /// section goes (as an offset from `imageBase`).
  var nextSectionAddress: UInt64 {
    let end =
      sections.map { UInt64($0.virtualAddress) + UInt64(max($0.size, $0.fileSize)) }
      .max() ?? 0
    let alignment = UInt64(max(sectionAlignment, 1))
    return (end + alignment - 1) / alignment * alignment
  }

  /// The first section of that name, as the stub takes it.
  func section(_ name: String) -> Section? {
    sections.first { $0.name == name }
  }

  static func parse(_ source: any ImageSource) throws(PEImageError) -> PEImage {
    let size = source.size
    func bytes(_ offset: Int64, _ count: Int, _ what: String) throws(PEImageError) -> [UInt8] {
      guard offset >= 0, offset <= size - Int64(count) else {
        throw PEImageError(.outside(what, offset: offset, count: Int64(count), fileSize: size))
      }
      let read: [UInt8]
      do {
        read = try source.read(at: offset, count: count)
      } catch {
        throw PEImageError(.system(error))
      }
      guard read.count == count else {
        throw PEImageError(.outside(what, offset: offset, count: Int64(count), fileSize: size))
      }
      return read
    }
    let dos = try bytes(0, 64, "the DOS header")
    guard dos[0] == 0x4D, dos[1] == 0x5A else { throw PEImageError(.notPE("no MZ signature")) }
    let peOffset = Int64(dos.littleEndian32(at: 0x3C))
    let coff = try bytes(peOffset, 24, "the PE header")
    guard coff[0] == 0x50, coff[1] == 0x45, coff[2] == 0, coff[3] == 0 else {
      throw PEImageError(.notPE("no PE signature at offset \(peOffset)"))
    }
    let machine = coff.littleEndian16(at: 4)
    let count = Int(coff.littleEndian16(at: 6))
    let optionalSize = Int64(coff.littleEndian16(at: 20))
    guard optionalSize >= 2 else {
      throw PEImageError(.notPE("an optional header of \(optionalSize) bytes"))
    }
    let magic = try bytes(peOffset + 24, 2, "the optional header").littleEndian16(at: 0)
    guard magic == 0x10B || magic == 0x20B else {
      throw PEImageError(.notPE("optional header magic 0x" + String(magic, radix: 16)))
    }
    // ImageBase (8 bytes at 24 in PE32+, 4 at 28 in PE32) and
    // SectionAlignment (at 32), when the optional header holds them.
    var imageBase: UInt64 = 0
    var sectionAlignment: UInt32 = 0
    if optionalSize >= 36 {
      let optional = try bytes(peOffset + 24, 36, "the optional header")
      imageBase =
        magic == 0x20B
        ? UInt64(optional.littleEndian32(at: 24)) | UInt64(optional.littleEndian32(at: 28)) << 32
        : UInt64(optional.littleEndian32(at: 28))
      sectionAlignment = optional.littleEndian32(at: 32)
    }
    guard count <= maximumSections else { throw PEImageError(.tooManySections(count)) }
    let table = try bytes(
      peOffset + 24 + optionalSize, count * sectionHeaderSize, "the section table")
    var sections: [Section] = []
    for index in 0..<count {
      let entry = table[(index * sectionHeaderSize)...]
      let start = entry.startIndex
      let name = entry[start..<start + 8].prefix { $0 != 0 }
      let section = Section(
        name: String(decoding: name, as: UTF8.self),
        size: Int64(table.littleEndian32(at: start + 8)),
        fileOffset: Int64(table.littleEndian32(at: start + 20)),
        fileSize: Int64(table.littleEndian32(at: start + 16)),
        virtualAddress: table.littleEndian32(at: start + 12))
      if section.storedSize > 0 && section.fileOffset > size - section.storedSize {
        throw PEImageError(
          .outside(
            "section " + section.name, offset: section.fileOffset, count: section.storedSize,
            fileSize: size))
      }
      sections.append(section)
    }
    return PEImage(
      sections: sections, is64Bit: magic == 0x20B, machine: machine, imageBase: imageBase,
      sectionAlignment: sectionAlignment)
  }

  /// A section's contents, at most `limit` bytes of them (`truncated`
  /// says whether there were more).
  static func contents(of section: Section, in source: any ImageSource, limit: Int)
    throws(PEImageError) -> (bytes: [UInt8], truncated: Bool)
  {
    let slice = SectionSource(source: source, section: section)
    do {
      let bytes = try slice.read(at: 0, count: limit)
      return (bytes, slice.size > Int64(limit))
    } catch {
      throw PEImageError(.system(error))
    }
  }
}

/// One section of a PE image as an image of its own: the loaded contents,
/// zeros past what the file holds.
struct SectionSource: ImageSource {
  var source: any ImageSource
  var section: PEImage.Section

  var size: Int64 { section.size }

  func read(at offset: Int64, count: Int) throws(SystemError) -> [UInt8] {
    guard offset >= 0, offset < size, count > 0 else { return [] }
    let wanted = Int(min(Int64(count), size - offset))
    var bytes: [UInt8] = []
    if offset < section.storedSize {
      let stored = Int(min(Int64(wanted), section.storedSize - offset))
      bytes = try source.read(at: section.fileOffset + offset, count: stored)
      // A file that shrank since it was parsed ends the section there.
      if bytes.count < stored { return bytes }
    }
    bytes += repeatElement(0, count: wanted - bytes.count)
    return bytes
  }
}

extension Array where Element == UInt8 {
  func littleEndian16(at index: Int) -> UInt16 {
    UInt16(self[index]) | UInt16(self[index + 1]) << 8
  }

  func littleEndian32(at index: Int) -> UInt32 {
    UInt32(littleEndian16(at: index)) | UInt32(littleEndian16(at: index + 2)) << 16
  }
}
