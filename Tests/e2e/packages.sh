#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Checks the distribution packages built by scripts/build-packages.sh.
#
# Usage: Tests/e2e/packages.sh PKGDIR [CASE...]
#   PKGDIR  the folder build-packages.sh wrote (the packages and the tree
#           copy earlybind-VERSION they were built from)
#   CASE    version notices deb arch rpm (default: all)
# Env: E2E_WORK     work dir (default: new dir in /tmp, removed after a clean run)
#      E2E_SOURCES  the Debian source packages the build took (default: .build-sources)
#
# Each package must hold exactly the files `make install` puts into a
# DESTDIR with that distribution's paths (man pages compressed or not, and
# the files each package manager adds itself, aside), with the same modes
# and, except for the stripped binaries, the same bytes. The host tool in
# each package must run without the Swift toolchain's libraries. Then each
# package's scripts run under its own package manager, installing into a
# scratch busybox root: pacman shows the .install messages, rpm runs the
# scriptlets (a stand-in dracut records what they call) and keeps edited
# %config files. dpkg's side (trigger, conffiles, maintainer scripts) runs
# in Tests/e2e/clean-root.sh on a real Debian root. Licenses: each package
# holds THIRD-PARTY-NOTICES (checked by Tests/e2e/notices.sh) and names its
# licenses; lintian (on the .deb, and on a source package of the checkout,
# where it reads debian/copyright's DEP-5 paragraphs) and rpmlint report
# nothing about them. namcap, Arch's linter, is not packaged for Debian.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=Tests/e2e/lib.sh
. "$here/lib.sh"
all_cases="version notices deb arch rpm"

parse_args "$all_cases" "$@"
pkgdir=$stage
version=$(sed -n 's/^  static let current = "\(.*\)"$/\1/p' "$repo/Sources/EarlybindHost/Environment/EarlybindVersion.swift")
tree=$pkgdir/earlybind-$version
deb=$pkgdir/earlybind_${version}_amd64.deb
arch=$(find "$pkgdir" -maxdepth 1 -name "earlybind-$version-*-x86_64.pkg.tar.*" | sort | tail -n 1)
rpm=$(find "$pkgdir" -maxdepth 1 -name "earlybind-$version-*.x86_64.rpm" | sort | tail -n 1)
[ -d "$tree" ] || { echo "$me: $tree missing (run scripts/build-packages.sh $pkgdir)" >&2; exit 2; }
sources=${E2E_SOURCES:-$repo/.build-sources}
make_work packages

# reference NAME [MAKE VARIABLE...]: `make install PREFIX=/usr` into $work/NAME.ref.
reference() {
	local name=$1
	shift
	rm -rf "$work/$name.ref"
	make -s -C "$tree" install DESTDIR="$work/$name.ref" PREFIX=/usr "$@" >"$work/$name.ref.log" 2>&1
}

# listing DIR: one line per file or link below DIR, "MODE PATH" or
# "link PATH -> TARGET"; man pages and Debian's notices without .gz.
listing() {
	(cd "$1" && find . \( -type f -o -type l \) -printf '%y %m %P -> %l\n') |
		sed -e 's/^f \([0-7]*\) \(.*\) -> $/\1 \2/' -e 's/^l [0-7]* /link /' \
			-e 's|^\([0-7]* usr/share/man/.*\)\.gz$|\1|' \
		-e 's|^\([0-7]* usr/share/doc/earlybind/THIRD-PARTY-NOTICES\)\.gz$|\1|' | sort
}

# same_files NAME PKGROOT [EXCLUDED ERE]: the package's files against the reference.
same_files() {
	local name=$1 root=$2 skip=${3:-^$} diff
	listing "$work/$name.ref" >"$work/$name.ref.list"
	listing "$root" | grep -Ev "$skip" >"$work/$name.pkg.list"
	if diff=$(diff "$work/$name.ref.list" "$work/$name.pkg.list"); then
		ok "$name: the $(wc -l <"$work/$name.pkg.list") files of make install, with their modes"
	else
		fail "$name: files differ from make install (< make install, > package)"
		head -n 40 <<<"$diff" | sed 's/^/    /'
	fi
}

