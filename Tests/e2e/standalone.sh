#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The installed host tool as a user's machine runs it: no Swift toolchain,
# only a minimal Debian 12 with libkmod2 and libblkid1.
#
# Usage: Tests/e2e/standalone.sh STAGE [CASE...]
#   STAGE  tree made by `make install DESTDIR=STAGE PREFIX=/usr`
#   CASE   links size chroot (default: all)
# Env:
#   E2E_WORK            work dir (default: new dir in /tmp, removed after a clean run)
#   STANDALONE_MIRROR   Debian mirror for debootstrap (default http://deb.debian.org/debian)
#
# links: the dynamic section names only libc, libm, libstdc++, libgcc_s,
#   libkmod and libblkid, and no RUNPATH (no build-machine path, no
#   libswift*.so or libFoundation*.so).
# size: stripped, the binary is at most 15 MiB.
# chroot: debootstrap makes a minbase bookworm root with libkmod2 (once,
#   about 80 s, kept as .build-standalone/root.tar.gz); each run unpacks it,
#   copies earlybind in and runs commands there (with /sys bound in a private
#   mount namespace, so nothing stays mounted).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
all_cases="links size chroot"

parse_args "$all_cases" "$@"
bin=$stage/usr/sbin/earlybind
[ -x "$bin" ] || { echo "$me: $bin missing or not executable" >&2; exit 2; }
make_work standalone

if wants links; then
	case=links
	readelf -d "$bin" >"$work/dynamic"
	needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' "$work/dynamic" | sort | tr '\n' ' ')
	unexpected=
	for lib in $needed; do
		case $lib in
		libc.so.6 | libm.so.6 | libstdc++.so.6 | libgcc_s.so.1 | ld-linux-x86-64.so.2) ;;
		libkmod.so.2 | libblkid.so.1) ;;
		*) unexpected="$unexpected $lib" ;;
		esac
	done
	is "needs only libc, libstdc++, libgcc_s, libkmod and libblkid ($needed)" "$unexpected" ""
	check "no RUNPATH or RPATH" not grep -Eq '\((RUNPATH|RPATH)\)' "$work/dynamic"
	check "libkmod and libblkid are linked" grep -q 'libblkid.so.1' "$work/dynamic"
fi

if wants size; then
	case=size
	strip -o "$work/stripped" "$bin"
	size=$(stat -c %s "$work/stripped")
	check "stripped size $size bytes is at most 15 MiB" test "$size" -le $((15 * 1024 * 1024))
fi

# make_root: unpacks the cached minbase root into $work/root, making the cache first.
make_root() {
	local cache=$repo/.build-standalone
	local tarball=$cache/root.tar.gz
	if [ ! -f "$tarball" ]; then
		mkdir -p "$cache"
		rm -rf "$cache/root"
		echo "# debootstrap: minbase bookworm with libkmod2 into $cache (once)"
		debootstrap --variant=minbase --include=libkmod2 bookworm "$cache/root" \
			"${STANDALONE_MIRROR:-http://deb.debian.org/debian}" >"$cache/debootstrap.log" 2>&1 ||
			{ tail -20 "$cache/debootstrap.log" >&2; return 1; }
		tar -C "$cache/root" -czf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
		rm -rf "$cache/root"
	fi
	mkdir -p "$work/root"
	tar -C "$work/root" -xzf "$tarball"
}

# in_root COMMAND...: runs COMMAND in the root with a clean environment and /sys bound in.
in_root() {
	# shellcheck disable=SC2016 # $1 and $@ belong to the inner shell
	unshare --mount --propagation private sh -c 'mount --rbind /sys "$1/sys" && shift && exec chroot "$@"' \
		sh "$work/root" "$work/root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
}

if wants chroot; then
	case=chroot
	if make_root; then
		root=$work/root
		cp "$bin" "$root/usr/sbin/earlybind"
		check "the root has no Swift toolchain" not sh -c \
			"ls -d '$root'/opt/swift '$root'/usr/lib/swift '$root'/usr/bin/swift* 2>/dev/null | grep -q ."
		check "no libswift or libFoundation in the root" not sh -c \
			"find '$root' -name 'libswift*' -o -name 'libFoundation*' | grep -q ."
		is "--version" "$(in_root earlybind --version 2>&1)" "$("$bin" --version)"

		# A fake sysfs inside the root: two identical GPUs, the first the boot GPU.
		for bdf in 0000:00:02.0 0000:00:03.0; do
			dir=$root/fakesys/bus/pci/devices/$bdf
			mkdir -p "$dir"
			echo pci:v00001234d00001111sv00001AF4sd00001100bc03sc00i00 >"$dir/modalias"
		done
		echo 1 >"$root/fakesys/bus/pci/devices/0000:00:02.0/boot_vga"
		echo 0 >"$root/fakesys/bus/pci/devices/0000:00:03.0/boot_vga"
		mkdir -p "$root/etc/earlybind"
		echo non-boot-vga >"$root/etc/earlybind.conf"

		out=$(in_root earlybind compile --skip-module-check --no-host-guards 2>&1)
		is "compile writes the table" "$out" \
			"earlybind: 1 rule(s), modules [vfio vfio_iommu_type1 vfio_virqfd vfio_pci_core vfio_pci], protects [] -> /etc/earlybind/bindings.tbl"
		in_root earlybind plan --json --table /etc/earlybind/bindings.tbl --sysfs /fakesys \
			--cmdline quiet >"$work/plan.json" 2>"$work/plan.err"
		is "plan --json from the table: the second GPU, nothing refused" "$(python3 -c '
import json, sys
plan = json.load(open(sys.argv[1]))
print(plan["source"], [t["address"] for t in plan["targets"]], len(plan["refused"]))' "$work/plan.json")" \
			"table ['0000:00:03.0'] 0"
		in_root earlybind status --json >"$work/status.json" 2>"$work/status.err"
		is "status without a report exits 2" "$?" 2
		is "status --json says the binder did not run" \
			"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["state"])' "$work/status.json")" \
			not-run
		in_root earlybind list --all >"$work/list.txt" 2>"$work/list.err"
		is "list on this machine's /sys" "$?" 0
		check "list shows this machine's devices" grep -q '^ADDRESS ' "$work/list.txt"
		in_root earlybind check --config /etc/earlybind.conf --json >"$work/check.json" 2>&1
		is "check --json runs (libkmod, libblkid)" \
			"$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["version"])' "$work/check.json")" 1
	else
		fail "debootstrap of the minimal root failed"
	fi
fi

echo "$passed passed, $failed failed"
finish
