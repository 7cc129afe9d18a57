#!/bin/bash
# Builds an initramfs with the real mkinitramfs from a private CONFDIR and the
# hook files and binaries of a staging dir (make install DESTDIR=STAGE).
# Usage: mkinitrd.sh [--plain] [--kms] [--corrupt] STAGE CONF KVER OUT.img
#   --plain    leave earlybind's hook and boot script out (baseline image)
#   --kms      list bochs in CONFDIR/modules (early KMS)
#   --corrupt  flip bytes of /etc/earlybind/bindings.tbl inside the image
# CONF need not exist (then the hook must add nothing).
set -euo pipefail

plain='' kms='' corrupt=''
while [ $# -gt 0 ]; do
	case "$1" in
	--plain) plain=1 ;;
	--kms) kms=1 ;;
	--corrupt) corrupt=1 ;;
	--*) echo "mkinitrd: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
[ $# -eq 4 ] || { echo "usage: mkinitrd.sh [--plain] [--kms] [--corrupt] STAGE CONF KVER OUT.img" >&2; exit 2; }
stage=$(cd "$1" && pwd)
conf=$2 kver=$3 out=$4

confdir=$(mktemp -d)
trap 'rm -rf "$confdir"' EXIT
cp -a /etc/initramfs-tools/. "$confdir/"
# Small and quick: only what root on virtio-blk/ext4 needs, plus the hooks.
sed -i 's/^MODULES=.*/MODULES=list/' "$confdir/initramfs.conf"
printf '%s\n' virtio_pci virtio_blk ext4 >"$confdir/modules"
echo "RESUME=none" >"$confdir/conf.d/zz-e2e"
if [ -n "$kms" ]; then echo bochs >>"$confdir/modules"; fi

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
chmod 0755 "$confdir"/hooks/*

export EARLYBIND_CONF="$conf"
export EARLYBIND="$stage/usr/sbin/earlybind"
export EARLYBIND_INIT="$stage/usr/lib/earlybind/earlybind-init"
mkinitramfs -d "$confdir" -o "$out" "$kver"
