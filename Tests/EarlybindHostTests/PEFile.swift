// SPDX-License-Identifier: Apache-2.0
/// A minimal PE32+ image with the sections it is given, laid out as
/// objcopy lays out a UKI: headers, then each section's bytes padded to
/// 512 (SizeOfRawData), VirtualSize the unpadded size.
struct PEFile {
  struct Section {
    var name: String
    var bytes: [UInt8]
    /// Overrides, for broken files.
    var virtualSize: UInt32? = nil
    var rawSize: UInt32? = nil
    var rawOffset: UInt32? = nil

    init(_ name: String, _ bytes: [UInt8]) {
      self.name = name
      self.bytes = bytes
    }

    init(_ name: String, _ text: String) {
      self.init(name, Array(text.utf8))
    }
  }

  var sections: [Section]
  var peOffset: UInt32 = 0x80
  var optionalHeaderSize: UInt16 = 240
  var magic: UInt16 = 0x20B
  /// Written as the section count, when set.
  var sectionCount: UInt16? = nil
  var imageBase: UInt64 = 0
  var sectionAlignment: UInt32 = 0x1000

  init(_ sections: [Section]) {
    self.sections = sections
  }

  /// A UKI: the stub's `.sdmagic`, a kernel, and the rest.
  static func uki(
    stub: Int = 257, release: String? = "6.1.0-test", commandLine: String? = nil,
    initrd: [UInt8]?
  ) -> PEFile {
    var sections = [
      Section(".sdmagic", "#### LoaderInfo: systemd-stub \(stub).1-1 ####"),
      Section(".linux", [0x4D, 0x5A, 1, 2, 3]),
    ]
    if let release { sections.append(Section(".uname", release)) }
    if let commandLine { sections.append(Section(".cmdline", commandLine)) }
    if let initrd { sections.append(Section(".initrd", initrd)) }
    return PEFile(sections)
  }

  static func align(_ value: Int) -> Int { (value + 511) & ~511 }

  func bytes() -> [UInt8] {
    var file = [UInt8](repeating: 0, count: Int(peOffset))
    file[0] = 0x4D
    file[1] = 0x5A
    put32(&file, 0x3C, peOffset)
    file += Array("PE".utf8) + [0, 0]
    var coff = [UInt8](repeating: 0, count: 20)
    put16(&coff, 0, 0x8664)
    put16(&coff, 2, sectionCount ?? UInt16(sections.count))
    put16(&coff, 16, optionalHeaderSize)
    file += coff
    var optional = [UInt8](repeating: 0, count: Int(optionalHeaderSize))
    if optional.count >= 2 { put16(&optional, 0, magic) }
    if optional.count >= 36 {
      put32(&optional, 24, UInt32(imageBase & 0xFFFF_FFFF))
      put32(&optional, 28, UInt32(imageBase >> 32))
      put32(&optional, 32, sectionAlignment)
    }
    file += optional
    let tableEnd = file.count + sections.count * 40
    var data: [UInt8] = []
    var offset = Self.align(tableEnd)
    var address: UInt32 = 0x1000
    for section in sections {
      var header = [UInt8](repeating: 0, count: 40)
      for (index, byte) in section.name.utf8.prefix(8).enumerated() { header[index] = byte }
      let padded = Self.align(section.bytes.count)
      put32(&header, 8, section.virtualSize ?? UInt32(section.bytes.count))
      put32(&header, 12, address)
      put32(&header, 16, section.rawSize ?? UInt32(padded))
      put32(&header, 20, section.rawOffset ?? UInt32(offset))
      file += header
      data += section.bytes + [UInt8](repeating: 0, count: padded - section.bytes.count)
      offset += padded
      address += UInt32(padded) + 0x1000
    }
    file += [UInt8](repeating: 0, count: Self.align(tableEnd) - file.count)
    return file + data
  }

  private func put16(_ bytes: inout [UInt8], _ at: Int, _ value: UInt16) {
    bytes[at] = UInt8(value & 0xFF)
    bytes[at + 1] = UInt8(value >> 8)
  }

  private func put32(_ bytes: inout [UInt8], _ at: Int, _ value: UInt32) {
    put16(&bytes, at, UInt16(value & 0xFFFF))
    put16(&bytes, at + 2, UInt16(value >> 16))
  }
}
