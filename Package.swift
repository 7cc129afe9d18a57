// swift-tools-version: 6.1
// SPDX-License-Identifier: Apache-2.0
import PackageDescription

/// `EMBEDDED=1` builds the initramfs binder with Embedded Swift: the same
/// sources, compiled in whole-module mode without the runtime, so that the
/// tests (which run the normal build) exercise exactly the code that boots.
let embedded = Context.environment["EMBEDDED"] != nil

let embeddedSettings: [SwiftSetting] =
  embedded
  ? [.enableExperimentalFeature("Embedded"), .unsafeFlags(["-wmo"])]
  : []

let commonSettings: [SwiftSetting] = [.enableUpcomingFeature("ExistentialAny")]

var targets: [Target] = [
  .systemLibrary(
    name: "CKmod",
    path: "Sources/CKmod",
    pkgConfig: "libkmod",
    providers: [.apt(["libkmod-dev"])]
  ),
  .target(
    name: "CEarlybindSys",
    path: "Sources/CEarlybindSys"
  ),
  .target(
    name: "EarlybindCore",
    path: "Sources/EarlybindCore",
    swiftSettings: commonSettings + embeddedSettings
  ),
  .target(
    name: "EarlybindPosix",
    dependencies: ["EarlybindCore", "CEarlybindSys", "CKmod"],
    path: "Sources/EarlybindPosix",
    swiftSettings: commonSettings + embeddedSettings
  ),
  .executableTarget(
    name: "earlybind-init",
    dependencies: ["EarlybindCore", "EarlybindPosix", "CEarlybindSys"]
      + (embedded ? ["CEarlybindMalloc"] : []),
    path: "Sources/earlybind-init",
    swiftSettings: commonSettings + embeddedSettings
  ),
]

if embedded {
  // The static binder's malloc: an arena instead of musl's (see malloc.c).
  targets.append(
    .target(
      name: "CEarlybindMalloc",
      dependencies: ["CEarlybindSys"],
      path: "Sources/CEarlybindMalloc"
    ))
}

var products: [Product] = [
  .executable(name: "earlybind-init", targets: ["earlybind-init"])
]

var dependencies: [Package.Dependency] = []

if !embedded {
  dependencies.append(
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"))
  targets += [
    .systemLibrary(
      name: "CBlkid",
      path: "Sources/CBlkid",
      pkgConfig: "blkid",
      providers: [.apt(["libblkid-dev"])]
    ),
    // The OS calls only the host tool makes: processes, locks, file
    // status. Never part of the binder.
    .target(
      name: "EarlybindHostOS",
      dependencies: ["EarlybindCore", "EarlybindPosix", "CEarlybindSys"],
      path: "Sources/EarlybindHostOS",
      swiftSettings: commonSettings
    ),
    // Every decompressor of the image reader, from the system's libraries.
    .target(
      name: "CEarlybindDecompress",
      path: "Sources/CEarlybindDecompress"
    ),
    .target(
      name: "EarlybindHost",
      dependencies: [
        "EarlybindCore", "EarlybindPosix", "EarlybindHostOS", "CBlkid", "CEarlybindDecompress",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ],
      path: "Sources/EarlybindHost",
      swiftSettings: commonSettings
    ),
    .executableTarget(
      name: "earlybind",
      dependencies: ["EarlybindHost", "EarlybindPosix"],
      path: "Sources/earlybind",
      swiftSettings: commonSettings
    ),
    // Fixtures every test target shares: fake sysfs trees, fake devices,
    // temp directories.
    .target(
      name: "EarlybindTestSupport",
      dependencies: ["EarlybindCore", "EarlybindPosix", "EarlybindHostOS"],
      path: "Tests/EarlybindTestSupport"
    ),
    .testTarget(
      name: "EarlybindCoreTests",
      dependencies: ["EarlybindCore", "EarlybindPosix", "EarlybindTestSupport"],
      path: "Tests/EarlybindCoreTests"
    ),
    .testTarget(
      name: "EarlybindPosixTests",
      dependencies: [
        "EarlybindCore", "EarlybindPosix", "EarlybindHostOS", "CEarlybindSys",
        "EarlybindTestSupport",
      ],
      path: "Tests/EarlybindPosixTests"
    ),
    .testTarget(
      name: "EarlybindHostTests",
      dependencies: [
        "EarlybindHost", "EarlybindCore", "EarlybindPosix", "EarlybindHostOS",
        "EarlybindTestSupport",
      ],
      path: "Tests/EarlybindHostTests"
    ),
  ]
  products.append(.executable(name: "earlybind", targets: ["earlybind"]))
}

let package = Package(
  name: "earlybind",
  products: products,
  dependencies: dependencies,
  targets: targets
)
