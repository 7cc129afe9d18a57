// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore

/// The platform's numbers for the core's `Errno`, taken from its C headers
/// through the C shim, as errno(3) and the kernel report them.
extension Errno {
  public init(rawValue: Int32) {
    switch rawValue {
    case eb_eperm: self = .notPermitted
    case eb_enoent: self = .noSuchFile
    case eb_esrch: self = .noSuchProcess
    case eb_eintr: self = .interrupted
    case eb_eio: self = .ioError
    case eb_enxio: self = .noSuchDeviceOrAddress
    case eb_e2big: self = .argumentListTooLong
    case eb_ebadf: self = .badFileDescriptor
    case eb_eagain: self = .wouldBlock
    case eb_enomem: self = .outOfMemory
    case eb_eacces: self = .accessDenied
    case eb_ebusy: self = .busy
    case eb_eexist: self = .exists
    case eb_exdev: self = .crossDeviceLink
    case eb_enodev: self = .noSuchDevice
    case eb_enotdir: self = .notADirectory
    case eb_eisdir: self = .isADirectory
    case eb_einval: self = .invalidArgument
    case eb_emfile: self = .tooManyOpenFiles
    case eb_efbig: self = .fileTooLarge
    case eb_enospc: self = .noSpace
    case eb_erofs: self = .readOnlyFileSystem
    case eb_enametoolong: self = .nameTooLong
    case eb_enosys: self = .notImplemented
    case eb_eloop: self = .tooManyLinks
    case eb_eopnotsupp: self = .notSupported
    default: self = .other(rawValue)
    }
  }

  public var rawValue: Int32 {
    switch self {
    case .notPermitted: return eb_eperm
    case .noSuchFile: return eb_enoent
    case .noSuchProcess: return eb_esrch
    case .interrupted: return eb_eintr
    case .ioError: return eb_eio
    case .noSuchDeviceOrAddress: return eb_enxio
    case .argumentListTooLong: return eb_e2big
    case .badFileDescriptor: return eb_ebadf
    case .wouldBlock: return eb_eagain
    case .outOfMemory: return eb_enomem
    case .accessDenied: return eb_eacces
    case .busy: return eb_ebusy
    case .exists: return eb_eexist
    case .crossDeviceLink: return eb_exdev
    case .noSuchDevice: return eb_enodev
    case .notADirectory: return eb_enotdir
    case .isADirectory: return eb_eisdir
    case .invalidArgument: return eb_einval
    case .tooManyOpenFiles: return eb_emfile
    case .fileTooLarge: return eb_efbig
    case .noSpace: return eb_enospc
    case .readOnlyFileSystem: return eb_erofs
    case .nameTooLong: return eb_enametoolong
    case .notImplemented: return eb_enosys
    case .tooManyLinks: return eb_eloop
    case .notSupported: return eb_eopnotsupp
    case .other(let value): return value
    }
  }
}
