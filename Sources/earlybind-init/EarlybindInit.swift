// SPDX-License-Identifier: Apache-2.0
import EarlybindCore
import EarlybindPosix

// earlybind-init runs in the initramfs before udev coldplug. It always exits
// 0: a binder must never be the reason a machine does not boot.
//
//     earlybind-init [--root DIR] [--table FILE] [--log FILE] [--no-modules] [--quiet]
//
// --root prefixes /sys, /proc/cmdline, /dev/kmsg, /run, the table path and
// libkmod's module tree and modprobe.d directories, so tests and benchmarks
// run on synthetic trees.

@main
enum EarlybindInit {
  static func main() {
    let usage =
      "usage: earlybind-init [--root DIR] [--table FILE] [--log FILE] [--no-modules] [--quiet]"

    var root = ""
    var table: String? = nil
    var logPath: String? = nil
    var loadModules = true
    var threshold = LogLevel.info
    var arguments = Arguments.all.dropFirst()
    // Byte comparisons: String's == would link Unicode tables (ASCII.equal).
    while let argument = arguments.popFirst() {
      if ASCII.equal(argument, "--root") {
        root = arguments.popFirst() ?? ""
      } else if ASCII.equal(argument, "--table") {
        table = arguments.popFirst()
      } else if ASCII.equal(argument, "--log") {
        logPath = arguments.popFirst()
      } else if ASCII.equal(argument, "--no-modules") {
        loadModules = false
      } else if ASCII.equal(argument, "--quiet") {
        threshold = .warning
      } else if ASCII.equal(argument, "--help") || ASCII.equal(argument, "-h") {
        writeLine(usage)
        exitProcess(0)
      } else {
        writeLine("earlybind-init: ignoring unknown argument '" + argument + "'", toError: true)
      }
    }

    var settings = BinderSettings(root: root, loadModules: loadModules)
    settings.tablePath = table ?? root + settings.tablePath
    let log = KmsgLog(path: logPath ?? root + "/dev/kmsg", threshold: threshold)

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
