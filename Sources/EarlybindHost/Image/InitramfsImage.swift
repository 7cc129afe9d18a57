// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindHostOS
import EarlybindPosix

/// Reads the members of an initramfs image the way the kernel unpacks it:
/// uncompressed cpio archives first (early microcode, dracut's and
/// mkinitcpio's early archive), read header by header with the file data
/// seeked over, then the main archive, whose compression is told by its
/// magic and which is streamed through its decompressor, stopped as soon
/// as the caller has what it wants.
enum InitramfsImage {
  /// Reads per call from the decompressor: large reads keep the per-call
  /// cost low against the decompressor's speed.
  static let streamChunk = 1 << 20
  /// Reads per call in the uncompressed part, whose headers are small and
  /// whose data is skipped.
  static let fileChunk = 1 << 16

  /// Gives every member of the image at `path` to `visit` in archive order
  /// until `visit` returns false. The data of members `keepsData` chooses
  /// comes with them. Returns whether the whole image was read.
  /// `inProcess: false` runs `zstd -dc` even where libzstd is there.
  @discardableResult
  static func scan(
    _ path: String, inProcess: Bool = true,
    keepsData: @escaping (CpioEntry) -> Bool = { _ in false }, visit: (CpioEntry) -> Bool
  ) throws(InitramfsImageError) -> Bool {
    let file: ReadOnlyFile
    do {
      file = try ReadOnlyFile.open(path)
    } catch {
      throw InitramfsImageError(path: path, partOffset: 0, reason: .system(error))
    }
    defer { file.close() }
    var scanner = CpioScanner(keepsData: keepsData)
    var entries: [CpioEntry] = []
    func failure(_ reason: InitramfsImageError.Reason) -> InitramfsImageError {
      InitramfsImageError(path: path, partOffset: 0, reason: reason)
    }
    while scanner.offset < file.size && scanner.foreignOffset == nil {
      let skippable = scanner.skippableData
      if skippable > 0 {
        scanner.skip(min(skippable, file.size - scanner.offset), into: &entries)
      } else {
        let chunk: [UInt8]
        do {
          chunk = try file.read(at: scanner.offset, count: fileChunk)
        } catch {
          throw failure(.system(error))
        }
        if chunk.isEmpty { break }  // the file shrank
        do {
          try scanner.consume(chunk[...], into: &entries)
        } catch {
          // The members before the error count: the caller may have
          // what it wants from them.
          for entry in entries where !visit(entry) { return false }
          throw failure(.cpio(error))
        }
      }
      for entry in entries where !visit(entry) { return false }
      entries.removeAll(keepingCapacity: true)
    }
    guard let start = scanner.foreignOffset else {
      do {
        try scanner.finish()
      } catch {
        throw failure(.cpio(error))
      }
      return true
    }
    return try scanCompressed(
      file, from: start, inProcess: inProcess, keepsData: keepsData, visit: visit)
  }

  static func scanCompressed(
    _ file: ReadOnlyFile, from start: Int64, inProcess: Bool,
    keepsData: @escaping (CpioEntry) -> Bool, visit: (CpioEntry) -> Bool
  ) throws(InitramfsImageError) -> Bool {
    let path = file.path
    let magic: [UInt8]
    do {
      magic = try file.read(at: start, count: ImageCompression.magicSize)
    } catch {
      throw InitramfsImageError(path: path, partOffset: start, reason: .system(error))
    }
    guard let compression = ImageCompression.detect(magic) else {
      throw InitramfsImageError(
        path: path, partOffset: start, reason: .unknownCompression(magic))
    }
    func failure(_ reason: InitramfsImageError.Reason) -> InitramfsImageError {
      InitramfsImageError(
        path: path, partOffset: start, compression: compression, reason: reason)
    }
    let command = compression.decompressor
    // zstd (every generator's default) in this process when libzstd is
    // there; the others, and zstd without it, through their programs.
    let library = compression == .zstd && inProcess ? ZstdStream(file, from: start) : nil
    var child: ChildOutput? = nil
    if library == nil {
      do {
        child = try ChildOutput(command, input: file, from: start)
      } catch {
        if error.syscall == "posix_spawnp" && error.errno == .noSuchFile {
          throw failure(.decompressorMissing(command[0]))
        }
        throw failure(.system(error))
      }
    }
    defer { child?.stop() }
    var scanner = CpioScanner(stopsAtForeignData: false, keepsData: keepsData)
    var entries: [CpioEntry] = []
    var buffer = [UInt8](repeating: 0, count: streamChunk)
    var cpioError: CpioError? = nil
    while true {
      let count: Int
      if let library {
        do {
          count = try library.read(into: &buffer)
        } catch {
          throw failure(.decompressionFailed(error.description))
        }
      } else {
        do {
          count = try child!.read(into: &buffer)
        } catch {
          throw failure(.system(error))
        }
      }
      if count == 0 { break }
      do {
        try scanner.consume(buffer[0..<count], into: &entries)
      } catch {
        cpioError = error
      }
      for entry in entries where !visit(entry) { return false }
      if cpioError != nil { break }
      entries.removeAll(keepingCapacity: true)
    }
    if let cpioError { throw failure(.cpio(cpioError)) }
    if let child {
      let exit: ChildOutput.Exit
      do {
        exit = try child.finish()
      } catch {
        throw failure(.system(error))
      }
      if exit.status != 0 {
        throw failure(
          .decompressorFailed(
            command: command.joined(separator: " "), status: exit.status, message: exit.errors))
      }
    }
    do {
      try scanner.finish()
    } catch {
      throw failure(.cpio(error))
    }
    return true
  }
}
