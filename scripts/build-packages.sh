#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Builds the distribution packages from this checkout: the Debian package
# (dpkg-buildpackage), the Arch package (makepkg) and the RPM (rpmbuild).
#
# Usage: scripts/build-packages.sh OUTDIR [deb] [arch] [rpm]   (default: all three)
#
# The tracked and new files of the checkout (not what .gitignore names) are
# copied into OUTDIR/earlybind-VERSION, which stays between runs so that its
# build is incremental, and all three packages are built from that one copy:
# the packaging tools write next to the tree they build (dpkg-buildpackage
# into its parent), never into this checkout. The packages land in OUTDIR.
#
# Packages are built as an unprivileged user (makepkg refuses root): run as
# root, the builds run as $PKG_USER (default nobody) with OUTDIR/home as
# HOME; if that user cannot reach OUTDIR, everything above happens in a
# folder under /var/tmp instead, and OUTDIR gets the packages and a link to
# the copy. EARLYBIND_SOURCES=DIR (see `make sources`) is passed on for a
# build without network. Needs the packages in scripts/packages.txt (make deps).
set -eu

usage() {
	echo "usage: build-packages.sh OUTDIR [deb] [arch] [rpm]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
kinds=${*:-deb arch rpm}
for kind in $kinds; do
	case $kind in deb | arch | rpm) ;; *) usage ;; esac
done

version=$(sed -n 's/^  static let current = "\(.*\)"$/\1/p' "$top/Sources/EarlybindHost/Environment/EarlybindVersion.swift")
[ -n "$version" ] || { echo "build-packages: no version in Sources/EarlybindHost/Environment/EarlybindVersion.swift" >&2; exit 1; }

if [ -n "${EARLYBIND_SOURCES:-}" ]; then
	EARLYBIND_SOURCES=$(cd "$EARLYBIND_SOURCES" && pwd)
	export EARLYBIND_SOURCES
fi

# Run as root, the builds run as $PKG_USER, who must reach the folder they
# build in. When it cannot (a checkout under /root, say), they build in a
# folder of their own under /var/tmp, and the packages are copied to OUTDIR.
build=$out
if [ "$(id -u)" -eq 0 ]; then
	user=${PKG_USER:-nobody}
	group=$(id -gn "$user")
	# as_user COMMAND...: runs COMMAND as the build user.
	as_user() { setpriv --reuid="$user" --regid="$group" --clear-groups "$@"; }
	if ! as_user test -x "$out" -a -r "$out"; then
		build=/var/tmp/earlybind-packages-$(printf %s "$top" | cksum | cut -d' ' -f1)
		echo "build-packages: $user cannot reach $out; building in $build" >&2
	fi
	if [ -n "${EARLYBIND_SOURCES:-}" ] && ! as_user test -r "$EARLYBIND_SOURCES/."; then
		mkdir -p "$build/sources"
		rsync -a --delete "${EARLYBIND_SOURCES%/}/" "$build/sources/"
		EARLYBIND_SOURCES=$build/sources
	fi
fi
tree=$build/earlybind-$version

# The copy: what a clean clone holds, plus files not yet committed. The
# build output at the top of the copy survives; everything else that is not
# in the checkout (the packaging tools' leftovers in debian/) goes.
rm -rf "$build/tmp"
mkdir -p "$tree" "$build/home" "$build/tmp"
rsync -a --delete --delete-excluded --filter='P /.build*/' --filter='P /Package.resolved' \
	--exclude=/.git --filter=':- .gitignore' "$top/" "$tree/"

# as_builder COMMAND...: runs COMMAND as the build user, in the copy.
if [ "$(id -u)" -eq 0 ]; then
	# Local git repositories (a mirror of the Swift packages, say) belong to
	# root; git refuses another user's repository unless told it is safe.
	printf '[safe]\n\tdirectory = *\n' >"$build/home/.gitconfig"
	chown -R "$user:$group" "$build"
	as_builder() {
		(cd "$tree" && as_user env HOME="$build/home" TMPDIR="$build/tmp" USER="$user" LOGNAME="$user" "$@")
	}
else
	as_builder() { (cd "$tree" && env HOME="$build/home" TMPDIR="$build/tmp" "$@"); }
fi

for kind in $kinds; do
	start=$(date +%s)
	case $kind in
	deb)
		# -nc: keep the copy's build (incremental); debian/rules clean runs `make clean`.
		as_builder dpkg-buildpackage -b -us -uc -nc >"$build/deb.log" 2>&1 ||
			{ tail -n 40 "$build/deb.log" >&2; echo "build-packages: dpkg-buildpackage failed (log: $build/deb.log)" >&2; exit 1; }
		;;
	arch)
		# makepkg cannot check Arch dependencies on a system without pacman's
		# database: --nodeps. src/ and pkg/ go to OUTDIR/arch, not the copy.
		as_builder env BUILDDIR="$build/arch" PKGDEST="$build" SRCDEST="$build/arch" LOGDEST="$build/arch" \
			sh -c 'cd packaging/arch && makepkg --force --nodeps' >"$build/arch.log" 2>&1 ||
			{ tail -n 40 "$build/arch.log" >&2; echo "build-packages: makepkg failed (log: $build/arch.log)" >&2; exit 1; }
		;;
	rpm)
		# --nodeps: BuildRequires name Fedora/openSUSE packages, which rpm's
		# database here does not know.
		as_builder rpmbuild -bb --build-in-place --nodeps --define "_topdir $build/rpm" \
			packaging/rpm/earlybind.spec >"$build/rpm.log" 2>&1 ||
			{ tail -n 40 "$build/rpm.log" >&2; echo "build-packages: rpmbuild failed (log: $build/rpm.log)" >&2; exit 1; }
		cp "$build/rpm/RPMS/x86_64/earlybind-$version"-*.x86_64.rpm "$build/"
		;;
	esac
	echo "build-packages: $kind in $(($(date +%s) - start)) s"
done
if [ "$build" != "$out" ]; then
	for file in "$build"/*.deb "$build"/*.pkg.tar.* "$build"/*.rpm; do
		if [ -f "$file" ]; then cp -p "$file" "$out/"; fi
	done
	[ -L "$out/earlybind-$version" ] || rm -rf "$out/earlybind-$version"
	ln -sfn "$tree" "$out/earlybind-$version"
fi
for file in "$out"/*.deb "$out"/*.pkg.tar.* "$out"/*.rpm; do
	if [ -f "$file" ]; then echo "  $(stat -c %s "$file") bytes  $file"; fi
done
