#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end test of `earlybind check` reading real initramfs images: one
# image per generator and compression, no boot.
#
# Usage: Tests/e2e/image-check.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   initramfs-tools dracut mkinitcpio uki esp (default: all)
# Env:
#   E2E_KVER   kernel (default: newest K with /boot/vmlinuz-K, /boot/config-K and /lib/modules/K)
#   E2E_WORK   work dir (default: new dir in /tmp, removed after a clean run)
#
# Images: mkinitramfs with zstd; with xz behind an early microcode-like
# uncompressed cpio (as Debian's images carry with intel- or amd-microcode
# installed); with gzip and without earlybind's hook. Debian's dracut 059
# with zstd and --early-microcode (from a folder of made-up microcode, so
# the early cpio exists on any machine). mkinitcpio v41 with Arch's default
# busybox HOOKS and its default zstd. For each, `earlybind check --json`
# (its image in a --boot folder of its own) must report the binder and the
# table found exactly when lsinitramfs lists them (an error for the image
# without the hook) and the table the same as the config compiles to (a
# warning once the config has changed), and the reader's complete member list
# (`earlybind check --list-image`) must equal lsinitramfs's.
#
# Unified kernel images (uki): dracut 059 --uefi, dracut-ng --uefi (built
# by build-dracut-ng.sh) and mkinitcpio v41 -U, each with Debian's
# systemd-stub 252 and objcopy (no ukify on Debian 12), put in EFI/Linux of
# a --root of their own: `earlybind check --root` must find each and report
# the binder and the current table (with the warning that stub 252 reads
# no add-ons) as the .initrd section objcopy extracts lists them; a dracut
# UKI built without the earlybind module is an error. esp: the dracut UKI
# on a FAT ESP image (mkfs.vfat, mtools), loop-mounted at ROOT/boot/efi,
# found and read in place by `check --root ROOT`.
# Prints "ok"/"FAIL" per check and "N passed, N failed"; exits 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
repo=$(cd "$here/../.." && pwd)
all_cases="initramfs-tools dracut mkinitcpio uki esp"

parse_args "$all_cases" "$@"
cli=$stage/usr/sbin/earlybind
[ -x "$cli" ] || { echo "$me: $cli missing or not executable" >&2; exit 2; }
pick_kernel vmlinuz config
make_work image-check
write_configs

# checked NAME IMAGE FILE [CONF]: checks IMAGE as FILE (initrd.img-K or
# initramfs-K.img) of a --boot folder of its own, against CONF (default: the
# config the images are built with); prints the image finding's level and
# message on one line.
checked() {
	local boot=$work/$1.boot config=${4:-$conf}
	rm -rf "$boot"
	mkdir -p "$boot"
	: >"$boot/vmlinuz-$kver"
	ln -s "$2" "$boot/$3"
	"$cli" check --json --boot "$boot" --modules /lib/modules --config "$config" >"$work/$1.json"
	python3 - "$work/$1.json" "image $kver" <<'EOF'
import json, sys
found = [f for f in json.load(open(sys.argv[1]))["findings"] if f["topic"] == sys.argv[2]]
print(" ".join(found[0][k] for k in ("level", "message")) if len(found) == 1 else "%d findings" % len(found))
EOF
}

# members LIST: the paths of a listing, one a line, without "./" or "/" in
# front and without the root itself, sorted.
members() { sed -e 's#^\./##' -e 's#^/*##' "$1" | grep -vx -e '' -e '\.' | LC_ALL=C sort; }

