// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

// earlybind-init runs in the initramfs before udev coldplug. Once it runs
// the binder it exits 0 whatever happens: a binder must never be the reason
// a machine does not boot. Only a malformed invocation (an option without
// its value, see InitArguments) exits 2, before anything is read or written.
//
// --root prefixes /sys, /proc/cmdline, /dev/kmsg, /run, the table path and
// libkmod's module tree and modprobe.d directories, so tests and benchmarks
// run on synthetic trees.

@main
enum EarlybindInit {
  static func main() {
    let arguments: InitArguments
    do {
      arguments = try InitArguments.parse(Array(Arguments.all.dropFirst()))
    } catch {
      writeLine(error.description, toError: true)
      writeLine(InitArguments.usage, toError: true)
      exitProcess(2)
    }
    if arguments.help {
      writeLine(InitArguments.usage)
      exitProcess(0)
    }
    for argument in arguments.unknown {
      writeLine("earlybind-init: ignoring unknown argument '" + argument + "'", toError: true)
    }

    let root = arguments.root
    var settings = BinderSettings(root: root, loadModules: arguments.loadModules)
    settings.tablePath = arguments.table ?? root + settings.tablePath
    let log = KmsgLog(
      path: arguments.log ?? root + "/dev/kmsg",
      threshold: arguments.quiet ? .warning : .info)

    // One loader type whatever the switches (one copy of the binder in the
    // binary); it sets libkmod up only when a module is to be loaded, and
    // settings.loadModules (--no-modules) keeps it from being asked at all.
    var binder = Binder(
      fileSystem: PosixFileSystem(), loader: KmodModules(root: root), log: log, settings: settings,
      clock: monotonicNanoseconds)
    binder.run()
    exitProcess(0)
  }
}
