#!/bin/bash
# Builds an initramfs the way mkinitcpio(8) describes it, for the e2e tests
# of the mkinitcpio hooks (mkinitcpio is not packaged in Debian). It is not
# mkinitcpio: it implements the documented build-hook API (functions), runs
# the build hooks of HOOKS in order, adds MODULES/BINARIES/FILES, writes the
# /config the busybox init reads (EARLYHOOKS, HOOKS, ... and MODULES), adds
# the modules with their dependencies plus depmod, and packs a newc cpio.
#
# Usage: build.sh -k KVER -c CONFIG [-C DROPINS] -D DIR [-D DIR]...
#                 [-g IMAGE] [-t TREE] [-L CALLS] [-z zstd|gzip]
#   -c CONFIG   the mkinitcpio.conf to source
#   -C DROPINS  then source DROPINS/*.conf, as mkinitcpio does with
#               /etc/mkinitcpio.conf.d when it is not given -c
#   -D DIR      where to look for install/NAME and hooks/NAME (in order)
#   -g IMAGE    write the image (without -g: build the tree only)
#   -t TREE     build in TREE (new or empty; kept) instead of a temporary dir
#   -L CALLS    append every build-hook call to CALLS (see functions)
#   -z          compressor (default zstd, as mkinitcpio's default)
# Exits 1 when a build error happened (a failing add_* call, a missing
# hook), after writing the image anyway, as mkinitcpio does.
shopt -s extglob

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
here=$(cd "$(dirname "$0")" && pwd)
export E2E_LIBDIR=$here
kver='' config='' dropins='' image='' tree='' calls='' compress=zstd hookdirs=''
while getopts 'k:c:C:D:g:t:L:z:' opt; do
	case $opt in
	k) kver=$OPTARG ;;
	c) config=$OPTARG ;;
	C) dropins=$OPTARG ;;
	D) hookdirs+="${hookdirs:+:}$(cd "$OPTARG" && pwd)" ;;
	g) image=$OPTARG ;;
	t) tree=$OPTARG ;;
	L) calls=$OPTARG ;;
	z) compress=$OPTARG ;;
	*) exit 2 ;;
	esac
done
if [[ -z $kver || -z $config || -z $hookdirs ]]; then
	echo "usage: build.sh -k KVER -c CONFIG [-C DROPINS] -D DIR... [-g IMAGE] [-t TREE] [-L CALLS]" >&2
	exit 2
fi

# shellcheck source=Tests/e2e/mkinitcpio/functions
. "$here/functions"

KERNELVERSION=$kver
MODULEROOT=/
_d_kmoduledir=/lib/modules/$KERNELVERSION
export KERNELVERSION MODULEROOT _d_kmoduledir
E2E_HOOKDIRS=$hookdirs
E2E_CALLS=$calls
E2E_HOOK=-
[[ -d $_d_kmoduledir ]] || { error "'%s' is not a valid kernel module directory" "$_d_kmoduledir"; exit 1; }

if [[ -n $tree ]]; then
	if [[ -e $tree && -n $(ls -A "$tree") ]]; then
		error "'%s' is not empty" "$tree"
		exit 2
	fi
	mkdir -p "$tree"
	BUILDROOT=$(cd "$tree" && pwd)
else
	workdir=$(mktemp -d /tmp/e2e-initcpio.XXXXXX)
	trap 'rm -rf "$workdir"' EXIT
	BUILDROOT=$workdir/root
	mkdir "$BUILDROOT"
fi
export BUILDROOT

# The image skeleton mkinitcpio starts from (merged /usr, /usr/sbin -> bin).
install -d -m 755 "$BUILDROOT"/{proc,sys,dev,run,tmp,var,etc,sysroot} \
	"$BUILDROOT"/usr/{local/{bin,sbin,lib},lib,bin} "$BUILDROOT/usr/lib/modules/$KERNELVERSION/kernel"
ln -s usr/lib "$BUILDROOT/lib"
ln -s bin "$BUILDROOT/usr/sbin"
ln -s usr/bin "$BUILDROOT/bin"
ln -s usr/bin "$BUILDROOT/sbin"
ln -s ../run "$BUILDROOT/var/run"
ln -s lib "$BUILDROOT/usr/lib64"
ln -s usr/lib "$BUILDROOT/lib64"
ln -s sysroot "$BUILDROOT/new_root"
ln -s ../proc/self/mounts "$BUILDROOT/etc/mtab"
: >"$BUILDROOT/etc/fstab"
: >"$BUILDROOT/etc/ld.so.conf"
install -m 644 /etc/os-release "$BUILDROOT/etc/os-release"
ln -s os-release "$BUILDROOT/etc/initrd-release"

