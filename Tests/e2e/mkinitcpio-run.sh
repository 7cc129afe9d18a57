#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs the mkinitcpio that build-mkinitcpio.sh built, at the paths Arch gives
# it (/usr/bin/mkinitcpio, /usr/lib/initcpio), without touching the machine:
# in a private mount namespace /usr becomes a read-only overlay of
#   ROOT/usr    mkinitcpio (and Arch's busybox at /usr/lib/initcpio/busybox)
#   STAGE/usr   earlybind as `make install DESTDIR=STAGE PREFIX=/usr` put it
#   a layer with the paths mkinitcpio hard-codes for Arch's layout (below)
#   the machine's /usr
# /usr/lib/initcpio holds only mkinitcpio's and the stage's files, and /etc
# and /boot are read-only. Nothing reaches the machine's /usr, /etc or /boot.
# Usage: mkinitcpio-run.sh ROOT STAGE mkinitcpio|lsinitcpio [ARG...]
set -euo pipefail

me=${0##*/}
usage="usage: $me ROOT STAGE mkinitcpio|lsinitcpio [ARG...]"
[ $# -ge 3 ] || { echo "$usage" >&2; exit 2; }
root=$(cd "$1" && pwd) stage=$(cd "$2" && pwd) tool=$3
shift 3
case $tool in mkinitcpio | lsinitcpio) ;; *) echo "$usage" >&2; exit 2 ;; esac
[ -x "$root/usr/bin/$tool" ] || { echo "$me: no $root/usr/bin/$tool (build-mkinitcpio.sh)" >&2; exit 2; }

# Again, inside a mount namespace of its own.
if [ -z "${EARLYBIND_E2E_PRIVATE_NS:-}" ]; then
	EARLYBIND_E2E_PRIVATE_NS=1 exec unshare --mount --propagation private -- "$0" "$root" "$stage" "$tool" "$@"
fi
unset EARLYBIND_E2E_PRIVATE_NS

# Arch's layout on Debian 12. Arch keeps every program in /usr/bin (its
# /usr/sbin is a link to bin) and mkinitcpio sets PATH=/usr/bin:/bin, while
# Debian keeps blkid, switch_root, e2fsck, fsck, sulogin, swapon, modprobe
# and more in /usr/sbin: /usr/bin becomes an overlay of /usr/bin and
# /usr/sbin, so they are found there as files, as on Arch (links into
# /usr/sbin would not do: add_binary adds a link's target under /usr/sbin,
# which is a link to bin in the image, and then the link over that file).
# install/udev adds /usr/lib/libkmod.so.2 by that path; Debian keeps it in
# the multiarch dir: a link to it.
arch=$(mktemp -d "${TMPDIR:-/tmp}/earlybind-arch-usr.XXXXXX")
trap 'rm -rf "$arch"' EXIT
mkdir -p "$arch/usr/lib" "$arch/usr/bin"
# Arch's awk is gawk: building a UKI with objcopy uses its strtonum
# (Debian's default awk, mawk, has none).
[ ! -x /usr/bin/gawk ] || ln -s /usr/bin/gawk "$arch/usr/bin/awk"
if [ ! -e /usr/lib/libkmod.so.2 ]; then
	# awk reads to the end: leaving early could kill ldconfig with SIGPIPE,
	# which pipefail and set -e would make this script's exit status (141).
	libkmod=$(/sbin/ldconfig -p | awk '$1 == "libkmod.so.2" && /x86-64/ && !found { found = $NF } END { print found }')
	[ -n "$libkmod" ] || { echo "$me: libkmod.so.2 not found (ldconfig -p)" >&2; exit 2; }
	ln -s "$libkmod" "$arch/usr/lib/libkmod.so.2"
fi

mount -t overlay earlybind-e2e-usr -o "lowerdir=$root/usr:$stage/usr:$arch/usr:/usr" /usr
if [ ! -L /usr/sbin ]; then
	mount -t overlay earlybind-e2e-usr-bin -o lowerdir=/usr/bin:/usr/sbin /usr/bin
fi
mount -t overlay earlybind-e2e-initcpio \
	-o "lowerdir=$root/usr/lib/initcpio:$stage/usr/lib/initcpio" /usr/lib/initcpio
for dir in /etc /boot; do
	mount --bind "$dir" "$dir"
	mount -o remount,bind,ro "$dir"
done
"/usr/bin/$tool" "$@"
