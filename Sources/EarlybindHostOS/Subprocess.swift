// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

/// Runs another program, found through PATH, and waits for it: what the
/// host tool needs to rebuild initramfs images and list their contents.
public enum Subprocess {
  public struct Result: Hashable, Sendable {
    /// The exit code, or 128 plus the signal that ended it.
    public var status: Int32
    /// Standard output, when it was captured.
    public var output: [UInt8]

    public init(status: Int32, output: [UInt8] = []) {
      self.status = status
      self.output = output
    }
  }

  /// Standard output and error go where ours go, unless `captureOutput`
  /// (output returned) or `discardErrors` (error to /dev/null).
  public static func run(
    _ arguments: [String], captureOutput: Bool = false, discardErrors: Bool = false
  ) throws(SystemError) -> Result {
    guard let command = arguments.first else {
      throw SystemError(syscall: "posix_spawnp", path: "", errno: .invalidArgument)
    }
    var pipe: (read: Int32, write: Int32)? = nil
    if captureOutput {
      var fds: [Int32] = [-1, -1]
      let created = fds.withUnsafeMutableBufferPointer { eb_pipe($0.baseAddress) }
      if created != 0 {
        throw SystemError(syscall: "pipe2", path: command, errno: Errno(rawValue: eb_errno()))
      }
      pipe = (fds[0], fds[1])
    }
    var null: FileDescriptor? = nil
    if discardErrors {
      null = try? FileDescriptor.open("/dev/null", flags: eb_o_wronly())
    }
    let pid: Int32
    do {
      pid = try spawn(
        arguments, input: -1, output: pipe?.write ?? -1, error: null?.rawValue ?? -1)
    } catch {
      null?.close()
      if let pipe {
        _ = eb_close(pipe.read)
        _ = eb_close(pipe.write)
      }
      throw error
    }
    null?.close()
    var output: [UInt8] = []
    if let pipe {
      _ = eb_close(pipe.write)
      let reader = FileDescriptor(rawValue: pipe.read, path: command)
      defer { reader.close() }
      output = try reader.readToEnd()
    }
    var status: Int32 = 0
    _ = try retryingOnInterrupt("waitpid", command) { eb_waitpid(pid, &status) }
    return Result(status: eb_exit_status(status), output: output)
  }

  static func spawn(_ arguments: [String], input: Int32, output: Int32, error: Int32)
    throws(SystemError) -> Int32
  {
    var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { $0.withCString { eb_strdup($0) } }
    argv.append(nil)
    defer { for pointer in argv { eb_free(pointer) } }
    var pid: Int32 = 0
    let result = argv.withUnsafeBufferPointer { buffer in
      eb_spawnp(&pid, buffer[0], buffer.baseAddress, input, output, error)
    }
    if result != 0 {
      throw SystemError(
        syscall: "posix_spawnp", path: arguments[0], errno: Errno(rawValue: result))
    }
    return pid
  }
}
