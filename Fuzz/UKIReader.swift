// SPDX-License-Identifier: Apache-2.0
/// Fuzz target: a unified kernel image as `check` reads it: the PE headers
/// and section table, the small text sections, then the `.initrd` section
/// through the image reader (with that target's limits). Any input ends
/// in a result or an error; every section the parser accepts lies within
/// the input, and no text read is longer than asked.
enum UKIReaderTarget {
  static func run(_ bytes: [UInt8]) {
    let source = ImageBytes(bytes: bytes)
    let image: UnifiedKernelImage
    do {
      image = try UnifiedKernelImage.read(source)
    } catch {
      _ = error.description
      return
    }
    if image.pe.sections.count > PEImage.maximumSections {
      fatalError("more sections than the bound")
    }
    for section in image.pe.sections
    where section.storedSize > 0 && section.fileOffset + section.storedSize > source.size {
      fatalError("a section past the end of the input")
    }
    for text in [image.release, image.commandLine] {
      if (text?.utf8.count ?? 0) > UnifiedKernelImage.textLimit * 3 {
        fatalError("more text than read")
      }
    }
    _ = image.disablesBinder
    do {
      _ = try image.searchInitrd(
        source, path: "fuzz", wanted: ["usr/sbin/earlybind-init", "etc/earlybind/bindings.tbl"],
        keeping: ["bindings.tbl"], keptSize: 4096, limits: ImageReaderTarget.limits)
    } catch {
      _ = error.description
    }
  }
}
