#!/bin/sh
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
# HOME. EARLYBIND_SOURCES=DIR (see `make sources`) is passed on for a build
# without network. Needs the packages in scripts/packages.txt (make deps).
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

version=$(sed -n 's/^public let earlybindVersion = "\(.*\)"$/\1/p' "$top/Sources/EarlybindHost/Version.swift")
[ -n "$version" ] || { echo "build-packages: no version in Sources/EarlybindHost/Version.swift" >&2; exit 1; }
tree=$out/earlybind-$version

if [ -n "${EARLYBIND_SOURCES:-}" ]; then
	EARLYBIND_SOURCES=$(cd "$EARLYBIND_SOURCES" && pwd)
	export EARLYBIND_SOURCES
fi

# The copy: what a clean clone holds, plus files not yet committed. The
# build output at the top of the copy survives; everything else that is not
# in the checkout (the packaging tools' leftovers in debian/) goes.
mkdir -p "$tree" "$out/home"
rsync -a --delete --delete-excluded --filter='P /.build*/' --filter='P /Package.resolved' \
	--exclude=/.git --filter=':- .gitignore' "$top/" "$tree/"

# as_builder COMMAND...: runs COMMAND as the build user, in the copy.
if [ "$(id -u)" -eq 0 ]; then
	user=${PKG_USER:-nobody}
	group=$(id -gn "$user")
	# Local git repositories (a mirror of the Swift packages, say) belong to
	# root; git refuses another user's repository unless told it is safe.
	printf '[safe]\n\tdirectory = *\n' >"$out/home/.gitconfig"
	chown -R "$user:$group" "$out"
	as_builder() {
		(cd "$tree" && setpriv --reuid="$user" --regid="$group" --clear-groups \
			env HOME="$out/home" USER="$user" LOGNAME="$user" "$@")
	}
else
	as_builder() { (cd "$tree" && env HOME="$out/home" "$@"); }
fi

for kind in $kinds; do
	start=$(date +%s)
	case $kind in
	deb)
		# -nc: keep the copy's build (incremental); debian/rules clean runs `make clean`.
		as_builder dpkg-buildpackage -b -us -uc -nc >"$out/deb.log" 2>&1 ||
			{ tail -n 40 "$out/deb.log" >&2; echo "build-packages: dpkg-buildpackage failed (log: $out/deb.log)" >&2; exit 1; }
		;;
	arch)
		# makepkg cannot check Arch dependencies on a system without pacman's
		# database: --nodeps. src/ and pkg/ go to OUTDIR/arch, not the copy.
		as_builder env BUILDDIR="$out/arch" PKGDEST="$out" SRCDEST="$out/arch" LOGDEST="$out/arch" \
			sh -c 'cd packaging/arch && makepkg --force --nodeps' >"$out/arch.log" 2>&1 ||
			{ tail -n 40 "$out/arch.log" >&2; echo "build-packages: makepkg failed (log: $out/arch.log)" >&2; exit 1; }
		;;
	rpm)
		# --nodeps: BuildRequires name Fedora/openSUSE packages, which rpm's
		# database here does not know.
		as_builder rpmbuild -bb --build-in-place --nodeps --define "_topdir $out/rpm" \
			packaging/rpm/earlybind.spec >"$out/rpm.log" 2>&1 ||
			{ tail -n 40 "$out/rpm.log" >&2; echo "build-packages: rpmbuild failed (log: $out/rpm.log)" >&2; exit 1; }
		cp "$out/rpm/RPMS/x86_64/earlybind-$version"-*.x86_64.rpm "$out/"
		;;
	esac
	echo "build-packages: $kind in $(($(date +%s) - start)) s"
done
for file in "$out"/*.deb "$out"/*.pkg.tar.* "$out"/*.rpm; do
	if [ -f "$file" ]; then echo "  $(stat -c %s "$file") bytes  $file"; fi
done
