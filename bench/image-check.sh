#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Measures `earlybind check --json` on a large initramfs image beside the
# lister it replaced (lsinitramfs) and the decompressor alone, and prints a
# markdown subsection for the host section of BENCHMARKS.md (bench/host.sh
# includes it).
#
#     bench/image-check.sh EARLYBIND STAGE
#
# EARLYBIND is the binary to measure; STAGE the tree of
# `make install DESTDIR=STAGE PREFIX=/usr` (its initramfs-tools hook and
# binder go into the image).
#
# Environment:
#   BENCH_RUNS     timed runs per command (default 30, at least 20)
#   BENCH_ROUNDS   hyperfine rounds they are split into (default 5)
#   BENCH_PAD_MIB  incompressible padding in the image (default 52: about 60 MB in all)
#
# The image is a real mkinitramfs image (Tests/e2e/mkinitrd.sh, zstd as
# Debian's default) with BENCH_PAD_MIB MiB of random data in
# usr/lib/firmware/earlybind-padding.bin. mkinitramfs sorts the archive, so
# the table (etc/) comes first and the binder (usr/sbin/) after the padding
# and the modules (usr/lib/): nearly the whole image is decompressed before
# check can stop, which is the case to measure.

set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench_dir/.." && pwd)
runs=${BENCH_RUNS:-30}
rounds=${BENCH_ROUNDS:-5}
pad=${BENCH_PAD_MIB:-52}

die() {
  printf 'bench/image-check: %s\n' "$*" >&2
  exit 1
}

[[ $# -eq 2 ]] || die "usage: bench/image-check.sh EARLYBIND STAGE"
bin=$1
stage=$(cd "$2" && pwd)
[[ -x $bin ]] || die "$bin missing: make build"
[[ -x $stage/usr/share/initramfs-tools/hooks/earlybind ]] || die "$stage has no initramfs-tools hook"
((runs >= 20)) || die "BENCH_RUNS must be at least 20"
for tool in hyperfine python3 lsinitramfs mkinitramfs zstd; do
  command -v "$tool" >/dev/null || die "$tool is required (scripts/packages.txt)"
done

kver=
for k in $(find /lib/modules -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V); do
  [[ -r /boot/config-$k ]] && kver=$k
done
[[ -n $kver ]] || die "no kernel with /lib/modules/K and /boot/config-K"

work=$(mktemp -d "${TMPDIR:-/tmp}/earlybind-bench-image.XXXXXX")
trap 'rm -rf "$work"' EXIT
printf 'non-boot-vga\n' >"$work/earlybind.conf"
image=$work/initrd.img-$kver
"$repo/Tests/e2e/mkinitrd.sh" --pad "$pad" "$stage" "$work/earlybind.conf" "$kver" "$image" \
  >"$work/mkinitrd.log" 2>&1 || {
  tail -n 20 "$work/mkinitrd.log" >&2
  die "mkinitramfs failed"
}
mkdir -p "$work/boot" "$work/none"
: >"$work/boot/vmlinuz-$kver"
: >"$work/none/vmlinuz-$kver"
mv "$image" "$work/boot/"
image=$work/boot/initrd.img-$kver
size=$(stat -c %s "$image")
# hyperfine -i below would time a failing lsinitramfs too: it must list the image.
lsinitramfs "$image" >"$work/members" || die "lsinitramfs cannot list $image"
members=$(wc -l <"$work/members")
binder_at=$(grep -n 'usr/sbin/earlybind-init$' "$work/members" | cut -d: -f1)
python3 - "$("$bin" check --json --boot "$work/boot" --config "$work/earlybind.conf" || true)" \
  "image $kver" <<'EOF' || die "check does not find the binder in the benchmark image"
import json, sys
found = [f for f in json.loads(sys.argv[1])["findings"] if f["topic"] == sys.argv[2]]
sys.exit(0 if [f["level"] for f in found] == ["ok"] else 1)
EOF

check="$bin check --json --boot $work/boot --config $work/earlybind.conf"
check_none="$bin check --json --boot $work/none --config $work/earlybind.conf"
lsinitramfs_cmd="$(command -v lsinitramfs) $image"
zstd_cmd="$(command -v zstd) -dcq $image -o /dev/null"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
per_round=$(((runs + rounds - 1) / rounds))
for ((round = 0; round < rounds; round++)); do
  # check exits 1 or 2 for this machine's warnings and errors (IOMMU, hooks):
  # -i keeps those runs.
  hyperfine -N -i --style none --warmup 2 --runs "$per_round" \
    --export-json "$work/round-$round.json" \
    "$check" "$check_none" "$lsinitramfs_cmd" "$zstd_cmd" >"$work/hyperfine.log" 2>&1 || {
    cat "$work/hyperfine.log" >&2
    die "hyperfine failed"
  }
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

rows=$(python3 - "$check" "$check_none" "$lsinitramfs_cmd" "$zstd_cmd" "$work"/round-*.json <<'EOF'
import json, statistics, sys

labels = {
    sys.argv[1]: ("`earlybind check --json`", "every check, the image read until the binder and table"),
    sys.argv[2]: ("`earlybind check --json`, no image", "the same checks without an image: the rest of check"),
    sys.argv[3]: ("`lsinitramfs IMAGE`", "what check ran before: lists every member"),
    sys.argv[4]: ("`zstd -dc IMAGE -o /dev/null`", "the floor: decompressing the image, nothing else"),
}
results = {}
for path in sys.argv[5:]:
    for result in json.load(open(path))["results"]:
        results.setdefault(result["command"], []).extend(result["times"])
for command in sys.argv[1:5]:
    times = [t * 1000 for t in results[command]]
    label, note = labels[command]
    print("| %s | %.2f ms | %.2f ms | %d | %s |" % (
        label, statistics.median(times), min(times), len(times), note))
EOF
)

cat <<EOF
## \`earlybind check\` on a large image

A real mkinitramfs image for $kver (zstd, with earlybind's hook) carrying $pad MiB of random data
before the binder: $size B ($(awk -v b="$size" 'BEGIN { printf "%.1f MiB", b / 1048576 }')), $members members,
the binder member $binder_at of them (mkinitramfs sorts the archive: the padding and the modules
under usr/lib come before usr/sbin, so nearly all of it is decompressed before check can stop).
check reads the image's cpio headers itself and decompresses the zstd part in its own process
(libzstd, which libkmod loads), stopping once the binder and the table are seen.

| Command | Median | Min | Runs | What it does |
|---|--:|--:|--:|---|
$rows

hyperfine \`-N -i\` side by side in $rounds rounds of every command, 2 warm-up runs each per round;
load average (1/5/15 min) before: $load_before, after: $load_after.
EOF
