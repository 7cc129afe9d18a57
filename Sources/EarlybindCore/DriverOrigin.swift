// SPDX-License-Identifier: Apache-2.0
/// Where the driver holding a device comes from, which decides what the
/// binder can do about it: a driver built into the kernel binds during
/// kernel init, before any initramfs code, so only an unbind moves the
/// device; a module the image loads after the binder finds the override
/// already written and leaves the device alone.
public enum DriverOrigin: Hashable, Sendable {
  /// Built into the kernel: bound before the binder could run.
  case builtIn
  /// A module already loaded when the binder runs.
  case loadedModule
  /// A module that, at boot, loads after the binder (the host's view of
  /// the next boot: every module list of the generators runs later).
  case loadsAfterBinder
}
