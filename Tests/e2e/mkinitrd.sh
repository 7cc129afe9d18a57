#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Builds an initramfs with the real mkinitramfs from a private CONFDIR and the
# hook files and binaries of a staging dir (make install DESTDIR=STAGE).
# Usage: mkinitrd.sh [--plain] [--kms] [--corrupt] [--table F] [--compress C] [--pad MIB] STAGE CONF KVER OUT.img
#   --plain    leave earlybind's hook and boot script out (baseline image)
#   --compress initramfs.conf's COMPRESS (default zstd)
#   --pad MIB  add MIB MiB of random (incompressible) data as
#              usr/lib/firmware/earlybind-padding.bin, which the archive
#              holds before the binder (for benchmarks of large images)
#   --kms      list bochs in CONFDIR/modules (early KMS)
#   --corrupt  flip bytes of /etc/earlybind/bindings.tbl inside the image
#   --table F  put the table F (compiled for the guest's view) in place of the
#              one the hook compiled on this machine
# CONF need not exist (then the hook must add nothing).
#
# Hermetic: nothing of an earlybind installed on this machine gets in. The
# CONFDIR is written here, not copied from /etc/initramfs-tools (whose hooks,
# scripts and settings stay out); mkinitramfs always runs the hooks and
# copies the boot scripts under /usr/share/initramfs-tools, so it runs in a
# private mount namespace where a copy of that folder without any earlybind
# file is mounted over it; the earlybind hook (staged, never the system's)
# reads CONF, never /etc/earlybind.conf, and the --plain image has no
# earlybind hook at all.
set -euo pipefail

plain='' kms='' corrupt='' compress=zstd pad='' table=''
while [ $# -gt 0 ]; do
	case "$1" in
	--table)
		table=$(realpath "${2:?--table needs a file}")
		shift
		;;
	--pad)
		pad=${2:?--pad needs a size in MiB}
		shift
		;;
	--compress)
		compress=${2:?--compress needs a method}
		shift
		;;
	--plain) plain=1 ;;
	--kms) kms=1 ;;
	--corrupt) corrupt=1 ;;
	--*) echo "mkinitrd: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 4 ] || { echo "usage: mkinitrd.sh [--plain] [--kms] [--corrupt] [--table F] [--compress C] [--pad MIB] STAGE CONF KVER OUT.img" >&2; exit 2; }
stage=$(cd "$1" && pwd)
conf=$2 kver=$3 out=$4

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
confdir=$tmp/conf share=$tmp/share
mkdir -p "$confdir/conf.d" "$confdir/hooks" "$confdir/scripts"
# Small and quick: only what root on virtio-blk/ext4 needs, plus the hooks.
printf '%s\n' MODULES=list BUSYBOX=auto KEYMAP=n "COMPRESS=$compress" DEVICE= NFSROOT=auto \
	RUNSIZE=10% FSTYPE=auto >"$confdir/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk ext4 >"$confdir/modules"
echo "RESUME=none" >"$confdir/conf.d/zz-e2e"
if [ -n "$kms" ]; then echo bochs >>"$confdir/modules"; fi
cp -a /usr/share/initramfs-tools "$share"
find "$share/hooks" "$share/scripts" -name 'earlybind*' -exec rm -rf {} +

if [ -z "$plain" ]; then
	install -m 0755 "$stage/usr/share/initramfs-tools/hooks/earlybind" "$confdir/hooks/earlybind"
	mkdir -p "$confdir/scripts/init-top"
	install -m 0755 "$stage/usr/share/initramfs-tools/scripts/init-top/earlybind" \
		"$confdir/scripts/init-top/earlybind"
fi

# Like a distro image: the display and audio drivers are in the initramfs,
# so udev coldplug there loads them for the matching PCI devices.
cat >"$confdir/hooks/e2e-drivers" <<'HOOK'
#!/bin/sh
[ "$1" = prereqs ] && exit 0
. /usr/share/initramfs-tools/hook-functions
manual_add_modules bochs snd_hda_intel snd_hda_codec_generic
HOOK

if [ -n "$corrupt" ]; then
	cat >"$confdir/hooks/e2e-corrupt" <<'HOOK'
#!/bin/sh
# Runs after earlybind's hook: flip two bytes of the compiled table.
if [ "$1" = prereqs ]; then echo earlybind; exit 0; fi
t="$DESTDIR/etc/earlybind/bindings.tbl"
[ -s "$t" ] || { echo "e2e-corrupt: no $t" >&2; exit 1; }
size=$(stat -c %s "$t")
for off in $((size / 2)) $((size - 1)); do
	b=$(od -An -tu1 -j "$off" -N1 "$t" | tr -d ' ')
	printf "\\$(printf %03o $((b ^ 0xff)))" |
		dd of="$t" bs=1 seek="$off" conv=notrunc status=none
done
HOOK
fi
if [ -n "$table" ]; then
	cat >"$confdir/hooks/e2e-table" <<HOOK
#!/bin/sh
# Runs after earlybind's hook: the guest's table over the one compiled here.
if [ "\$1" = prereqs ]; then echo earlybind; exit 0; fi
[ -s "\$DESTDIR/etc/earlybind/bindings.tbl" ] || { echo "e2e-table: no table" >&2; exit 1; }
cp "$table" "\$DESTDIR/etc/earlybind/bindings.tbl"
HOOK
fi
if [ -n "$pad" ]; then
	cat >"$confdir/hooks/e2e-pad" <<HOOK
#!/bin/sh
[ "\$1" = prereqs ] && exit 0
mkdir -p "\$DESTDIR/usr/lib/firmware"
head -c $((pad * 1048576)) /dev/urandom >"\$DESTDIR/usr/lib/firmware/earlybind-padding.bin"
HOOK
fi
chmod 0755 "$confdir"/hooks/*

# Only the staged hook learns where the staged tool and config are.
unset EARLYBIND_CONF EARLYBIND EARLYBIND_INIT
if [ -z "$plain" ]; then
	export EARLYBIND_CONF="$conf"
	export EARLYBIND="$stage/usr/sbin/earlybind"
	export EARLYBIND_INIT="$stage/usr/lib/earlybind/earlybind-init"
fi
# shellcheck disable=SC2016 # the inner script expands its own arguments
unshare --mount --propagation private -- sh -c \
	'mount --bind "$1" /usr/share/initramfs-tools && shift && exec "$@"' sh "$share" \
	mkinitramfs -d "$confdir" -o "$out" "$kver"
