#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds dracut-ng from its release tarball (upstream_tarball in lib.sh) into
# OUT/root/usr/bin/dracut and OUT/root/usr/lib/dracut, with upstream's
# defaults (no distribution profile). dracut.sh runs it from there, as it
# runs Debian's unpacked dracut. Once built, OUT is reused until the tarball
# or this script changes.
# Usage: build-dracut-ng.sh [OUT]   (default: .build-dracut-ng in the repository)
# Needs: gcc, make, pkg-config, libkmod-dev.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/.build-dracut-ng}
release=dracut-ng-111

tarball=$(upstream_tarball "$release.tar.gz") || exit 2
key=$(upstream_build_key "$tarball")
upstream_built "$out" "$key" && exit 0

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src" "$out/root"
mkdir -p "$out/src"
tar -xzf "$tarball" -C "$out/src" --strip-components=1
(
	cd "$out/src"
	# An empty profile: upstream's own defaults, not the build host's
	# distribution (configure would pick Debian's from /etc/os-release).
	./configure --prefix=/usr --libdir=/usr/lib --sysconfdir=/etc \
		--systemdsystemunitdir=/usr/lib/systemd/system --configprofile= \
		--disable-documentation --disable-dracut-cpio
	make -j 2 all
	make install DESTDIR="$out/root"
)
# What dracut.sh names as the dracut it ran (as for Debian's packages).
echo "$release (built from $(basename "$tarball"))" >"$out/root/.unpacked"
echo "$key" >"$out/root/.built"
echo "$me: $release built into $out/root"