# same_bytes NAME PKGROOT: every file but the ELF binaries has the bytes make install wrote.
same_bytes() {
	local name=$1 root=$2 path differ=()
	while read -r path; do
		[ -f "$work/$name.ref/$path" ] || continue
		case $(head -c 4 "$work/$name.ref/$path" | od -An -c | tr -d ' ') in
		177ELF) continue ;;
		esac
		if [ -f "$root/$path.gz" ] && [ ! -e "$root/$path" ]; then
			cmp -s <(gzip -dc "$root/$path.gz") "$work/$name.ref/$path" || differ+=("$path")
		else
			cmp -s "$root/$path" "$work/$name.ref/$path" || differ+=("$path")
		fi
	done < <(cd "$work/$name.ref" && find . -type f -printf '%P\n')
	is "$name: text files byte-identical to make install" "${differ[*]}" ""
}

# standalone NAME BINARY: the host tool needs no Swift library and no build path.
standalone() {
	local name=$1 bin=$2 needed
	needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sort | tr '\n' ' ')
	check "$name: no RUNPATH/RPATH in earlybind" not grep -Eq 'RUNPATH|RPATH' <(readelf -d "$bin")
	check "$name: earlybind needs only libc, libm, libstdc++, libgcc_s, libkmod, libblkid ($needed)" \
		not grep -Evq '^(libc\.so\.6|libm\.so\.6|libstdc\+\+\.so\.6|libgcc_s\.so\.1|libkmod\.so\.2|libblkid\.so\.1|ld-linux-x86-64\.so\.2)$' \
		<(tr ' ' '\n' <<<"$needed" | grep .)
	is "$name: earlybind --version" "$(env -i "$bin" --version 2>&1)" "$version"
}

# notices NAME FILE: the package's THIRD-PARTY-NOTICES (FILE, or FILE.gz) is the tree's.
notices() {
	local name=$1 file=$2
	[ -f "$file" ] || [ ! -f "$file.gz" ] || file=$file.gz
	if [ ! -f "$file" ]; then
		fail "$name: no ${file#"$work"/*/}"
	elif cmp -s <(if [ "${file%.gz}" != "$file" ]; then gzip -dc "$file"; else cat "$file"; fi) "$tree/THIRD-PARTY-NOTICES"; then
		ok "$name: ${file#"$work"/*/} is THIRD-PARTY-NOTICES"
	else
		fail "$name: ${file#"$work"/*/} differs from THIRD-PARTY-NOTICES"
	fi
}

# scratch_root DIR: a busybox root the package managers run scriptlets in,
# with a stand-in dracut that appends its arguments to /dracut.calls.
scratch_root() {
	local dir=$1 applet
	rm -rf "$dir"
	mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,dev,tmp,var/lib,var/cache,var/log}
	mknod -m 666 "$dir/dev/null" c 1 3
	cp /bin/busybox "$dir/bin/busybox"
	/bin/busybox --list-full | while read -r applet; do
		[ -e "$dir/$applet" ] || ln -s /bin/busybox "$dir/$applet"
	done
	printf '#!/bin/sh\necho "$*" >>/dracut.calls\n' >"$dir/usr/bin/dracut"
	chmod 755 "$dir/usr/bin/dracut"
}
# calls ROOT: what the stand-in dracut was asked since the last call, then forgets it.
calls() { cat "$1/dracut.calls" 2>/dev/null; rm -f "$1/dracut.calls"; }

