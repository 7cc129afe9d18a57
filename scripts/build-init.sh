#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds earlybind-init, the initramfs binder: Embedded Swift, linked fully
# statically against musl, with libkmod, libzstd and liblzma built by
# scripts/build-static-deps.sh into .build-static.
#
# Usage: scripts/build-init.sh [DIR]
#
# Leaves the unstripped binary at
# .build-embedded/x86_64-unknown-linux-gnu/release/earlybind-init and a
# stripped copy at .build-embedded/earlybind-init, and prints its size.
# With DIR, everything goes to DIR/static and DIR/embedded instead of
# .build-static and .build-embedded (a binder relinked with a modified
# libkmod from EARLYBIND_SOURCES, say, beside the usual one).
# Needs the Swift toolchain and the packages in scripts/packages.txt (make deps).
#
# The Swift code is compiled as usual for x86_64-unknown-linux-gnu (against
# glibc's headers: Embedded Swift reaches libc only through the plain POSIX
# calls of Sources/CEarlybindSys, whose ABI musl shares on x86-64); only the
# link uses musl instead of glibc: musl adds about 60 KB to the binary, a
# static glibc about 700 KB. The Swift driver links through clang, so the
# link flags below replace clang's glibc start files and libraries
# (-nostdlib) with musl's, given by path so that no glibc-built archive from
# /usr/lib/x86_64-linux-gnu can be picked up.
set -eu

if [ $# -gt 1 ]; then
	echo "usage: build-init.sh [DIR]" >&2
	exit 2
fi
dir=''
if [ $# -eq 1 ]; then
	mkdir -p "$1"
	dir=$(cd "$1" && pwd)
fi
cd "$(dirname "$0")/.."
root=$(pwd)
deps=$root/.build-static
scratch=.build-embedded
if [ -n "$dir" ]; then
	deps=$dir/static
	scratch=$dir/embedded
fi

if [ "$(uname -m)" != x86_64 ]; then
	echo "build-init: only x86_64 is supported" >&2
	exit 1
fi
triple=x86_64-unknown-linux-gnu
musl=/usr/lib/x86_64-linux-musl
for file in crt1.o crti.o crtn.o libc.a; do
	if [ ! -f "$musl/$file" ]; then
		echo "build-init: $musl/$file missing; install the packages in scripts/packages.txt (make deps)" >&2
		exit 1
	fi
done

scripts/build-static-deps.sh "$deps"

libgcc=$(gcc -print-libgcc-file-name)

# -Osize and one section per function: --gc-sections then drops every
# function the binder never calls (the table encoder, the config editor's
# helpers, ...), about a third of the code.
# GNU ld (bfd), not gold: scripts/earlybind-init.ld discards the unwind
# tables (.eh_frame), which gold's script parser cannot express as an
# addition to its default layout. Nothing in the binder unwinds.
# The Embedded stdlib's Unicode data tables (libswiftUnicodeDataTables.a)
# are deliberately not linked: String ==, hashing and Character operations
# need them, the binder compares bytes instead (ASCII.equal), and a String
# operation that would pull them in fails this link instead of quietly
# adding some 50 KB.
# --wrap=main: musl runs constructors without (argc, argv), so main is
# wrapped to record them (see Sources/CEarlybindSys/sys.c).
# -lkmod comes from the CKmod module map and finds $deps/lib/libkmod.a.
set -- \
	-Xswiftc -Osize \
	-Xswiftc -Xfrontend -Xswiftc -function-sections \
	-Xswiftc -use-ld=bfd \
	-Xcc -I"$deps/include" \
	-Xswiftc -Xclang-linker -Xswiftc -nostdlib \
	-Xswiftc -Xclang-linker -Xswiftc -static \
	-Xswiftc -Xclang-linker -Xswiftc -Wno-unused-command-line-argument \
	-Xlinker --gc-sections \
	-Xlinker -T -Xlinker "$root/scripts/earlybind-init.ld" \
	-Xlinker --wrap=main \
	-Xlinker -L"$deps/lib" \
	-Xlinker "$deps/lib/libzstd.a" \
	-Xlinker "$deps/lib/liblzma.a" \
	-Xlinker "$musl/crt1.o" \
	-Xlinker "$musl/crti.o" \
	-Xlinker --start-group -Xlinker "$musl/libc.a" -Xlinker "$libgcc" -Xlinker --end-group \
	-Xlinker "$musl/crtn.o"

# swift build does not rebuild when only -X flags change, nor relink when
# only a library changes: start over when they, or the sources the
# libraries were built from, differ from the last build's.
flags="$*
$(cat "$deps/.stamp")"
if [ "$(cat "$scratch/.flags" 2>/dev/null || true)" != "$flags" ]; then
	rm -rf "$scratch"
	mkdir -p "$scratch"
	printf '%s\n' "$flags" >"$scratch/.flags"
fi
EMBEDDED=1 swift build -c release --product earlybind-init --scratch-path "$scratch" "$@"

binary=$scratch/$triple/release/earlybind-init
if readelf -l "$binary" | grep -q -e INTERP -e DYNAMIC; then
	echo "build-init: $binary is not statically linked" >&2
	exit 1
fi
if readelf -S "$binary" | grep -q '\.eh_frame'; then
	echo "build-init: $binary still has unwind tables (.eh_frame)" >&2
	exit 1
fi
strip -o "$scratch/earlybind-init" "$binary"
size=$(wc -c <"$scratch/earlybind-init")
echo "earlybind-init: $size bytes stripped ($scratch/earlybind-init)"
# The budget BENCHMARKS.md holds the binary to.
if [ "$size" -gt 560000 ]; then
	echo "build-init: warning: earlybind-init is over its 560000-byte budget" >&2
fi
