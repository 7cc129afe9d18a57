#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Writes the seed corpora, Fuzz/corpus/<target>/: a few small valid inputs
# per target, from which the fuzzer mutates. Run again to regenerate them;
# the output is committed. Needs swiftc, cpio and the compressors.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=$here/corpus
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

rm -rf "$corpus"
mkdir -p "$corpus/table-decoder" "$corpus/config-parser" "$corpus/kernel-command-line" \
	"$corpus/report-reader" "$corpus/image-reader" "$corpus/uki-reader"

# Binding tables, encoded by the codec itself.
swiftc -module-name EarlybindCore -parse-as-library "$root"/Sources/EarlybindCore/*.swift \
	"$here/seeds/TableSeeds.swift" -o "$work/table-seeds" 2>/dev/null
"$work/table-seeds" "$corpus/table-decoder"

c=$corpus/config-parser
printf 'non-boot-vga\n' > "$c/simple"
printf '# GPU and its audio\n0000:03:00.0 expect=10de:13c2\r\n10de:13c2:1458:3702 driver=pci-stub functions=all\n' > "$c/options"
printf 'class:0300 group rebind allow-boot-vga\nclass:0c0330 functions=none  # USB\n\n03:00.1\n' > "$c/classes"

k=$corpus/kernel-command-line
printf 'BOOT_IMAGE=/vmlinuz root=UUID=1234 ro quiet earlybind.bind=03:00.0+rebind,10de:13c2+driver=pci-stub\n' > "$k/bind"
printf 'earlybind=off earlybind.dry_run earlybind.debug=1 "earlybind.skip=0000:01:00.0,02:00.0" -- init args\n' > "$k/switches"
printf 'earlybind-bind=class:0300+functions=all+group earlybind.skip=zz\n' > "$k/bad"

r=$corpus/report-reader
printf '{"version":1,"status":"done","message":"2 bound","elapsed_us":812,"devices":[{"address":"0000:00:05.0","id":"[1234:1111]","driver":"vfio-pci","reason":"line 2","outcome":"bound","detail":""}],"refused":["0000:00:03.0 is the boot GPU"],"unmatched_rules":[],"modules":["vfio","vfio_pci"],"problems":[]}\n' > "$r/done"
printf '{"version":2,"status":"done","message":"","elapsed_us":90,"devices":[],"refused":["0000:03:00.0 [8086:1533] skipped"],"unmatched_rules":[],"moves":["rule '"'"'03:00.0 expect=10de:1b80'"'"' (line 1): the expected device [10de:1b80] is now at 0000:05:00.0 (path:1c.0/00.0/00.0)"],"boot_id":"6d3f0c3e-8a1b-4c2d-9e0f-112233445566","scan":"all","functions":[{"address":"0000:00:1c.0","id":"8086:a33c","subsystem":"0000:0000","class":"060400","path":"1c.0"},{"address":"0000:05:00.0","id":"10de:1b80","subsystem":"1458:3702","class":"030000","path":"1c.0/00.0/00.0"},{"address":"0000:00:1f.3","id":"8086:a348","subsystem":"0000:0000","class":"040380","path":null}],"modules":[],"problems":[]}\n' > "$r/moves"
printf '{"version":1,"status":"table-error","message":"bad magic \\"EBTB\\"\\n","elapsed_us":0,"devices":[],"refused":[],"unmatched_rules":["line 3: 10de:13c2"],"modules":[],"problems":["\\u00e9"]}\n' > "$r/table-error"

# Images: a tree with the binder, its table behind a link, and a folder,
# as cpio writes it; then compressed with every format the kernel reads.
t=$work/tree
mkdir -p "$t/usr/bin" "$t/etc/earlybind"
printf 'binder' > "$t/usr/bin/earlybind-init"
cp "$corpus/table-decoder/table-0" "$t/etc/earlybind/bindings.tbl"
ln -s usr/bin "$t/sbin"
(cd "$t" && printf '.\netc\netc/earlybind\netc/earlybind/bindings.tbl\nsbin\nusr\nusr/bin\nusr/bin/earlybind-init\n' |
	cpio --quiet -o -H newc --reproducible) > "$work/main.cpio"
i=$corpus/image-reader
cp "$work/main.cpio" "$i/plain"
gzip -9 -n -c "$work/main.cpio" > "$i/gzip"
xz -c --check=crc32 "$work/main.cpio" > "$i/xz"
xz -c --format=lzma "$work/main.cpio" > "$i/lzma"
zstd -q -c "$work/main.cpio" > "$i/zstd"
bzip2 -c "$work/main.cpio" > "$i/bzip2"
lz4 -q -l -c "$work/main.cpio" > "$i/lz4"
lzop -c "$work/main.cpio" > "$i/lzop"
# An early uncompressed archive, then two members of different formats.
(cd "$t" && printf 'usr\nusr/bin\nusr/bin/earlybind-init\n' |
	cpio --quiet -o -H newc --reproducible) > "$work/early.cpio"
{ cat "$work/early.cpio"; zstd -q -c "$work/main.cpio"; head -c 512 /dev/zero; gzip -n -c "$work/main.cpio"; } > "$i/members"

# UKIs: a small PE image (a stub with nothing but a return) with the
# sections systemd-stub reads, the initrd plain or compressed, as objcopy
# adds them (dracut --uefi does the same with the real stub).
printf 'void _start(void) {}\n' > "$work/stub.c"
gcc -shared -nostdlib -fPIC -o "$work/stub.so" "$work/stub.c"
printf '#### LoaderInfo: systemd-stub 257.9-1 ####' > "$work/sdmagic"
printf '6.12.0-test' > "$work/uname"
printf 'MZ' > "$work/linux"
uki() { # OUTPUT INITRD [CMDLINE]
	set -- "$@" ""
	printf '%s' "$3" > "$work/cmdline"
	objcopy --target efi-app-x86_64 -j .text \
		--add-section .sdmagic="$work/sdmagic" --change-section-vma .sdmagic=0x10000 \
		--add-section .uname="$work/uname" --change-section-vma .uname=0x11000 \
		--add-section .cmdline="$work/cmdline" --change-section-vma .cmdline=0x12000 \
		--add-section .linux="$work/linux" --change-section-vma .linux=0x13000 \
		${2:+--add-section .initrd="$2" --change-section-vma .initrd=0x20000} \
		"$work/stub.so" "$1"
}
u=$corpus/uki-reader
uki "$u/plain" "$work/main.cpio" "root=/dev/vda quiet"
uki "$u/zstd" "$i/zstd" "earlybind=off"
uki "$u/members" "$i/members"
uki "$u/no-initrd" ""
# Without .uname, the release comes from the kernel's header: a bzImage
# header ("HdrS" at 0x202) whose version pointer (0x20E) leads to the string.
k=$work/bzimage
head -c 1024 /dev/zero > "$k"
printf 'HdrS' | dd of="$k" bs=1 seek=514 conv=notrunc 2>/dev/null
printf '\000\001' | dd of="$k" bs=1 seek=526 conv=notrunc 2>/dev/null
printf '6.12.0-test (builder@host) #1 SMP' | dd of="$k" bs=1 seek=768 conv=notrunc 2>/dev/null
objcopy --target efi-app-x86_64 -j .text \
	--add-section .sdmagic="$work/sdmagic" --change-section-vma .sdmagic=0x10000 \
	--add-section .linux="$k" --change-section-vma .linux=0x13000 \
	--add-section .initrd="$work/main.cpio" --change-section-vma .initrd=0x20000 \
	"$work/stub.so" "$u/kernel-release"
chmod 644 "$u"/*
