// SPDX-License-Identifier: Apache-2.0
import EarlybindHost
import EarlybindPosix

// The arguments as the C library handed them to the process: the Swift
// runtime of a statically linked binary finds them through
// /proc/self/cmdline, which a chroot may not have mounted.
let arguments = Arguments.all
EarlybindCommand.main(arguments.isEmpty ? nil : Array(arguments.dropFirst()))
