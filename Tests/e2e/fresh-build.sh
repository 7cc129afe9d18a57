#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# A build on a fresh Debian 12: a clone of this repository in a clean
# debootstrapped root (the tarball clean-root.sh caches), where only the
# Swift toolchain, the upstream tarballs (at ../shared/upstream beside the
# clone, as beside this checkout) and, if there is one, the local mirror of
# Swift packages are bind-mounted read-only; there scripts/deps.sh installs what
# scripts/packages.txt lists, and `make build` (or TARGET) must succeed.
# It shows whether packages.txt lists every package the build uses.
#
# Usage: Tests/e2e/fresh-build.sh [TARGET...]     (default: build; not part of make test)
# Env:
#   SWIFT_DIR     the toolchain (default: the one swift on PATH belongs to), mounted at the same path
#   SWIFT_MIRROR  a folder of Swift package repositories that /etc/gitconfig maps GitHub
#                 to (url.<folder>.insteadOf), mounted at the same path with that mapping
#   E2E_UPSTREAM  the folder of upstream tarballs (default: ../shared/upstream beside this checkout)
#   E2E_ROOT_CACHE, DEBIAN_MIRROR, E2E_WORK as for clean-root.sh
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
me=${0##*/}
targets=${*:-build}
[ "$(id -u)" -eq 0 ] || { echo "$me: run as root (chroot)" >&2; exit 2; }

swift_dir=${SWIFT_DIR:-$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")}
[ -x "$swift_dir/usr/bin/swift" ] || { echo "$me: no toolchain at $swift_dir (set SWIFT_DIR)" >&2; exit 2; }
mirror_dir=${SWIFT_MIRROR:-$(git config --system --get-regexp 'insteadof' 2>/dev/null |
	sed -n 's|^url\.\(/[^ ]*\)/\.insteadof https://github.com/$|\1|p' | head -n 1)}
upstream=$(cd "${E2E_UPSTREAM:-$repo/../shared/upstream}" 2>/dev/null && pwd) ||
	{ echo "$me: no upstream tarballs at ${E2E_UPSTREAM:-$repo/../shared/upstream} (set E2E_UPSTREAM)" >&2; exit 2; }

work=${E2E_WORK:-$(mktemp -d /tmp/earlybind-fresh.XXXXXX)}
mkdir -p "$work"
root=$work/root
tarball=$(find "${E2E_ROOT_CACHE:-$repo/.build-clean-root}" -name 'bookworm-minbase-*.tar.zst' 2>/dev/null | head -n 1)
if [ -z "$tarball" ]; then
	echo "$me: no cached root; run Tests/e2e/clean-root.sh once (make clean-root-test)" >&2
	exit 2
fi
t0=$(date +%s)
rm -rf "$root" && mkdir -p "$root"
zstd -dcq "$tarball" | tar -C "$root" --numeric-owner --xattrs -xpf -

# What a Debian 12 installation has besides the debootstrapped base: the
# updates and security suites, a resolver; no daemons started in a chroot.
cat >"$root/etc/apt/sources.list" <<EOF
deb ${DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm main
deb ${DEBIAN_MIRROR:-http://deb.debian.org/debian} bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
# The machine's trust anchors for HTTPS (pip fetches meson from PyPI), which
# may include a CA of its network: copied like resolv.conf, and named by the
# variables pip and Python read, as on the machine.
ca_bundle=${PIP_CERT:-${SSL_CERT_FILE:-/etc/ssl/certs/ca-certificates.crt}}
mkdir -p "$root/etc/ssl"
cp -L "$ca_bundle" "$root/etc/ssl/machine-ca.crt" ||
	{ echo "$me: cannot copy the CA bundle $ca_bundle (set PIP_CERT)" >&2; exit 2; }
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
# The machine's own provisioning: the toolchain, and GitHub mapped to the mirror.
mkdir -p "$root$swift_dir" "$root/src/shared/upstream"
if [ -n "$mirror_dir" ]; then
	mkdir -p "$root$mirror_dir"
	printf '[url "%s/"]\n\tinsteadOf = https://github.com/\n' "$mirror_dir" >"$root/etc/gitconfig"
fi
git clone -q "$repo" "$root/src/earlybind"
(cd "$repo" && git diff --quiet HEAD) ||
	echo "# note: uncommitted changes in $repo are not in the clone"

echo "# fresh root from $tarball; toolchain $swift_dir; upstream $upstream; mirror ${mirror_dir:-none}; make $targets"
# shellcheck disable=SC2016 # the inner script expands its own arguments
unshare --mount --propagation private -- bash -c '
	set -e
	r=$1 swift=$2 mirror=$3 upstream=$4
	shift 4
	mount --bind "$r" "$r" # / is a mount point, as on a machine
	mount -t proc proc "$r/proc"
	mount --bind /dev "$r/dev"
	mount -t sysfs sysfs "$r/sys"
	mount --bind -o ro "$swift" "$r$swift"
	mount --bind -o ro "$upstream" "$r/src/shared/upstream"
	if [ -n "$mirror" ]; then mount --bind -o ro "$mirror" "$r$mirror"; fi
	exec chroot "$r" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PIP_CERT=/etc/ssl/machine-ca.crt SSL_CERT_FILE=/etc/ssl/machine-ca.crt \
		PATH="$swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
		sh -c "cd /src/earlybind && scripts/deps.sh && make $*"' \
	bash "$root" "$swift_dir" "$mirror_dir" "$upstream" "$targets" >"$work/build.log" 2>&1
rc=$?
tail -n 25 "$work/build.log"
echo "# make $targets on the fresh root: exit $rc after $(($(date +%s) - t0)) s (log: $work/build.log)"
exit "$rc"
