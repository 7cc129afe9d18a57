#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the one libFuzzer binary of every target into DIR (default
# .build-fuzz): the sources the targets exercise and Fuzz/*.swift, compiled
# as one module and instrumented for libFuzzer and AddressSanitizer.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/.build-fuzz}
mkdir -p "$out"
log=$out/build.log
image=$root/Sources/EarlybindHost/Image
# The image and UKI readers' pure parts (no file or process I/O) and the C shim of
# the decompression libraries it loads.
clang -O1 -fsanitize=fuzzer-no-link,address \
	-c "$root/Sources/CEarlybindDecompress/decompress.c" \
	-I "$root/Sources/CEarlybindDecompress/include" -o "$out/decompress.o"
if ! swiftc -sanitize=fuzzer,address -parse-as-library -O -use-ld=lld \
	-module-name EarlybindCore -Xcc -fmodule-map-file="$root/Fuzz/module.modulemap" \
	"$root"/Sources/EarlybindCore/*.swift \
	"$root/Sources/EarlybindHost/LiveBinding/BindingReportDecoding.swift" \
	"$image/CpioEntry.swift" "$image/CpioError.swift" "$image/CpioScanner.swift" \
	"$image/ImageCompression.swift" "$image/ImageLimits.swift" "$image/ImageSearch.swift" \
	"$image/ImageSource.swift" "$image/ImageUnpacker.swift" "$image/InitramfsImageError.swift" \
	"$image/MemberDecoder.swift" "$image/UnpackedTree.swift" "$image/PEImage.swift" \
	"$image/PEImageError.swift" "$image/UnifiedKernelImage.swift" \
	"$root/Sources/EarlybindHost/Output/Text.swift" \
	"$root"/Fuzz/*.swift "$out/decompress.o" -o "$out/earlybind-fuzz" >"$log" 2>&1; then
	grep -v 'ignoring import' "$log" >&2
	exit 1
fi
echo "built $out/earlybind-fuzz"
