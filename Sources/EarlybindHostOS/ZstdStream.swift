// SPDX-License-Identifier: Apache-2.0
import CEarlybindZstd
import EarlybindCore
import EarlybindPosix

/// A zstd stream in a file, decompressed in this process by the
/// libzstd.so.1 libkmod already loads (dlopen: no link dependency): no
/// child process and no pipe between the decompressor and the reader,
/// which halves the time to read a large image.
public final class ZstdStream {
  /// Why the stream cannot be read: corrupt or truncated data, or the
  /// file's read error; `offset` is where in the file it was noticed.
  public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int64

    public var description: String { message + " at byte \(offset)" }
  }

  let file: ReadOnlyFile
  let context: UnsafeMutableRawPointer
  /// The next byte of the file to read.
  var offset: Int64
  var input: [UInt8] = []
  var inputPosition = 0
  /// Whether the last frame was complete where the input stopped.
  var frameComplete = true
  /// Whether the file has no more input.
  var atEnd = false

  /// Whether libzstd.so.1 can be loaded here.
  public static var isAvailable: Bool { eb_zstd_available() != 0 }

  /// The stream from `offset` of `file` on; nil without libzstd.
  public init?(_ file: ReadOnlyFile, from offset: Int64) {
    guard let context = eb_zstd_create() else { return nil }
    self.file = file
    self.context = context
    self.offset = offset
  }

  deinit {
    eb_zstd_free(context)
  }

  /// Decompresses into `buffer` (from its start, up to its count): how
  /// many bytes, 0 at the end of the stream.
  public func read(into buffer: inout [UInt8]) throws(Failure) -> Int {
    var produced = 0
    while produced < buffer.count {
      if inputPosition == input.count && !atEnd {
        do {
          input = try file.read(at: offset, count: eb_zstd_input_size())
        } catch {
          throw Failure(message: error.description, offset: offset)
        }
        inputPosition = 0
        offset += Int64(input.count)
        atEnd = input.isEmpty
      }
      // At the end of the file a frame may still have output to flush.
      if atEnd && frameComplete { break }
      var status: Int32 = 0
      var failure: UnsafePointer<CChar>? = nil
      var inPosition = inputPosition
      var outPosition = produced
      input.withUnsafeBytes { source in
        buffer.withUnsafeMutableBytes { target in
          status = eb_zstd_decompress(
            context, source.baseAddress, source.count, &inPosition, target.baseAddress,
            target.count, &outPosition, &failure)
        }
      }
      if status < 0 {
        let name = failure.map { String(cString: $0) } ?? "error"
        throw Failure(
          message: "zstd: " + name, offset: offset - Int64(input.count - inputPosition))
      }
      let progressed = outPosition > produced || inPosition > inputPosition
      inputPosition = inPosition
      produced = outPosition
      frameComplete = status == 0
      if atEnd && !frameComplete && !progressed {
        throw Failure(message: "zstd: truncated data", offset: offset)
      }
    }
    return produced
  }
}
