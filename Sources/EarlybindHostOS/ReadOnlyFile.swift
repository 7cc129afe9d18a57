// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

/// A regular file read at chosen offsets (pread(2)), for formats whose
/// headers say how far to skip: the host reads initramfs images this way,
/// seeking over file data instead of reading it.
public struct ReadOnlyFile {
  let descriptor: FileDescriptor
  /// The size when opened.
  public let size: Int64

  public var path: String { descriptor.path }

  /// Opens `path` read-only; throws unless it is a regular file.
  public static func open(_ path: String) throws(SystemError) -> ReadOnlyFile {
    let descriptor = try FileDescriptor.open(path, flags: eb_o_rdonly())
    var type: UInt32 = 0
    var size: Int64 = 0
    let (_, errno) = retryingOnInterrupt { eb_fstat(descriptor.rawValue, &type, &size) }
    if let errno {
      descriptor.close()
      throw SystemError(syscall: "fstat", path: path, errno: errno)
    }
    guard type == eb_s_ifreg() else {
      descriptor.close()
      throw SystemError(
        syscall: "fstat", path: path, errno: .invalidArgument,
        detail: FileDescriptor.fileTypeName(type) + " where a regular file was expected")
    }
    return ReadOnlyFile(descriptor: descriptor, size: size)
  }

  /// Up to `count` bytes at `offset`; fewer only at the end of the file.
  public func read(at offset: Int64, count: Int) throws(SystemError) -> [UInt8] {
    var failure: Errno? = nil
    let bytes = [UInt8](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
      var filled = 0
      while filled < buffer.count {
        let (result, errno) = retryingOnInterrupt {
          eb_pread(
            descriptor.rawValue, buffer.baseAddress! + filled, buffer.count - filled,
            offset + Int64(filled))
        }
        if let errno {
          failure = errno
          break
        }
        if result == 0 { break }
        filled += result
      }
      initialized = filled
    }
    if let failure { throw SystemError(syscall: "pread", path: path, errno: failure) }
    return bytes
  }

  public func close() {
    descriptor.close()
  }
}
