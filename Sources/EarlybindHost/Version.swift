/// The release, as `earlybind --version` prints it. The Makefile reads it
/// from here, and the package test checks that debian/changelog, the
/// PKGBUILD and the RPM spec carry the same version.
public let earlybindVersion = "0.1.0"
