#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds Arch's mkinitcpio from its release tarball (upstream_tarball in
# lib.sh) into OUT/root, laid out as Arch installs it (prefix /usr, config in
# /etc); mkinitcpio-run.sh runs it from there. Once built, OUT is reused
# until the tarball or this script changes.
# Usage: build-mkinitcpio.sh [OUT]   (default: .build-mkinitcpio in the repository)
# Needs: python3-venv (meson >= 1.4 comes from PyPI into OUT/venv: Debian 12
# has 1.0), ninja-build, pkg-config, systemd, udev; Debian's busybox package
# is downloaded (apt-get download) and unpacked into OUT/busybox.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
out=${1:-$repo/.build-mkinitcpio}
release=mkinitcpio-41
version=${release#mkinitcpio-}

tarball=$(upstream_tarball "$release.tar.gz") || exit 2
key=$(upstream_build_key "$tarball")
upstream_built "$out" "$key" && exit 0

mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/src" "$out/build" "$out/root" "$out/debs" "$out/busybox"
mkdir -p "$out/src" "$out/debs"

# Arch's mkinitcpio-busybox is a busybox whose shell runs programs from PATH.
# Debian's busybox-static prefers its own applets (FEATURE_SH_STANDALONE): the
# init would run busybox's mount and modprobe instead of util-linux's and
# kmod's, and `mount -t auto` fails before ext4 is loaded. Debian's busybox
# package does not (it conflicts with busybox-static, so it is only unpacked).
# apt-get download drops privileges to _apt, which must be able to write here.
chown _apt "$out/debs" 2>/dev/null || true
if ! (cd "$out/debs" && apt-get download -qq busybox); then
	echo "$me: apt-get download busybox failed; updating the package lists once" >&2
	apt-get update -qq && (cd "$out/debs" && apt-get download -qq busybox)
fi
dpkg -x "$out"/debs/busybox_*.deb "$out/busybox"
busybox=$out/busybox/bin/busybox
"$busybox" true || { echo "$me: $busybox does not run" >&2; exit 1; }

if [ ! -x "$out/venv/bin/meson" ]; then
	rm -rf "$out/venv"
	/usr/bin/python3 -m venv "$out/venv"
	"$out/venv/bin/pip" install -q 'meson>=1.4,<2'
fi

tar -xzf "$tarball" -C "$out/src" --strip-components=1
# The release tree takes its version from `git describe`, which fails in an
# exported tree; its test folder (a subdir of meson.build) is left out.
sed -i "s|version: run_command('tools/dist.sh', 'get-version', check: true).stdout().strip(),|version: '$version',|" \
	"$out/src/meson.build"
grep -q "version: '$version'," "$out/src/meson.build" || {
	echo "$me: cannot set the version in $out/src/meson.build" >&2
	exit 1
}
[ -e "$out/src/test/meson.build" ] || { mkdir -p "$out/src/test" && : >"$out/src/test/meson.build"; }

"$out/venv/bin/meson" setup "$out/build" "$out/src" --prefix=/usr --libdir=lib --sysconfdir=/etc \
	-Dsystemd=enabled -Dkernel_install=false -Dalpm=false -Ddocs=false -Dpresets=false
"$out/venv/bin/meson" compile -C "$out/build" -j 2
DESTDIR=$out/root "$out/venv/bin/meson" install -C "$out/build" --no-rebuild --quiet
# A real file, not a link: install/base copies it into the image, then
# writes the applet links.
install -m 0755 "$busybox" "$out/root/usr/lib/initcpio/busybox"
echo "$key" >"$out/root/.built"
echo "$me: $release built into $out/root"