# verify NAME IMAGE FILE HOOKED: the checks on one image (HOOKED: 1 when
# built with earlybind's hook).
verify() {
	local name=$1 image=$2 file=$3 hooked=$4 finding want_binder=0 want_table=0 level
	case=$name
	[ -s "$image" ] || { fail "no image $image"; return; }
	if ! lsinitramfs "$image" >"$work/$name.lsinitramfs" 2>"$work/$name.lsinitramfs.err"; then
		fail "lsinitramfs $image (see $work/$name.lsinitramfs.err)"
		return
	fi
	grep -q '/earlybind-init$' "$work/$name.lsinitramfs" && want_binder=1
	grep -q 'etc/earlybind/bindings\.tbl$' "$work/$name.lsinitramfs" && want_table=1
	is "lsinitramfs lists the binder and table as the image was built" \
		"$want_binder$want_table" "$hooked$hooked"
	finding=$(checked "$name" "$image" "$file")
	level=${finding%% *}
	if [ "$want_binder$want_table" = 11 ]; then
		is "check finds the binder and its table (as lsinitramfs)" "$finding" \
			"ok $work/$name.boot/$file carries the binder and its table"
	else
		is "check reports the missing binder as an error (as lsinitramfs)" "$level" error
		check "the error says what is missing and what to do" \
			grep -q 'has no earlybind binder: rebuild it' <<<"$finding"
	fi
	if "$cli" check --list-image "$image" >"$work/$name.list" 2>"$work/$name.list.err"; then
		members "$work/$name.list" >"$work/$name.ours"
		members "$work/$name.lsinitramfs" >"$work/$name.theirs"
		if cmp -s "$work/$name.ours" "$work/$name.theirs"; then
			ok "the reader lists the same $(wc -l <"$work/$name.ours") members as lsinitramfs"
		else
			fail "the reader's members differ from lsinitramfs's:"
			diff "$work/$name.ours" "$work/$name.theirs" | head -n 10 | sed 's/^/    /'
		fi
	else
		fail "check --list-image: $(cat "$work/$name.list.err")"
	fi
	echo "# $name: $(($(stat -L -c %s "$image") / 1024)) KiB, starts $(head -c 6 "$image" | od -An -tx1 | tr -d '\n')"
}

# early_cpio OUT: an uncompressed cpio like the microcode packages' early
# one (kernel/x86/microcode/GenuineIntel.bin), as cpio -o -H newc writes it.
early_cpio() {
	local d=$work/early
	rm -rf "$d"
	mkdir -p "$d/kernel/x86/microcode"
	head -c 20000 /dev/urandom >"$d/kernel/x86/microcode/GenuineIntel.bin"
	(cd "$d" && find kernel | LC_ALL=C sort | cpio --quiet -o -H newc) >"$1"
}

t0=$(date +%s)
if wants initramfs-tools; then
	case=build
	for spec in "zstd --compress zstd" "xz --compress xz" "plain --compress gzip --plain"; do
		# shellcheck disable=SC2086 # spec holds a name and mkinitrd.sh options
		set -- $spec
		name=itools-$1
		shift
		"$here/mkinitrd.sh" "$@" "$stage" "$conf" "$kver" "$work/$name.img" >"$work/$name.build.log" 2>&1 ||
			fail "mkinitramfs for $name (see $work/$name.build.log)"
	done
	early_cpio "$work/early.cpio"
	cat "$work/early.cpio" "$work/itools-xz.img" >"$work/itools-xz-early.img"
	verify itools-zstd "$work/itools-zstd.img" "initrd.img-$kver" 1
	# The config changed after the image was built: its table is stale.
	printf '%s\n' '# e2e: another rule' '0000:00:05.0' >"$work/changed.conf"
	is "a changed config makes the image's table stale" \
		"$(checked itools-zstd-changed "$work/itools-zstd.img" "initrd.img-$kver" "$work/changed.conf")" \
		"warning $work/itools-zstd-changed.boot/initrd.img-$kver carries a binding table that differs from what $work/changed.conf compiles to now: rebuild the initramfs (earlybind install --regenerate)"
	verify itools-xz-early "$work/itools-xz-early.img" "initrd.img-$kver" 1
	verify itools-gzip-plain "$work/itools-plain.img" "initrd.img-$kver" 0
	case=itools-xz-early
	is "the early cpio is uncompressed, the rest xz" \
		"$(head -c 6 "$work/itools-xz-early.img")$(tail -c +$(($(stat -c %s "$work/early.cpio") + 1)) "$work/itools-xz-early.img" | head -c 6 | od -An -tx1 | tr -d ' \n')" \
		"070701fd377a585a00"
