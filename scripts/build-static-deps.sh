#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the static C libraries that the initramfs binder (earlybind-init)
# links against, compiled with musl-gcc so that the binary can be linked fully
# statically against musl instead of glibc:
#
#   libkmod   module lookup and loading, with zstd and xz support
#   libzstd   decompression only, no legacy formats
#   liblzma   decoders only (lzma1, lzma2, delta, x86 BCJ)
#
# Everything comes from Debian's own source packages (kmod, libzstd,
# xz-utils), with Debian's patches applied, in the exact versions pinned
# below: THIRD-PARTY-NOTICES and debian/copyright name them, and
# Tests/e2e/notices.sh fails when they disagree.
#
# Usage: scripts/build-static-deps.sh OUTDIR      (conventionally .build-static)
#        scripts/build-static-deps.sh --download DIR
#        scripts/build-static-deps.sh --pins
#
# The second form only downloads the three source packages into DIR, for a
# later build without network: EARLYBIND_SOURCES=DIR makes the first form take
# the .dsc files and their tarballs from DIR instead of from apt. An unpacked
# source tree DIR/NAME (kmod, libzstd or xz-utils; a modified libkmod, say)
# is built as it is, instead of NAME's .dsc. The third form prints the pins,
# one NAME=VERSION a line.
#
# Produces OUTDIR/lib/{libkmod,libzstd,liblzma}.a and OUTDIR/include/
# {libkmod.h,zstd.h,zstd_errors.h,lzma.h,lzma/}, and OUTDIR/sources (what
# each was built from). Does nothing when they exist and were built by this
# version of the script from the same sources. Quiet unless something fails;
# the full log is OUTDIR/build.log. Needs the packages in scripts/packages.txt (make deps).
set -eu

# The Debian source packages built, and their exact versions: those of
# Debian 12 (bookworm), the release apt fetches them from when the system's
# own apt sources do not list them.
packages="kmod libzstd xz-utils"
pins="kmod=30+20221128-1 libzstd=1.5.4+dfsg2-5 xz-utils=5.4.1-1+deb12u2"
release=bookworm

# pinned NAME: prints the version of NAME this script builds.
pinned() {
	for pin in $pins; do
		if [ "${pin%%=*}" = "$1" ]; then
			echo "${pin#*=}"
			return
		fi
	done
}

