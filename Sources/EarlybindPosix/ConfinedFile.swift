// SPDX-License-Identifier: Apache-2.0
#if !hasFeature(Embedded)
  import CEarlybindSys
  import EarlybindCore

  /// A file below a root, reached one component at a time with openat(2)
  /// and O_NOFOLLOW: no component below the root may be a symlink, and a
  /// folder swapped for one after it was reached is never followed, since
  /// each step opens relative to the folder already held. So what is read
  /// and what is removed are the same file, inside the root.
  public struct ConfinedFile {
    /// The folder that holds the file, open.
    let folder: FileDescriptor
    let name: String
    /// The file's path, for messages.
    public let path: String

    /// Opens the folders of `components` (the last is the file) below
    /// `root`. The error names the component it stopped at: ELOOP for a
    /// symlink, ENOTDIR for a file where a folder belongs, ENOENT.
    public init(root: String, components: [String]) throws(SystemError) {
      guard let last = components.last else {
        throw SystemError(syscall: "openat", path: root, errno: .invalidArgument)
      }
      var folder = try FileDescriptor.open(root, flags: eb_o_rdonly() | eb_o_directory())
      var path = root == "/" ? "" : root
      for component in components.dropLast() {
        path += "/" + component
        let next: FileDescriptor
        do {
          next = try FileDescriptor.open(
            at: folder, component, path: path,
            flags: eb_o_rdonly() | eb_o_directory() | eb_o_nofollow())
        } catch {
          // O_DIRECTORY reports a symlink as ENOTDIR: say which it is.
          let symlink = error.errno == .notADirectory && Self.isSymlink(component, in: folder)
          folder.close()
          throw symlink ? SystemError(syscall: "openat", path: path, errno: .tooManyLinks) : error
        }
        folder.close()
        folder = next
      }
      self.folder = folder
      name = last
      self.path = path + "/" + last
    }

    /// The file's bytes; a symlink (ELOOP) or anything but a regular file
    /// is an error.
    public func read(limit: Int) throws(SystemError) -> [UInt8] {
      let file = try FileDescriptor.open(
        at: folder, name, path: path, flags: eb_o_rdonly() | eb_o_nofollow())
      defer { file.close() }
      try file.requireRegularFile()
      return try file.read(limit: limit)
    }

    /// unlinkat(2) in the folder held open.
    public func remove() throws(SystemError) {
      _ = try withPath(name) { (cName) throws(SystemError) -> Int32 in
        try retryingOnInterrupt("unlinkat", path) { eb_unlinkat(folder.rawValue, cName) }
      }
    }

    public func close() { folder.close() }

    static func isSymlink(_ name: String, in folder: FileDescriptor) -> Bool {
      var raw = eb_file_status()
      let result = name.withCString { eb_lstat_at(folder.rawValue, $0, &raw) }
      return result == 0 && raw.mode & eb_s_ifmt() == UInt32(eb_s_iflnk())
    }
  }

  extension FileDescriptor {
    /// openat(2) of `name` in `directory`, with O_CLOEXEC and O_NONBLOCK
    /// as `open`; `path` names it in errors.
    static func open(
      at directory: FileDescriptor, _ name: String, path: String, flags: Int32
    ) throws(SystemError) -> FileDescriptor {
      let fd = try withPath(name) { (cName) throws(SystemError) -> Int32 in
        try retryingOnInterrupt("openat", path) {
          eb_openat(directory.rawValue, cName, flags | eb_o_nonblock(), 0)
        }
      }
      return FileDescriptor(rawValue: fd, path: path)
    }
  }
#endif