# The config: the main file, then the drop-ins; strings become arrays.
# shellcheck source=/dev/null
. "$config" || { error "Failed to read configuration '%s'" "$config"; exit 1; }
if [[ -n $dropins ]]; then
	for f in "$dropins"/*.conf; do
		# shellcheck source=/dev/null
		[[ -e $f ]] && . "$f"
	done
fi
for v in MODULES BINARIES FILES HOOKS; do
	[[ ${!v@a} == *a* ]] || IFS=' ' read -r -a "${v?}" <<<"${!v-}"
done
((${#HOOKS[@]})) || { error 'Invalid config: No hooks found'; exit 1; }

# Built-in modules count as present (add_module skips them).
while IFS= read -r name; do
	e2e_added_modules[${name//-/_}]=2
done < <(tr '\0' '\n' <"$_d_kmoduledir/modules.builtin.modinfo" |
	sed -n 's/^\([^.]*\)\.alias=\(.*\)$/\1\n\2/p; t; s/^\([^.]*\)\..*/\1/p' | sort -u)

msg "Starting build: '%s'" "$KERNELVERSION"
# A failing add_* function is a build error; hooks do not report otherwise.
declare -i e2e_errors=0
set -o functrace
e2e_failed=''
trap '(( $? )) && [[ ${FUNCNAME[0]} == add_* ]] && (( ++e2e_errors )) && e2e_failed+=" ${FUNCNAME[0]}@$E2E_HOOK"' RETURN

for hook in "${HOOKS[@]}"; do
	if ! script=$(PATH=${hookdirs//://install:}/install type -P "$hook"); then
		error "Hook '%s' cannot be found" "$hook"
		((++e2e_errors))
		continue
	fi
	unset -f build help
	# shellcheck source=/dev/null
	if ! . "$script"; then
		error "Failed to read %s" "$script"
		((++e2e_errors))
		continue
	fi
	if ! declare -F build >/dev/null; then
		error "Hook '%s' has no build function" "$script"
		((++e2e_errors))
		continue
	fi
	msg2 'Running build hook: [%s]' "$script"
	E2E_HOOK=$hook
	build # its status is not looked at, as in mkinitcpio
	E2E_HOOK=-
done

E2E_HOOK=config
map add_module "${MODULES[@]}"
map add_binary "${BINARIES[@]}"
map add_file "${FILES[@]}"
E2E_HOOK=-
trap - RETURN
set +o functrace

# /config for the init: MODULES that are real modules of the image, then
# the hooks having each runtime function, in HOOKS order.
{
	loaded=()
	for m in "${MODULES[@]%\?}"; do
		m=${m//-/_}
		[[ ${e2e_added_modules[$m]:-0} == 1 ]] && loaded+=("$m")
	done
	((${#loaded[@]})) && printf 'MODULES="%s"\n' "${loaded[*]}"
	printf '%s="%s"\n' \
		EARLYHOOKS "${e2e_runhooks[early]# }" HOOKS "${e2e_runhooks[hooks]# }" \
		LATEHOOKS "${e2e_runhooks[late]# }" CLEANUPHOOKS "${e2e_runhooks[cleanup]% }" \
		EMERGENCYHOOKS "${e2e_runhooks[emergency]% }"
} >"$BUILDROOT/config"

# The modules, at /lib/modules/KVER/... (usr/lib in the image), and depmod.
moddest=/lib/modules/$KERNELVERSION
if ((${#e2e_module_paths[@]} == 0)); then
	warning 'No modules were added to the image.'
else
	for m in "${!e2e_module_paths[@]}"; do
		add_file "$m" "$moddest/${m#*"$moddest"/}" || ((++e2e_errors))
	done
	msg 'Generating module dependencies'
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		add_file "$_d_kmoduledir/$f" "$moddest/$f" || ((++e2e_errors))
	done
	depmod -b "$BUILDROOT" "$KERNELVERSION" || ((++e2e_errors))
	find "$BUILDROOT$moddest" -maxdepth 1 -name 'modules.*' ! -name '*.bin' \
		! -name modules.devname ! -name modules.softdep -delete
fi
ldconfig -r "$BUILDROOT" >/dev/null 2>&1

if [[ -n $image ]]; then
	msg "Creating %s-compressed initcpio image: '%s'" "$compress" "$image"
	case $compress in
	zstd) zopts=(-q -T0) ;;
	gzip) zopts=(-n) ;;
	*) zopts=() ;;
	esac
	(cd "$BUILDROOT" && find . -mindepth 1 -printf '%P\0' | LC_ALL=C sort -z |
		cpio --null -o -H newc -R 0:0 --quiet) | "$compress" "${zopts[@]}" >"$image" ||
		{ error 'Image generation FAILED'; exit 1; }
fi
if ((e2e_errors)); then
	warning 'errors were encountered during the build. The image may not be complete.'
	[[ -z $e2e_failed ]] || echo "e2e: failing add_* calls (function@hook):$e2e_failed" >&2
	exit 1
fi
msg 'Build complete.'
exit 0
