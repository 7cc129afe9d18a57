#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# The test images and the demo's do not depend on what is installed on the
# machine that builds them: this installs earlybind system-wide, with a
# config, and poisons /etc/initramfs-tools, all inside a private mount
# namespace where /etc and /usr are overlays (this machine's files are never
# written), then builds the images of Tests/e2e/mkinitrd.sh there.
#
# Usage: Tests/e2e/hermetic.sh STAGE     (STAGE from make install DESTDIR=STAGE PREFIX=/usr)
# Env: E2E_KVER, E2E_WORK as for run.sh
#
# Installed in the namespace: STAGE copied onto / (the hooks under
# /usr/share/initramfs-tools, /etc/dracut.conf.d, ...); /etc/earlybind.conf
# selecting every audio function; EARLYBIND_CONF=/etc/earlybind.conf in the
# environment; in /etc/initramfs-tools a hook and a boot script named
# earlybind that mark the image, a hook that fails every build, and
# MODULES=most. Checked: the --plain image carries nothing of earlybind; an
# image whose config does not exist carries no binder and no table; the
# image with a config carries the table compiled from that config, byte for
# byte; no image saw /etc/initramfs-tools.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"

if [ "${1:-}" != --inside ]; then
	[ "$(id -u)" -eq 0 ] || { echo "$me: run as root (mount namespace, overlays)" >&2; exit 2; }
	exec unshare --mount --propagation private -- "$0" --inside "$@"
fi
shift
parse_args "plain noconf conf" "$@"
pick_kernel vmlinuz config
for d in "$stage"/*; do
	case ${d##*/} in etc | usr) ;; *) echo "$me: $d: a stage holds only etc/ and usr/" >&2; exit 2 ;; esac
done
make_work hermetic

# --- a machine with earlybind installed (only in this namespace) ------------------
case=setup
for d in etc usr; do
	mkdir -p "$work/overlay/$d.upper" "$work/overlay/$d.work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$work/overlay/$d.upper,workdir=$work/overlay/$d.work" "/$d" ||
		{ fail "overlay on /$d"; finish; exit 1; }
done
cp -a "$stage/." /
echo 'class:0403' >/etc/earlybind.conf
mkdir -p /etc/initramfs-tools/hooks /etc/initramfs-tools/scripts/init-top /etc/initramfs-tools/conf.d
for f in hooks/earlybind scripts/init-top/earlybind; do
	cat >"/etc/initramfs-tools/$f" <<'MARK'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
[ -n "${DESTDIR:-}" ] && touch "$DESTDIR/LEAKED"
exit 0
MARK
done
cat >/etc/initramfs-tools/hooks/zz-poison <<'POISON'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
echo "/etc/initramfs-tools was read" >&2
exit 1
POISON
chmod 755 /etc/initramfs-tools/hooks/* /etc/initramfs-tools/scripts/init-top/earlybind
echo 'MODULES=most' >/etc/initramfs-tools/conf.d/zz-poison
export EARLYBIND_CONF=/etc/earlybind.conf
check "installed in the namespace: /usr/share/initramfs-tools/hooks/earlybind" \
	test -x /usr/share/initramfs-tools/hooks/earlybind
check "installed in the namespace: /etc/earlybind.conf" test -s /etc/earlybind.conf

# --- the images ------------------------------------------------------------------------
conf=$work/earlybind.conf
echo 'non-boot-vga' >"$conf"
# build NAME [OPTION] CONF: mkinitrd.sh into $work/NAME.img; lists its files into $work/NAME.list.
build() {
	local name=$1
	shift
	if "$here/mkinitrd.sh" "${@:1:$#-1}" "$stage" "${!#}" "$kver" "$work/$name.img" >"$work/$name.log" 2>&1; then
		ok "$name image builds"
		lsinitramfs "$work/$name.img" >"$work/$name.list"
	else
		fail "$name image builds (see $work/$name.log)"
		tail -n 5 "$work/$name.log" | sed 's/^/    /'
		: >"$work/$name.list"
	fi
}
# lists NAME ERE: the image NAME has a file matching ERE.
lists() { grep -Eq "$2" "$work/$1.list"; }

if wants plain; then
	case=plain
	build plain --plain "$conf"
	check "nothing of earlybind in the image" not lists plain 'earlybind|bindings\.tbl|LEAKED'
	check "no vfio module in the image" not lists plain '/vfio'
fi

if wants noconf; then
	case=noconf
	build noconf "$work/absent.conf"
	check "the staged boot script is in the image" lists noconf '^scripts/init-top/earlybind$'
	check "no binder and no table: /etc/earlybind.conf was not read" not lists noconf 'earlybind-init|bindings\.tbl'
	check "no mark of /etc/initramfs-tools" not lists noconf 'LEAKED'
fi

if wants conf; then
	case=conf
	build conf "$conf"
	check "binder and table in the image" lists conf '^usr/sbin/earlybind-init$'
	check "no mark of /etc/initramfs-tools" not lists conf 'LEAKED'
	rm -rf "$work/conf.x" && mkdir -p "$work/conf.x"
	(cd "$work/conf.x" && unmkinitramfs "$work/conf.img" . >/dev/null 2>&1)
	table=$(find "$work/conf.x" -path '*/etc/earlybind/bindings.tbl' | head -n 1)
	if "$stage/usr/sbin/earlybind" compile --config "$conf" --kernel "$kver" --output "$work/expected.tbl" \
		>/dev/null 2>&1 && [ -n "$table" ] && cmp -s "$table" "$work/expected.tbl"; then
		ok "the table is the one compiled from the test's config"
	else
		fail "the table is the one compiled from the test's config (image: '${table:-none}')"
	fi
fi

umount -l /etc /usr
echo "$passed passed, $failed failed"
finish