fi

if wants dracut; then
	case=build
	droot=${E2E_DRACUT:-$repo/.build-dracut/root}
	if [ ! -f "$droot/usr/bin/dracut" ]; then
		# dracut.sh downloads and unpacks it (make e2e runs it first).
		fail "no dracut in $droot (run Tests/e2e/dracut.sh once, or set E2E_DRACUT)"
	else
		base=$work/dracut
		rm -rf "$base" "$work/dracut.conf.d" "$work/dtmp" "$work/fw"
		cp -a "$droot/usr/lib/dracut" "$base"
		rm -rf "$base/modules.d/52earlybind"
		cp -a "$stage/usr/lib/dracut/modules.d/52earlybind" "$base/modules.d/52earlybind"
		mkdir -p "$work/dracut.conf.d" "$work/dtmp" "$work/fw/intel-ucode"
		cp "$stage/etc/dracut.conf.d/earlybind.conf" "$work/dracut.conf.d/"
		head -c 20000 /dev/urandom >"$work/fw/intel-ucode/06-8e-09"
		EARLYBIND_CONF=$conf EARLYBIND=$cli EARLYBIND_INIT=$stage/usr/lib/earlybind/earlybind-init \
			dracutbasedir=$base bash "$droot/usr/bin/dracut" --conf /dev/null \
			--confdir "$work/dracut.conf.d" --tmpdir "$work/dtmp" --kver "$kver" --no-hostonly \
			--no-hostonly-cmdline --omit systemd --early-microcode --fwdir "$work/fw" \
			--compress "zstd -1 -q -T0" --force "$work/dracut.img" >"$work/dracut.build.log" 2>&1 ||
			fail "dracut (see $work/dracut.build.log)"
		verify dracut-zstd-early "$work/dracut.img" "initramfs-$kver.img" 1
		check "dracut wrote an early microcode cpio" \
			grep -qx 'kernel/x86/microcode/GenuineIntel.bin' "$work/dracut-zstd-early.lsinitramfs"
	fi
fi

if wants mkinitcpio; then
	case=build
	mkroot=${E2E_MKINITCPIO:-$repo/.build-mkinitcpio/root}
	if [ -z "${E2E_MKINITCPIO:-}" ]; then
		mkdir -p "$repo/.build-mkinitcpio"
		"$here/build-mkinitcpio.sh" "$repo/.build-mkinitcpio" >"$repo/.build-mkinitcpio/build.log" 2>&1 ||
			fail "building mkinitcpio (log: .build-mkinitcpio/build.log)"
	fi
	d=$work/mkinitcpio
	mkdir -p "$d"
	printf 'MODULES=()\nBINARIES=()\nFILES=()\nHOOKS=(%s)\n' \
		'base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck' \
		>"$d/mkinitcpio.conf"
	cp -a "$stage/etc/mkinitcpio.conf.d" "$d/"
	# v41 on Debian 12 always reports the missing /etc/udev/hwdb.bin (see
	# mkinitcpio.sh): judged by the image, not by the exit status.
	MKINITCPIO_CONF=$d/mkinitcpio.conf EARLYBIND_CONF=$conf \
		"$here/mkinitcpio-run.sh" "$mkroot" "$stage" mkinitcpio -k "$kver" -D /usr/lib/initcpio \
		-S autodetect -g "$work/mkinitcpio.img" >"$work/mkinitcpio.build.log" 2>&1
	verify mkinitcpio-zstd "$work/mkinitcpio.img" "initramfs-$kver.img" 1
	# Arch's usr-merged layout: found through the link, not under its name.
	check "mkinitcpio put the binder in usr/bin, usr/sbin linking to it" \
		grep -qx 'usr/bin/earlybind-init' "$work/mkinitcpio-zstd.lsinitramfs"
	check "no usr/sbin/earlybind-init member in the mkinitcpio image" \
		not grep -qx 'usr/sbin/earlybind-init' "$work/mkinitcpio-zstd.lsinitramfs"
fi

