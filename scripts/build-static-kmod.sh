#!/bin/sh
# Builds a static libkmod (plus its helper library) from Debian's own kmod
# source package, because libkmod-dev ships only a shared library and the
# initramfs binder must be fully statically linked.
#
# Usage: scripts/build-static-kmod.sh OUTDIR
# Produces OUTDIR/lib/libkmod.a and OUTDIR/include/libkmod.h.
set -eu

out=${1:?usage: build-static-kmod.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)

if [ -f "$out/lib/libkmod.a" ] && [ -f "$out/include/libkmod.h" ]; then
	exit 0
fi

work="$out/src"
rm -rf "$work"
mkdir -p "$work" "$out/lib" "$out/include"
cd "$work"

# apt-get source needs deb-src entries; Debian 12 images often have none.
if ! apt-get source --download-only kmod >/dev/null 2>&1; then
	echo "build-static-kmod: no deb-src entry for kmod; add one (see scripts/deps.sh)" >&2
	exit 1
fi
dpkg-source -x kmod_*.dsc kmod >/dev/null
cd kmod

gtkdocize --copy --docdir libkmod/docs >/dev/null
autoreconf -fi >/dev/null
./configure --quiet --disable-manpages --disable-test-modules \
	--with-zstd --with-xz --without-openssl --without-zlib \
	CFLAGS="-O2 -fPIC" >/dev/null
make -s libkmod/libkmod-internal.la shared/libshared.la >/dev/null

# One archive, so the link line needs only -lkmod -lzstd -llzma.
tmp="$work/objs"
mkdir -p "$tmp/a" "$tmp/b"
(cd "$tmp/a" && ar x "$work/kmod/libkmod/.libs/libkmod-internal.a")
(cd "$tmp/b" && ar x "$work/kmod/shared/.libs/libshared.a")
rm -f "$out/lib/libkmod.a.tmp"
ar rcs "$out/lib/libkmod.a.tmp" "$tmp"/a/*.o "$tmp"/b/*.o
mv "$out/lib/libkmod.a.tmp" "$out/lib/libkmod.a"
cp libkmod/libkmod.h "$out/include/libkmod.h"
rm -rf "$work"