usage() {
	echo "usage: build-static-deps.sh OUTDIR | --download DIR | --pins" >&2
	exit 2
}
download_only=''
case ${1:-} in
--pins)
	[ $# -eq 1 ] || usage
	for pin in $pins; do echo "$pin"; done
	exit 0
	;;
--download)
	[ $# -eq 2 ] || usage
	download_only=1
	# Downloading fetches from apt, never from an earlier download.
	unset EARLYBIND_SOURCES
	shift
	;;
esac
if [ $# -ne 1 ] || [ -z "$1" ]; then
	usage
fi
# OUTDIR is this script's own: refuse a directory with other content.
if [ -z "$download_only" ] && [ -d "$1" ] && [ -n "$(ls -A "$1")" ] && [ ! -f "$1/build.log" ]; then
	echo "build-static-deps: $1 is not empty and not an output of this script" >&2
	exit 2
fi
if [ -n "${EARLYBIND_SOURCES:-}" ]; then
	if [ ! -d "$EARLYBIND_SOURCES" ]; then
		echo "build-static-deps: EARLYBIND_SOURCES=$EARLYBIND_SOURCES is not a directory" >&2
		exit 2
	fi
	EARLYBIND_SOURCES=$(cd "$EARLYBIND_SOURCES" && pwd)
fi
mkdir -p "$1"
out=$(cd "$1" && pwd)
script=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")

log="$out/build.log"
[ -n "$download_only" ] && log="$out/download.log"
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

# Like run, but a failure is the caller's to handle.
run_quiet() {
	echo "+ $*" >>"$log"
	"$@" >>"$log" 2>&1
}

# tree NAME: whether EARLYBIND_SOURCES holds an unpacked source tree of NAME.
tree() { [ -n "${EARLYBIND_SOURCES:-}" ] && [ -d "$EARLYBIND_SOURCES/$1" ]; }

# listed NAME [APT OPTION...]: the versions of source package NAME apt lists.
listed() {
	pkg=$1
	shift
	apt-cache "$@" showsrc "$pkg" 2>>"$log" |
		awk -v n="$pkg" '/^Package: / { p = $2 } /^Version: / && p == n { print $2 }' | sort -u
}

# Source packages, into the current directory. With EARLYBIND_SOURCES=DIR
# (a packager building without network) the pinned .dsc files and their
# tarballs are taken from DIR, as left there by `make sources` or
# `apt-get source --download-only`; a package whose unpacked tree DIR holds
# (DIR/NAME) is not fetched at all. Otherwise apt fetches them: through the system's
# deb-src entries if they list every pinned version, else through a private
# apt state (lists and cache in $aptdir) that knows only the deb-src indexes
# of $release, from deb.debian.org or $DEBIAN_MIRROR and
# $DEBIAN_SECURITY_MIRROR. Either way dpkg-source checks each file against
# its .dsc.
fetch_sources() {
	if [ -n "${EARLYBIND_SOURCES:-}" ]; then
		for name in $packages; do
			tree "$name" && continue
			dsc=$EARLYBIND_SOURCES/${name}_$(pinned "$name").dsc
			[ -f "$dsc" ] || fail "EARLYBIND_SOURCES=$EARLYBIND_SOURCES has neither ${dsc##*/} (the pinned version; make sources) nor a source tree $name/"
			for file in "${dsc##*/}" $(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]* [0-9]* //p' "$dsc"); do
				[ -f "$EARLYBIND_SOURCES/$file" ] || fail "$dsc lists $file, which is not in $EARLYBIND_SOURCES"
				cp "$EARLYBIND_SOURCES/$file" .
			done
			echo "build-static-deps: $name $(pinned "$name") (from $EARLYBIND_SOURCES)" >&2
		done
		return
	fi
	set --
	everything_listed=yes
	for name in $packages; do
		listed "$name" | grep -qxF "$(pinned "$name")" || everything_listed=no
	done
	if [ "$everything_listed" = no ]; then
		apt=$aptdir
		mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/sources.list.d"
		mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
		security=${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
		keyring=/usr/share/keyrings/debian-archive-keyring.gpg
		cat >"$apt/sources.list" <<-EOF2
			deb-src [signed-by=$keyring] $mirror $release main
			deb-src [signed-by=$keyring] $mirror $release-updates main
			deb-src [signed-by=$keyring] $security $release-security main
		EOF2
		set -- -o "Dir::Etc::SourceList=$apt/sources.list" \
			-o "Dir::Etc::SourceParts=$apt/sources.list.d" \
			-o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" \
			-o "APT::Sandbox::User=$(id -un)"
		run apt-get "$@" update
	fi
	for name in $packages; do
		version=$(pinned "$name")
		run_quiet apt-get "$@" source --download-only "$name=$version" ||
			fail "$name $version, pinned in $script, could not be downloaded (apt lists: $(listed "$name" "$@" | tr '\n' ' ')); a new version needs its pin, THIRD-PARTY-NOTICES and debian/copyright updated together"
		echo "build-static-deps: $name $version" >&2
	done
}

# apt only fetches: with EARLYBIND_SOURCES (a build without network, or on
# a distribution without apt) it is not needed.
tools="dpkg dpkg-source musl-gcc autoreconf make ar cksum"
[ -n "${EARLYBIND_SOURCES:-}" ] || tools="apt-get apt-cache $tools"
for tool in $tools; do
	command -v "$tool" >/dev/null 2>&1 ||
		fail "$tool not found; install the packages in scripts/packages.txt (make deps)"
done

if [ -n "$download_only" ]; then
	aptdir=$(mktemp -d)
	trap 'rm -rf "$aptdir"' EXIT
	cd "$out"
	fetch_sources
	exit 0
fi
aptdir=$out/apt

# What the output is built from, one line a package: the pinned version, or
# a source tree from EARLYBIND_SOURCES with a checksum of its files.
sources=$(for name in $packages; do
	if tree "$name"; then
		sum=$(cd "$EARLYBIND_SOURCES/$name" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 cksum | cksum)
		echo "$name $(pinned "$name") modified: tree $EARLYBIND_SOURCES/$name, checksum $sum"
	else
		echo "$name $(pinned "$name")"
	fi
done)

# A different script or different sources mean a different build: rebuild.
stamp="$(cksum <"$script")
$sources"
complete=yes
for file in lib/libkmod.a lib/libzstd.a lib/liblzma.a include/libkmod.h include/zstd.h \
	include/zstd_errors.h include/lzma.h; do
	[ -f "$out/$file" ] || complete=no
done
if [ "$complete" = yes ] && [ "$(cat "$out/.stamp" 2>/dev/null || true)" = "$stamp" ]; then
	exit 0
fi

jobs=$(nproc 2>/dev/null || echo 2)
cflags="-Os -ffunction-sections -fdata-sections"

rm -rf "${out:?}/src" "${out:?}/lib" "${out:?}/include" "${out:?}/.stamp" "${out:?}/sources"
mkdir -p "$out/src" "$out/lib" "$out/include"
cd "$out/src"
fetch_sources
for name in $packages; do
	if tree "$name"; then
		echo "build-static-deps: $name from the tree $EARLYBIND_SOURCES/$name" >&2
		run cp -R "$EARLYBIND_SOURCES/$name" "$name"
	else
		run dpkg-source --require-strong-checksums -x "${name}_$(pinned "$name").dsc" "$name"
	fi
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
# and delta filters cost little), single-threaded, no tools. The table CRCs
# only (--disable-clmul-crc): the CLMUL variant picks itself at start-up in
# a constructor that runs CPUID, which every start of the binder paid (a
# VM exit under a hypervisor) whether it decompressed anything or not.
cd xz-utils
run ./configure CC=musl-gcc CFLAGS="$cflags" --disable-shared --enable-static \
	--enable-encoders= --enable-decoders=lzma1,lzma2,delta,x86 --disable-threads \
	--disable-clmul-crc --disable-microlzma --disable-lzip-decoder --disable-xz --disable-xzdec \
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
printf '%s\n' "$sources" >"$out/sources"
echo "$stamp" >"$out/.stamp"
