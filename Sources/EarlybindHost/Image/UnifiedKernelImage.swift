// SPDX-License-Identifier: Apache-2.0
import EarlybindCore

/// A unified kernel image (systemd-stub with the kernel, initrd and
/// command line as PE sections), as `check` reads it in place: its small
/// text sections whole, its `.initrd` through the same unpacker as an
/// initramfs file.
struct UnifiedKernelImage {
  var pe: PEImage
  /// `.uname`, or the version string of the kernel in `.linux` (dracut
  /// writes no `.uname`): the kernel release.
  var release: String?
  /// `.cmdline`: the command line built in, which the stub uses instead of
  /// the boot loader's under Secure Boot.
  var commandLine: String?
  /// The stub's version from `.sdmagic` ("systemd-stub 252.39-1~deb12u2"):
  /// its major number.
  var stubVersion: Int?

  /// The most of a text section read (the stub reads more, but a release
  /// name or a command line longer than this is not one).
  static let textLimit = BootOptions.maximumCommandLine

  /// The first systemd-stub that reads add-ons (`*.addon.efi`).
  static let firstStubWithAddons = 254

  static func read(_ source: any ImageSource) throws(PEImageError) -> UnifiedKernelImage {
    let pe = try PEImage.parse(source)
    func text(_ name: String) throws(PEImageError) -> String? {
      guard let section = pe.section(name) else { return nil }
      let (bytes, _) = try PEImage.contents(of: section, in: source, limit: textLimit)
      // ukify ends `.uname` with nothing, dracut's `.cmdline` with a space.
      return Text.trimmed(String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self))
    }
    var release = try text(".uname")
    if release == nil, let linux = pe.section(".linux") {
      release = try kernelRelease(SectionSource(source: source, section: linux))
    }
    return UnifiedKernelImage(
      pe: pe, release: release, commandLine: try text(".cmdline"),
      stubVersion: try text(".sdmagic").flatMap(Self.stubVersion))
  }

  /// The release an x86 bzImage names in its header (the boot protocol's
  /// kernel_version: a pointer at 0x20E to a string, 0x200 bytes before
  /// it), up to its first space: "6.1.0-13-amd64".
  static func kernelRelease(_ kernel: SectionSource) throws(PEImageError) -> String? {
    let header: [UInt8]
    do {
      header = try kernel.read(at: 0, count: 0x210)
    } catch {
      throw PEImageError(.system(error))
    }
    guard header.count == 0x210, header[0x202..<0x206].elementsEqual("HdrS".utf8) else {
      return nil
    }
    let version: [UInt8]
    do {
      version = try kernel.read(at: 0x200 + Int64(header.littleEndian16(at: 0x20E)), count: 256)
    } catch {
      throw PEImageError(.system(error))
    }
    let release = version.prefix { $0 != 0 && $0 != 0x20 }
    guard !release.isEmpty, release.count < version.count else { return nil }
    return String(decoding: release, as: UTF8.self)
  }

  /// 252 of "#### LoaderInfo: systemd-stub 252.39-1~deb12u2 ####".
  static func stubVersion(_ magic: String) -> Int? {
    let words = magic.split(separator: " ")
    guard let index = words.firstIndex(of: "systemd-stub"), index + 1 < words.count else {
      return nil
    }
    return Int(words[index + 1].prefix { $0.isASCII && $0.isNumber })
  }

  /// Whether the built-in command line turns the binder off.
  var disablesBinder: Bool {
    guard let commandLine else { return false }
    return BootOptions.parse(Array(commandLine.utf8)).disabled
  }

  /// The tree the kernel unpacks from `.initrd`, searched for `wanted`.
  func searchInitrd(
    _ source: any ImageSource, path: String, wanted: [String], keeping names: Set<String>,
    keptSize: Int, limits: ImageLimits = .default
  ) throws(InitramfsImageError) -> ImageSearch? {
    guard var section = pe.section(".initrd") else { return nil }
    // Past the file's bytes the loader gives zeros, which the kernel skips
    // as padding after an archive: only the stored bytes are read (so a
    // section claiming 4 GiB costs nothing).
    section.size = section.storedSize
    var tree = try ImageUnpacker.read(
      SectionSource(source: source, section: section), path: path + " (.initrd)",
      keeping: names, keptSize: keptSize, limits: limits)
    do {
      return try ImageSearch(wanted, in: &tree)
    } catch {
      throw InitramfsImageError(path: path, partOffset: 0, reason: .limit(error.limit))
    }
  }
}
