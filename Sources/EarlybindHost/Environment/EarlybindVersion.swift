// SPDX-License-Identifier: Apache-2.0
/// The release, as `earlybind --version` prints it. The package builds read
/// it from here, and the package test checks that debian/changelog, the
/// PKGBUILD and the RPM spec carry the same version.
enum EarlybindVersion {
  static let current = "0.1.0"
}