for case in $cases; do
	case $case in
	version)
		is "debian/changelog carries $version" \
			"$(dpkg-parsechangelog -l "$repo/debian/changelog" -S Version)" "$version"
		is "PKGBUILD carries $version" \
			"$(sed -n 's/^pkgver=//p' "$repo/packaging/arch/PKGBUILD")" "$version"
		is "the RPM spec carries $version" \
			"$(sed -n 's/^Version: *//p' "$repo/packaging/rpm/earlybind.spec")" "$version"
		;;
	notices)
		check "THIRD-PARTY-NOTICES and the license fields (Tests/e2e/notices.sh)" \
			"$here/notices.sh" "$tree" "$sources"
		;;
	deb)
		[ -f "$deb" ] || { fail "no $deb"; continue; }
		x=$work/deb.root
		rm -rf "$x" "$work/deb.control"
		dpkg-deb -x "$deb" "$x" && dpkg-deb -e "$deb" "$work/deb.control"
		reference deb NOTICES=THIRD-PARTY-NOTICES ||
			{ fail "make install for the reference (see $work/deb.ref.log)"; continue; }
		same_files deb "$x" \
			'^[0-7]+ usr/share/(doc/earlybind/(copyright|changelog\.gz)|lintian/overrides/earlybind)$'
		same_bytes deb "$x"
		standalone deb "$x/usr/sbin/earlybind"
		notices deb "$x/usr/share/doc/earlybind/THIRD-PARTY-NOTICES"
		is "copyright is debian/copyright" "$(cmp "$x/usr/share/doc/earlybind/copyright" "$tree/debian/copyright" 2>&1)" ""
		is "Built-Using: the pinned source packages and musl" \
			"$(dpkg-deb -f "$deb" Built-Using | sed 's/, */\n/g' | sort | tr '\n' ';')" \
			"$({ "$tree/scripts/build-static-deps.sh" --pins; dpkg-query -W -f='musl=${source:Version}\n' musl-dev; } |
				sed 's/=\(.*\)/ (= \1)/' | sort | tr '\n' ';')"
		is "every file owned by root" "$(dpkg-deb -c "$deb" | awk '$2 != "root/root"')" ""
		is "the update-initramfs trigger" "$(grep -v '^#' "$work/deb.control/triggers")" \
			"activate-noawait update-initramfs"
		is "conffiles: the dracut and mkinitcpio drop-ins, not /etc/earlybind.conf" \
			"$(sort "$work/deb.control/conffiles" | tr '\n' ' ')" \
			"/etc/dracut.conf.d/earlybind.conf /etc/mkinitcpio.conf.d/earlybind.conf "
		depends=$(dpkg-deb -f "$deb" Depends)
		for want in 'libkmod2' 'libblkid1' 'initramfs-tools | linux-initramfs-tool'; do
			check "Depends: $want" grep -qF "$want" <<<"$depends"
		done
		check "Depends: no Swift runtime" not grep -qi swift <<<"$depends"
		check "maintainer scripts as built are shellcheck-clean" \
			shellcheck -s sh "$work/deb.control/postinst" "$work/deb.control/postrm"
		lintian --no-tag-display-limit "$deb" >"$work/lintian.log" 2>&1
		check "lintian: no errors ($(grep -c '^W:' "$work/lintian.log") warnings)" \
			not grep -q '^E:' "$work/lintian.log"
		grep -E '^[EW]:' "$work/lintian.log" | sed 's/^/    /'
		is "lintian: nothing about the copyright file or licenses" \
			"$(grep -E '^[EW]: ' "$work/lintian.log" | grep -iE 'copyright|licen[cs]e|dep5')" ""
		# lintian checks debian/copyright's DEP-5 paragraphs on the source package.
		src=$work/deb.source
		rm -rf "$src" && mkdir -p "$src/earlybind-$version"
		rsync -a --exclude=/.git --filter=':- .gitignore' "$repo/" "$src/earlybind-$version/"
		if (cd "$src" && dpkg-source -b "earlybind-$version") >"$work/deb.source.log" 2>&1; then
			lintian --no-tag-display-limit "$src/earlybind_$version.dsc" >"$work/lintian.source.log" 2>&1
			is "lintian on the source package: nothing about debian/copyright or licenses" \
				"$(grep -E '^[EW]: ' "$work/lintian.source.log" | grep -iE 'copyright|licen[cs]e|dep5')" ""
		else
			fail "dpkg-source -b (see $work/deb.source.log)"
		fi
		;;
	arch)
		[ -n "$arch" ] || { fail "no Arch package in $pkgdir"; continue; }
		x=$work/arch.root
		rm -rf "$x" && mkdir -p "$x" && bsdtar -xpf "$arch" -C "$x"
		reference arch SBINDIR=/usr/bin ZSHCOMPDIR=/usr/share/zsh/site-functions \
			LICENSEDIR=/usr/share/licenses/earlybind ||
			{ fail "make install for the reference (see $work/arch.ref.log)"; continue; }
		same_files arch "$x" '^[0-7]+ \.(BUILDINFO|INSTALL|MTREE|PKGINFO)$'
		same_bytes arch "$x"
		standalone arch "$x/usr/bin/earlybind"
		notices arch "$x/usr/share/licenses/earlybind/THIRD-PARTY-NOTICES"
		is "every file owned by root" "$(bsdtar -tvf "$arch" | awk '$3 != "root" || $4 != "root"')" ""
		info=$x/.PKGINFO
		is ".PKGINFO pkgver" "$(sed -n 's/^pkgver = //p' "$info")" "$version-1"
		is ".PKGINFO backup" "$(sed -n 's/^backup = //p' "$info" | sort | tr '\n' ' ')" \
			"etc/dracut.conf.d/earlybind.conf etc/mkinitcpio.conf.d/earlybind.conf "
		is ".PKGINFO depends" "$(sed -n 's/^depend = //p' "$info" | sort | tr '\n' ' ')" \
			"gcc-libs glibc kmod util-linux-libs "
		is ".PKGINFO license: the PKGBUILD's" "$(sed -n 's/^license = //p' "$info" | sort | tr '\n' ';')" \
			"$(bash -c 'source "$1" 2>/dev/null; printf "%s\n" "${license[@]}"' _ "$tree/packaging/arch/PKGBUILD" | sort | tr '\n' ';')"
		echo "# namcap, Arch's package linter, is not packaged for Debian: not run"
		is "pacman -Qlp lists what the package holds" \
			"$(pacman -Qlp "$arch" | awk '$2 !~ /\/$/ { print substr($2, 2) }' | sort)" \
			"$(cd "$x" && find . -path './.*' -prune -o \( -type f -o -type l \) -printf '%P\n' | sort)"

		# pacman itself, into a scratch root (no dependency checks: the root is busybox).
		r=$work/arch.scratch
		scratch_root "$r"
		mkdir -p "$r/var/lib/pacman" "$r/var/cache/pacman/pkg"
		printf '[options]\nArchitecture = x86_64\nSigLevel = Never\nLocalFileSigLevel = Never\n' \
			>"$work/pacman.conf"
		pac() {
			pacman --config "$work/pacman.conf" --root "$r" --dbpath "$r/var/lib/pacman" \
				--cachedir "$r/var/cache/pacman/pkg" --logfile "$r/var/log/pacman.log" --noconfirm "$@"
		}
		if pac -U -dd "$arch" >"$work/pacman.install.log" 2>&1; then
			ok "pacman -U installs it"
			check "install message: rebuild with mkinitcpio -P" grep -q 'mkinitcpio -P' "$work/pacman.install.log"
			check "every file in place" test -x "$r/usr/bin/earlybind" -a -x "$r/usr/lib/earlybind/earlybind-init" \
				-a -f "$r/usr/lib/initcpio/install/earlybind" -a -f "$r/etc/mkinitcpio.conf.d/earlybind.conf"
			echo '# edited' >>"$r/etc/mkinitcpio.conf.d/earlybind.conf"
			echo 'non-boot-vga' >"$r/etc/earlybind.conf"
			pac -U -dd "$arch" >"$work/pacman.upgrade.log" 2>&1
			check "reinstall keeps the edited drop-in (backup=)" \
				grep -q '^# edited' "$r/etc/mkinitcpio.conf.d/earlybind.conf"
			pac -R earlybind >"$work/pacman.remove.log" 2>&1
			check "pacman -R removes the package" test ! -e "$r/usr/bin/earlybind"
			check "remove message: /etc/earlybind.conf is kept" grep -q 'earlybind.conf is kept' "$work/pacman.remove.log"
			check "the edited drop-in is saved as .pacsave" test -f "$r/etc/mkinitcpio.conf.d/earlybind.conf.pacsave"
			is "/etc/earlybind.conf is kept" "$(cat "$r/etc/earlybind.conf")" "non-boot-vga"
		else
			fail "pacman -U installs it (see $work/pacman.install.log)"
		fi
		;;
	rpm)
		[ -n "$rpm" ] || { fail "no RPM in $pkgdir"; continue; }
		x=$work/rpm.root
		rm -rf "$x" && mkdir -p "$x" && (cd "$x" && rpm2cpio "$rpm" | cpio -idm --quiet)
		reference rpm SBINDIR="$(rpm --eval "%{_sbindir}")" ZSHCOMPDIR=/usr/share/zsh/site-functions \
			LICENSEDIR=/usr/share/licenses/earlybind ||
			{ fail "make install for the reference (see $work/rpm.ref.log)"; continue; }
		same_files rpm "$x" '^link usr/lib/\.build-id/'
		same_bytes rpm "$x"
		standalone rpm "$x/usr/sbin/earlybind"
		notices rpm "$x/usr/share/licenses/earlybind/THIRD-PARTY-NOTICES"
		is "%license: LICENSE and THIRD-PARTY-NOTICES" "$(rpm -qp --licensefiles "$rpm" | tr '\n' ' ')" \
			"/usr/share/licenses/earlybind/LICENSE /usr/share/licenses/earlybind/THIRD-PARTY-NOTICES "
		is "License: the spec's" "$(rpm -qp --qf '%{LICENSE}' "$rpm")" \
			"$(sed -n 's/^License: *//p' "$tree/packaging/rpm/earlybind.spec")"
		# rpmlint knows no license unless told: the SPDX list, and the
		# LicenseRefs THIRD-PARTY-NOTICES defines.
		{
			echo "ValidLicenses = ["
			{ grep -o '"[^"]*"' /usr/share/nodejs/spdx-license-ids/index.json
				sed -n 's/^License: \(LicenseRef-.*\)/"\1"/p' "$tree/THIRD-PARTY-NOTICES"; } | sed 's/$/,/'
			echo "]"
			echo "ValidLicenseExceptions = ["
			grep -o '"[^"]*"' /usr/share/nodejs/spdx-exceptions/index.json | sed 's/$/,/'
			echo "]"
		} >"$work/rpmlint.toml"
		rpmlint -c "$work/rpmlint.toml" "$rpm" >"$work/rpmlint.log" 2>&1
		is "rpmlint: nothing about licenses ($(grep -c ' W: ' "$work/rpmlint.log") warnings, $(grep -c ' E: ' "$work/rpmlint.log") errors)" \
			"$(grep -iE ' [EW]: [^ ]*licen[cs]e' "$work/rpmlint.log")" ""
		grep -E ' [EW]: ' "$work/rpmlint.log" | sed 's/^/    /'
		is "every file owned by root" \
			"$(rpm -qp --qf '[%{FILEUSERNAME}:%{FILEGROUPNAME} %{FILENAMES}\n]' "$rpm" | grep -v '^root:root ')" ""
		is "rpm -qlp lists what the package holds" \
			"$(rpm -qlp "$rpm" | while read -r f; do [ -d "$x$f" ] || echo "${f#/}"; done | sort)" \
			"$(cd "$x" && find . \( -type f -o -type l \) -printf '%P\n' | sort)"
		is "%config(noreplace): the dracut and mkinitcpio drop-ins" \
			"$(rpm -qp --qf '[%{FILEFLAGS:fflags} %{FILENAMES}\n]' "$rpm" | awk '$1 == "cn" { print $2 }' | tr '\n' ' ')" \
			"/etc/dracut.conf.d/earlybind.conf /etc/mkinitcpio.conf.d/earlybind.conf "
		scripts=$(rpm -qp --scripts "$rpm")
		check "rpm -qp --scripts: posttrans and postun rebuild with dracut --regenerate-all" \
			test "$(grep -c 'dracut --regenerate-all --force' <<<"$scripts")" -ge 2
		check "scriptlets are shellcheck-clean" shellcheck -s sh <(
			awk '/scriptlet \(using \/bin\/sh\):$/ { next } { print }' <<<"$scripts")

		# rpm itself, into a scratch root: the scriptlets run there.
		r=$work/rpm.scratch
		scratch_root "$r"
		rp() { rpm --root "$r" --nodeps "$@"; }
		rpm --root "$r" --initdb
		if rp -i "$rpm" >"$work/rpm.install.log" 2>&1; then
			ok "rpm -i installs it"
			is "install without a config rebuilds nothing" "$(calls "$r")" ""
			check "every file in place" test -x "$r/usr/sbin/earlybind" -a -x "$r/usr/lib/earlybind/earlybind-init" \
				-a -x "$r/usr/lib/dracut/modules.d/52earlybind/module-setup.sh" -a -f "$r/etc/dracut.conf.d/earlybind.conf"
			echo '# edited' >>"$r/etc/dracut.conf.d/earlybind.conf"
			echo 'non-boot-vga' >"$r/etc/earlybind.conf"
			rp -U --replacepkgs "$rpm" >"$work/rpm.upgrade.log" 2>&1
			is "reinstall with a config: dracut rebuilds every image" "$(calls "$r")" "--regenerate-all --force"
			check "reinstall keeps the edited drop-in (%config(noreplace))" \
				grep -q '^# edited' "$r/etc/dracut.conf.d/earlybind.conf"
			rp -e earlybind >"$work/rpm.erase.log" 2>&1
			check "rpm -e removes the package" test ! -e "$r/usr/sbin/earlybind"
			is "erase with a config: dracut rebuilds every image" "$(calls "$r")" "--regenerate-all --force"
			check "the edited drop-in is saved as .rpmsave" test -f "$r/etc/dracut.conf.d/earlybind.conf.rpmsave"
			is "/etc/earlybind.conf is kept" "$(cat "$r/etc/earlybind.conf")" "non-boot-vga"
			rm -f "$r/etc/earlybind.conf"
			rp -i "$rpm" >>"$work/rpm.install.log" 2>&1 && rp -e earlybind >>"$work/rpm.erase.log" 2>&1
			is "install and erase without a config rebuild nothing" "$(calls "$r")" ""
		else
			fail "rpm -i installs it (see $work/rpm.install.log)"
		fi
		;;
	esac
done

echo "$passed passed, $failed failed"
finish
