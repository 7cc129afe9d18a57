#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Relinks earlybind-init with a modified libkmod, the way the README tells
# users to: the pinned kmod source unpacked beside the other source
# packages, patched, and EARLYBIND_SOURCES pointing at that folder.
#
# Usage: Tests/e2e/relink.sh SOURCES DIR
#   SOURCES  the Debian source packages (make sources)
#   DIR      the relink's own build folder (kept: a second run with the same
#            patch builds nothing)
# Env: E2E_WORK as for run.sh
#
# The patch changes the message libkmod logs when it creates its context
# (shown with KMOD_LOG=info). Checked: the relinked binder is static and
# holds the new message, the usual one (.build-embedded) does not; it prints
# its usage; on a fake root whose table wants vfio-pci it asks libkmod for
# the module, and libkmod logs the new message.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"

if [ $# -ne 2 ] || [ ! -d "$1" ]; then
	echo "usage: $0 SOURCES DIR" >&2
	exit 2
fi
sources=$(cd "$1" && pwd)
mkdir -p "$2"
dir=$(cd "$2" && pwd)
make_work relink
case=relink
marker='ctx %p created by a relinked libkmod'

# The sources: the pinned .dsc files and their tarballs, and kmod unpacked and patched.
tree=$dir/sources
rm -rf "$tree"
mkdir -p "$tree"
for pin in $("$repo/scripts/build-static-deps.sh" --pins); do
	dsc=$sources/${pin%%=*}_${pin#*=}.dsc
	for file in "${dsc##*/}" $(sed -n '/^Files:/,/^[^ ]/s/^ [0-9a-f]* [0-9]* //p' "$dsc"); do
		cp "$sources/$file" "$tree/"
	done
	[ "${pin%%=*}" = kmod ] && kmod=$dsc
done
dpkg-source -x "$kmod" "$tree/kmod" >"$work/unpack.log" 2>&1 || { fail "dpkg-source -x $kmod"; finish; exit 1; }
patch -d "$tree/kmod" -p1 >"$work/patch.log" 2>&1 <<-EOF
	--- a/libkmod/libkmod.c
	+++ b/libkmod/libkmod.c
	@@ -286,7 +286,7 @@
	 		goto fail;
	 	}
	 
	-	INFO(ctx, "ctx %p created\n", ctx);
	+	INFO(ctx, "$marker\n", ctx);
	 	DBG(ctx, "log_priority=%d\n", ctx->log_priority);
	 
	 	return ctx;
EOF
check "the patch applies to the pinned kmod" test "$(grep -c "$marker" "$tree/kmod/libkmod/libkmod.c")" -eq 1

start=$(date +%s)
if EARLYBIND_SOURCES=$tree "$repo/scripts/build-init.sh" "$dir" >"$work/build.log" 2>&1; then
	ok "scripts/build-init.sh $dir with EARLYBIND_SOURCES=$tree ($(($(date +%s) - start)) s)"
else
	fail "scripts/build-init.sh $dir (see $work/build.log)"
	tail -n 20 "$work/build.log" | sed 's/^/    /'
	finish
	exit 1
fi
binder=$dir/embedded/earlybind-init
check "built from the kmod tree" grep -q "^kmod .* modified: tree $tree/kmod" "$dir/static/sources"
check "the relinked binder holds the patched message" grep -qaF "$marker" "$binder"
check "the usual binder does not" not grep -qaF "$marker" "$repo/.build-embedded/earlybind-init"
check "static: no interpreter, no dynamic section" not grep -Eq 'INTERP|DYNAMIC' <(readelf -l "$binder")
check "--help prints the usage" grep -q '^usage: earlybind-init' <("$binder" --help 2>&1)

# A fake root: one network function at 0000:00:05.0, no vfio-pci driver yet,
# and a table that hands the function to vfio-pci.
root=$work/root dev=sys/devices/pci0000:00/0000:00:05.0
rm -rf "$root"
mkdir -p "$root/$dev" "$root/sys/bus/pci/devices" "$root/sys/bus/pci/drivers" "$root/proc" \
	"$root/dev" "$root/etc/earlybind" "$root/lib/modules/$(uname -r)"
printf '0x8086\n' >"$root/$dev/vendor"
printf '0x100e\n' >"$root/$dev/device"
printf '0x020000\n' >"$root/$dev/class"
printf '0x0000\n' | tee "$root/$dev/subsystem_vendor" >"$root/$dev/subsystem_device"
printf 'pci:v00008086d0000100Esv00000000sd00000000bc02sc00i00\n' >"$root/$dev/modalias"
printf '(null)\n' >"$root/$dev/driver_override"
ln -s ../../../devices/pci0000:00/0000:00:05.0 "$root/sys/bus/pci/devices/0000:00:05.0"
: >"$root/sys/bus/pci/drivers_probe"
: >"$root/dev/kmsg"
echo 'console=ttyS0' >"$root/proc/cmdline"
echo '0000:00:05.0' >"$work/earlybind.conf"
"$repo/.build/release/earlybind" compile --config "$work/earlybind.conf" \
	--output "$root/etc/earlybind/bindings.tbl" --skip-module-check --no-host-guards >"$work/compile.log" 2>&1 ||
	fail "earlybind compile (see $work/compile.log)"
KMOD_LOG=info timeout 10 "$binder" --root "$root" >"$work/run.out" 2>"$work/run.err"
is "the run on the fake root ends with status 0" "$?" 0
check "libkmod, asked for vfio-pci, logs the patched message" grep -q 'created by a relinked libkmod' "$work/run.err"

echo "$passed passed, $failed failed"
finish