# --- unified kernel images ----------------------------------------------------------
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
uki_cmdline="console=ttyS0 root=/dev/vda rw"

# dracut_uki DRACUT-ROOT OUT [OPTION...]: a UKI made by that dracut --uefi.
dracut_uki() {
	local droot=$1 out=$2 base
	base=$work/dracut-$(basename "$2" .efi)
	shift 2
	rm -rf "$base" "$base.conf.d" "$base.tmp"
	cp -a "$droot/usr/lib/dracut" "$base"
	rm -rf "$base/modules.d/52earlybind"
	cp -a "$stage/usr/lib/dracut/modules.d/52earlybind" "$base/modules.d/52earlybind"
	mkdir -p "$base.conf.d" "$base.tmp"
	cp "$stage/etc/dracut.conf.d/earlybind.conf" "$base.conf.d/"
	EARLYBIND_CONF=$conf EARLYBIND=$cli EARLYBIND_INIT=$stage/usr/lib/earlybind/earlybind-init \
		dracutbasedir=$base bash "$droot/usr/bin/dracut" --conf /dev/null --confdir "$base.conf.d" \
		--tmpdir "$base.tmp" --kver "$kver" --no-hostonly --no-hostonly-cmdline --omit systemd \
		--compress "zstd -1 -q -T0" --uefi --uefi-stub "$stub" --kernel-image "/boot/vmlinuz-$kver" \
		--kernel-cmdline "$uki_cmdline" "$@" --force "$out" >"$out.build.log" 2>&1
}

# uki_findings NAME ROOT: `earlybind check --root ROOT` on the config; prints
# the topic, level and message of each finding about UKIs, one a line.
uki_findings() {
	"$cli" check --json --root "$2" --modules /lib/modules --config "$conf" >"$work/$1.json"
	python3 - "$work/$1.json" <<'EOF'
import json, sys
for f in json.load(open(sys.argv[1]))["findings"]:
    if f["topic"].startswith("uki "):
        print(f["topic"] + ": " + f["level"] + " " + f["message"])
EOF
}

# verify_uki NAME UKI HOOKED: UKI in EFI/Linux of a root of its own
# (HOOKED: 1 when built with earlybind's module or hook).
verify_uki() {
	local name=$1 uki=$2 hooked=$3 root=$work/$1.root findings path want_binder=0 want_table=0
	case=$name
	if [ ! -s "$uki" ]; then
		fail "no UKI $uki (see $uki.build.log)"
		tail -n 5 "$uki.build.log" 2>/dev/null | sed 's/^/    /'
		return
	fi
	objcopy -O binary --only-section=.initrd "$uki" "$work/$name.initrd"
	lsinitramfs "$work/$name.initrd" >"$work/$name.lsinitramfs" 2>&1
	grep -q '/earlybind-init$' "$work/$name.lsinitramfs" && want_binder=1
	grep -q 'etc/earlybind/bindings\.tbl$' "$work/$name.lsinitramfs" && want_table=1
	is "its .initrd (objcopy, lsinitramfs) has the binder and table as built" \
		"$want_binder$want_table" "$hooked$hooked"
	rm -rf "$root"
	mkdir -p "$root/efi/EFI/Linux"
	path=$root/efi/EFI/Linux/$name-$kver.efi
	cp "$uki" "$path"
	findings=$(uki_findings "$name" "$root")
	if [ "$hooked" = 1 ]; then
		check "check finds the binder and the current table in the UKI" grep -qxF \
			"uki $kver: ok $path carries the binder and its table" <<<"$findings"
	else
		check "check reports the UKI without the binder as an error" grep -qxF \
			"uki $kver: error $path has no earlybind binder: rebuild it (earlybind install --regenerate)" <<<"$findings"
	fi
	check "check says stub 252 reads no add-ons" grep -q \
		"^uki $kver: warning $path: its systemd-stub 252 reads no add-ons" <<<"$findings"
	is "no other finding about it" "$(wc -l <<<"$findings")" 2
	echo "# $name: $(($(stat -c %s "$uki") / 1024)) KiB"
}

