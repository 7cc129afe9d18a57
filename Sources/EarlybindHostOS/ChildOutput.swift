// SPDX-License-Identifier: Apache-2.0
import CEarlybindSys
import EarlybindCore
import EarlybindPosix

/// A child process whose standard output is read as it comes, and which
/// can be stopped once enough has been read: the host streams an
/// initramfs image through its decompressor and stops at the files it
/// looks for.
///
/// Only the child writes to the pipe, so this process never gets SIGPIPE
/// from it; stopping kills the child before its pipe is closed, and every
/// child is waited for (no zombie), at the latest when the value goes.
public final class ChildOutput {
  public struct Exit: Hashable, Sendable {
    /// The exit code, or 128 plus the signal that ended it.
    public var status: Int32
    /// The start of what the child wrote to standard error.
    public var errors: String
  }

  public let command: String
  /// The child's process ID (waited for once `finish` or `stop` returns).
  public let pid: Int32
  var output: Int32
  let errors: Int32
  var reaped = false

  /// Starts `arguments` (found through PATH) with standard input reading
  /// `input` from `offset` on; standard error is kept for `finish`.
  public init(_ arguments: [String], input: ReadOnlyFile, from offset: Int64)
    throws(SystemError)
  {
    guard let command = arguments.first else {
      throw SystemError(syscall: "posix_spawnp", path: "", errno: .invalidArgument)
    }
    self.command = command
    _ = try retryingOnInterrupt("lseek", input.path) {
      eb_seek(input.descriptor.rawValue, offset)
    }
    var fds: [Int32] = [-1, -1]
    if fds.withUnsafeMutableBufferPointer({ eb_pipe($0.baseAddress) }) != 0 {
      throw SystemError(syscall: "pipe2", path: command, errno: Errno(rawValue: eb_errno()))
    }
    let errors = eb_memfd("earlybind-child-errors")
    if errors < 0 {
      let errno = Errno(rawValue: eb_errno())
      _ = eb_close(fds[0])
      _ = eb_close(fds[1])
      throw SystemError(syscall: "memfd_create", path: command, errno: errno)
    }
    let pid: Int32
    do {
      pid = try Subprocess.spawn(
        arguments, input: input.descriptor.rawValue, output: fds[1], error: errors)
    } catch {
      _ = eb_close(fds[0])
      _ = eb_close(fds[1])
      _ = eb_close(errors)
      throw error
    }
    _ = eb_close(fds[1])
    self.pid = pid
    self.output = fds[0]
    self.errors = errors
  }

  deinit {
    stop()
    _ = eb_close(errors)
  }

  /// read(2) of what the child has written so far into `buffer` (from
  /// its start, up to its count); 0 at the end of its output.
  public func read(into buffer: inout [UInt8]) throws(SystemError) -> Int {
    let fd = output
    let (count, errno) = buffer.withUnsafeMutableBytes { bytes in
      retryingOnInterrupt { eb_read(fd, bytes.baseAddress, bytes.count) }
    }
    if let errno { throw SystemError(syscall: "read", path: command, errno: errno) }
    return count
  }

  /// Waits for the child after its output has ended: how it exited.
  public func finish() throws(SystemError) -> Exit {
    closeOutput()
    let status = try reap()
    var text = [UInt8](repeating: 0, count: 1024)
    let count = text.withUnsafeMutableBytes { bytes in
      eb_pread(errors, bytes.baseAddress, bytes.count, 0)
    }
    text.removeLast(text.count - max(count, 0))
    return Exit(status: status, errors: String(decoding: text, as: UTF8.self))
  }

  /// Kills the child (its output is no longer wanted) and waits for it.
  public func stop() {
    guard !reaped else { return }
    // Not waited for yet, so the pid is still this child's (a zombie at
    // worst): killing it cannot hit another process.
    _ = eb_kill_child(pid)
    closeOutput()
    _ = try? reap()
  }

  func closeOutput() {
    if output >= 0 {
      _ = eb_close(output)
      output = -1
    }
  }

  func reap() throws(SystemError) -> Int32 {
    var status: Int32 = 0
    _ = try retryingOnInterrupt("waitpid", command) { eb_waitpid(pid, &status) }
    reaped = true
    return eb_exit_status(status)
  }
}
