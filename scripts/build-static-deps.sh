#!/bin/sh
# Builds the static C libraries that the initramfs binder (earlybind-init)
# links against, compiled with musl-gcc so that the binary can be linked fully
# statically against musl instead of glibc:
#
#   libkmod   module lookup and loading, with zstd and xz support
#   libzstd   decompression only, no legacy formats
#   liblzma   decoders only (lzma1, lzma2, delta, x86 BCJ)
#
# Everything comes from Debian's own source packages (kmod, libzstd,
# xz-utils), with Debian's patches applied.
#
# Usage: scripts/build-static-deps.sh OUTDIR      (conventionally .build-static)
#
# Produces OUTDIR/lib/{libkmod,libzstd,liblzma}.a and OUTDIR/include/
# {libkmod.h,zstd.h,zstd_errors.h,lzma.h,lzma/}. Does nothing when they exist
# and were built by this version of the script. Quiet unless something fails;
# the full log is OUTDIR/build.log. Needs the packages in scripts/packages.txt (make deps).
set -eu

if [ $# -ne 1 ]; then
	echo "usage: build-static-deps.sh OUTDIR" >&2
	exit 2
fi
# OUTDIR is this script's own: refuse a directory with other content.
if [ -d "$1" ] && [ -n "$(ls -A "$1")" ] && [ ! -f "$1/build.log" ]; then
	echo "build-static-deps: $1 is not empty and not an output of this script" >&2
	exit 2
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

# A different script means a different build: rebuild.
stamp=$(cksum <"$script")
complete=yes
for file in lib/libkmod.a lib/libzstd.a lib/liblzma.a include/libkmod.h include/zstd.h \
	include/zstd_errors.h include/lzma.h; do
	[ -f "$out/$file" ] || complete=no
done
if [ "$complete" = yes ] && [ "$(cat "$out/.stamp" 2>/dev/null || true)" = "$stamp" ]; then
	exit 0
fi

log="$out/build.log"
: >"$log"

fail() {
	echo "build-static-deps: $1" >&2
	if [ -s "$log" ]; then
		echo "build-static-deps: last lines of $log:" >&2
		tail -n 30 "$log" >&2
	fi
	exit 1
}

# Runs a command with its output in the log; stops with the log on failure.
run() {
	echo "+ $*" >>"$log"
	"$@" >>"$log" 2>&1 || fail "failed: $*"
}

for tool in apt-get dpkg-source musl-gcc autoreconf make ar cksum; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "$tool not found; install the packages in scripts/packages.txt (make deps)"
done

jobs=$(nproc 2>/dev/null || echo 2)
cflags="-Os -ffunction-sections -fdata-sections"

rm -rf "${out:?}/src" "${out:?}/lib" "${out:?}/include" "${out:?}/.stamp"
mkdir -p "$out/src" "$out/lib" "$out/include"
cd "$out/src"

# Source packages. apt-get source needs deb-src entries; a stock Debian
# install has none, so fall back to a private apt state (lists and cache in
# OUTDIR/src/apt) that knows only this release's deb-src indexes, from
# deb.debian.org or $DEBIAN_MIRROR and $DEBIAN_SECURITY_MIRROR.
if ! apt-get source --download-only kmod libzstd xz-utils >>"$log" 2>&1; then
	codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)
	[ -n "$codename" ] || fail "cannot tell the Debian release from /etc/os-release"
	apt="$out/src/apt"
	mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"
	mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
	security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	cat >"$apt/sources.list" <<-EOF
		deb-src [signed-by=$keyring] $mirror $codename main
		deb-src [signed-by=$keyring] $mirror $codename-updates main
		deb-src [signed-by=$keyring] $security $codename-security main
	EOF
	set -- -o "Dir::Etc::SourceList=$apt/sources.list" \
		-o "Dir::Etc::SourceParts=$apt/sources.list.d" \
		-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" \
		-o "APT::Sandbox::User=$(id -un)"
	run apt-get "$@" update
	run apt-get "$@" source --download-only kmod libzstd xz-utils
fi
for dsc in kmod_*.dsc libzstd_*.dsc xz-utils_*.dsc; do
	[ -f "$dsc" ] || fail "no $dsc after apt-get source"
	run dpkg-source -x "$dsc" "${dsc%%_*}"
done

# zstd: the decoder alone, without the legacy formats (v0.5-v0.7, which no
# kernel produces) and without BMI2 variants of the decoding loops compiled
# in next to the generic ones. It adds 47 KB to the binary, against 220 KB
# for Debian's libzstd.a, and decompresses about 15% slower (the 19 MB
# amdgpu.ko: 83 ms instead of 70 ms).
run make -C libzstd/lib -j"$jobs" libzstd.a CC=musl-gcc \
	CFLAGS="$cflags -DDYNAMIC_BMI2=0" ZSTD_LIB_COMPRESSION=0 ZSTD_LIB_DICTBUILDER=0 \
	ZSTD_LIB_DEPRECATED=0 ZSTD_LEGACY_SUPPORT=0
cp libzstd/lib/libzstd.a "$out/lib/"
cp libzstd/lib/zstd.h libzstd/lib/zstd_errors.h "$out/include/"

# liblzma: decoders for what module compression uses (.xz with LZMA2; BCJ
# and delta filters cost little), single-threaded, no tools.
cd xz-utils
run ./configure CC=musl-gcc CFLAGS="$cflags" --disable-shared --enable-static \
	--enable-encoders= --enable-decoders=lzma1,lzma2,delta,x86 --disable-threads \
	--disable-microlzma --disable-lzip-decoder --disable-xz --disable-xzdec \
	--disable-lzmadec --disable-lzmainfo --disable-lzma-links --disable-scripts \
	--disable-doc --disable-nls
run make -C src/liblzma -j"$jobs"
cd ..
cp xz-utils/src/liblzma/.libs/liblzma.a "$out/lib/"
cp -R xz-utils/src/liblzma/api/lzma.h xz-utils/src/liblzma/api/lzma "$out/include/"

# libkmod: the library part of kmod only. gtk-doc is not needed: kmod's own
# autogen.sh stubs gtk-doc.make the same way when gtkdocize is missing.
# --sysconfdir=/etc makes it read /etc/modprobe.d, as Debian's build does.
cd kmod
touch libkmod/docs/gtk-doc.make
run autoreconf -fi
run ./configure CC=musl-gcc CFLAGS="$cflags" CPPFLAGS="-I$out/include" \
	LDFLAGS="-L$out/lib" --prefix=/usr --sysconfdir=/etc \
	--disable-tools --disable-manpages --disable-test-modules \
	--with-zstd --with-xz --without-openssl --without-zlib \
	libzstd_CFLAGS="-I$out/include" libzstd_LIBS="-L$out/lib -lzstd" \
	liblzma_CFLAGS="-I$out/include" liblzma_LIBS="-L$out/lib -llzma"
run make -j"$jobs" libkmod/libkmod-internal.la shared/libshared.la
cd ..

# One archive, so that the link needs only -lkmod.
mkdir objs objs/kmod objs/shared
(cd objs/kmod && ar x ../../kmod/libkmod/.libs/libkmod-internal.a)
(cd objs/shared && ar x ../../kmod/shared/.libs/libshared.a)
run ar rcs "$out/lib/libkmod.a" objs/kmod/*.o objs/shared/*.o
cp kmod/libkmod/libkmod.h "$out/include/"

cd "$out"
rm -rf "$out/src"
echo "$stamp" >"$out/.stamp"