if wants uki || wants esp; then
	case=build
	[ -s "$stub" ] || fail "no $stub (systemd-boot-efi)"
	dracut_uki "$repo/.build-dracut/root" "$work/dracut.efi"
fi
if wants uki; then
	dracut_uki "$repo/.build-dracut/root" "$work/dracut-unhooked.efi" --omit earlybind
	if "$here/build-dracut-ng.sh" "$repo/.build-dracut-ng" >"$work/dracut-ng.build.log" 2>&1; then
		dracut_uki "$repo/.build-dracut-ng/root" "$work/dracut-ng.efi"
	else
		fail "building dracut-ng (see $work/dracut-ng.build.log)"
	fi
	d=$work/mkinitcpio-uki
	mkdir -p "$d"
	printf 'MODULES=()\nBINARIES=()\nFILES=()\nHOOKS=(%s)\n' \
		'base udev autodetect microcode modconf kms keyboard keymap consolefont block filesystems fsck' \
		>"$d/mkinitcpio.conf"
	cp -a "$stage/etc/mkinitcpio.conf.d" "$d/"
	printf '%s\n' "$uki_cmdline" >"$d/cmdline"
	# v41 exits 1 on Debian 12 (see above): judged by the UKI. No ukify
	# here, so it runs objcopy with the stub, as dracut does.
	MKINITCPIO_CONF=$d/mkinitcpio.conf EARLYBIND_CONF=$conf \
		"$here/mkinitcpio-run.sh" "$repo/.build-mkinitcpio/root" "$stage" mkinitcpio -k "$kver" \
		-D /usr/lib/initcpio -S autodetect --kernelimage "/boot/vmlinuz-$kver" --uefistub "$stub" \
		--cmdline "$d/cmdline" -U "$work/mkinitcpio.efi" >"$work/mkinitcpio.efi.build.log" 2>&1
	verify_uki dracut-uefi "$work/dracut.efi" 1
	verify_uki dracut-uefi-unhooked "$work/dracut-unhooked.efi" 0
	verify_uki dracut-ng-uefi "$work/dracut-ng.efi" 1
	verify_uki mkinitcpio-uki "$work/mkinitcpio.efi" 1
fi

# mount_fat IMAGE DIR: mounts the FAT IMAGE read-only at DIR with the
# kernel's vfat, or with fusefat where the running kernel has no vfat (a
# virtual machine's kernel built without it); sets fat_type.
mount_fat() {
	if grep -qw vfat /proc/filesystems || modprobe vfat 2>/dev/null; then
		fat_type=vfat
		mount -o loop,ro -t vfat "$1" "$2"
	else
		fat_type=fuse.fusefat
		fusefat -o ro "$1" "$2"
	fi
}

if wants esp; then
	case=esp
	root=$work/esp.root
	esp=$work/esp.img
	rm -f "$esp"
	mkdir -p "$root/boot/efi"
	# A FAT32 ESP, the UKI where kernel-install and bootctl put one.
	if mkfs.vfat -F 32 -n ESP -C "$esp" $((256 * 1024)) >"$work/esp.log" 2>&1 &&
		MTOOLS_SKIP_CHECK=1 mmd -i "$esp" ::/EFI ::/EFI/Linux >>"$work/esp.log" 2>&1 &&
		MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$work/dracut.efi" "::/EFI/Linux/debian-$kver.efi" >>"$work/esp.log" 2>&1 &&
		mount_fat "$esp" "$root/boot/efi" >>"$work/esp.log" 2>&1; then
		check "the ESP is a FAT mount ($fat_type)" grep -q " $root/boot/efi $fat_type " /proc/mounts
		findings=$(uki_findings esp "$root")
		path=$root/boot/efi/EFI/Linux/debian-$kver.efi
		check "check finds the UKI on the ESP and reads the binder and table in place" grep -qxF \
			"uki $kver: ok $path carries the binder and its table" <<<"$findings"
		umount "$root/boot/efi"
	else
		fail "making and mounting the FAT ESP image (see $work/esp.log)"
	fi
fi

echo "# kernel $kver, work dir $work, all done in $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed"
finish
