#!/usr/bin/env bash
# Benchmarks earlybind-init against the ArchWiki vfio-pci-override.sh loop
# on synthetic sysfs trees, and writes BENCHMARKS.md.
#
#     bench/run.sh [BINDER]
#
# BINDER (or $EARLYBIND_INIT) is the earlybind-init to measure. Default: the
# stripped Embedded build .build-embedded/earlybind-init; when it is missing,
# the unstripped Embedded build, then the normal `swift build -c release`
# binary are used instead, and the report says so.
#
# Environment:
#   EARLYBIND       host tool used to compile the table (.build/release/earlybind)
#   BENCH_SIZES     device counts (default "64 1024 4096"); the two largest
#                   give the per-device syscall cost
#   BENCH_RUNS      timed runs per command and size (default 30)
#   BENCH_ROUNDS    hyperfine rounds they are split into (default 5)
#   BENCH_OUTPUT    report file (default BENCHMARKS.md at the top of the
#                   repository; "-" prints only)
#   BENCH_TMPDIR    where the trees are built (default /dev/shm, else $TMPDIR)
#   BENCH_KEEP=1    keep the trees and logs
#   BENCH_TIMER=loop  time with a date +%s%N loop even when hyperfine exists
#   BENCH_RULE      the binder's rule (default non-boot-vga; 0000:02:00.0
#                   selects the same functions by address)
#
# Nothing here touches the real /sys: every path goes through --root or the
# shell script's ROOT argument, and modules are never loaded (--no-modules).

set -euo pipefail

bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$bench_dir/.." && pwd)
cd "$repo"

sizes=${BENCH_SIZES:-64 1024 4096}
runs=${BENCH_RUNS:-30}
rounds=${BENCH_ROUNDS:-5}
output=${BENCH_OUTPUT:-$repo/BENCHMARKS.md}
host_tool=${EARLYBIND:-$repo/.build/release/earlybind}
embedded_stripped=$repo/.build-embedded/earlybind-init
embedded_unstripped=$repo/.build-embedded/x86_64-unknown-linux-gnu/release/earlybind-init
normal_build=$repo/.build/release/earlybind-init
# The rule the binder's table holds. Both defaults select the same two
# functions on every tree mktree.py builds: non-boot-vga must read every
# device's class; an address rule lets the binder skip unrelated devices.
rule=${BENCH_RULE:-non-boot-vga}
expected=$'0000:02:00.0 vfio-pci\n0000:02:00.1 vfio-pci'

note() { printf 'bench: %s\n' "$*" >&2; }
die() {
  note "$*"
  exit 1
}

# --- the binder to measure ---------------------------------------------------
binder_note=''
if [[ -n ${1:-} || -n ${EARLYBIND_INIT:-} ]]; then
  binder=${1:-$EARLYBIND_INIT}
  [[ -x $binder ]] || die "$binder is not an executable"
  binder_note="given on the command line / EARLYBIND_INIT"
elif [[ -x $embedded_stripped ]]; then
  binder=$embedded_stripped
  binder_note="Embedded Swift build, stripped (the binary the initramfs ships)"
elif [[ -x $embedded_unstripped ]]; then
  binder=$embedded_unstripped
  binder_note="FALLBACK: $embedded_stripped is missing; measured the unstripped Embedded build"
  note "$binder_note"
elif [[ -x $normal_build ]]; then
  binder=$normal_build
  binder_note="FALLBACK: no Embedded build found; measured the normal (dynamically linked) \`swift build -c release\` binary, whose start-up cost (dynamic loader, Swift runtime) the initramfs binary does not have"
  note "$binder_note"
else
  die "no earlybind-init found: run scripts/build-init.sh or swift build -c release"
fi
binder=$(cd "$(dirname "$binder")" && pwd)/$(basename "$binder")
[[ -x $host_tool ]] || die "$host_tool missing: swift build -c release --product earlybind"

for tool in python3 busybox strace file strip; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
have_hyperfine=false
if [[ ${BENCH_TIMER:-} != loop ]] && command -v hyperfine >/dev/null; then have_hyperfine=true; fi

# --- scratch space -----------------------------------------------------------
scratch_parent=${BENCH_TMPDIR:-}
if [[ -z $scratch_parent ]]; then
  if [[ -d /dev/shm && -w /dev/shm ]]; then scratch_parent=/dev/shm; else scratch_parent=${TMPDIR:-/tmp}; fi
fi
work=$(mktemp -d "$scratch_parent/earlybind-bench.XXXXXX")
cleanup() {
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then note "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Snapshot the binary (a rebuild during the run must not change what is
# measured), and take the sizes: the measured binary, its unstripped build,
# and a stripped copy when no stripped binary exists.
binder_path=$binder
binder_sha=$(sha256sum "$binder_path" | cut -d' ' -f1)
binder_file=$(file -b "$binder_path")
cp "$binder_path" "$work/earlybind-init"
binder=$work/earlybind-init
unstripped=$binder_path
if [[ $binder_path == "$embedded_stripped" && -f $embedded_unstripped ]]; then unstripped=$embedded_unstripped; fi
unstripped_size=$(stat -c %s "$unstripped")
if grep -q 'not stripped' <<<"$binder_file"; then
  strip -o "$work/earlybind-init.stripped" "$binder"
  stripped_size=$(stat -c %s "$work/earlybind-init.stripped")
  stripped_label="\`strip\` of the measured binary (made by the benchmark)"
else
  stripped_size=$(stat -c %s "$binder")
  stripped_label="\`${binder_path#"$repo"/}\`"
fi

mktree() { python3 "$bench_dir/mktree.py" "$@"; }
reset_tree() { mktree reset "$1"; }
# The command line of one run: command_for binder|shell ROOT sets argv.
argv=()
command_for() {
  if [[ $1 == binder ]]; then
    argv=("$binder" --root "$2" --no-modules --quiet)
  else
    argv=(busybox sh "$bench_dir/archwiki-override.sh" "$2")
  fi
}

printf '%s\n' "$rule" >"$work/earlybind.conf"
"$host_tool" compile --config "$work/earlybind.conf" --output "$work/bindings.tbl" \
  --skip-module-check >/dev/null

# Median of numbers (one per line).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Wall-time samples in milliseconds, one per line, appended to
# $work/times-binder-N and $work/times-shell-N. The two commands alternate
# (per hyperfine round, or per run without hyperfine), so that a burst of
# load elsewhere on the machine does not hit only one of them. Every run
# starts from a reset tree; the reset is not timed.
sample_times() {
  local n=$1 root=$work/tree-$1
  if $have_hyperfine; then
    local q_root q_reset round per_round json=$work/hyperfine.json
    q_root=$(printf '%q' "$root")
    q_reset="python3 $(printf '%q' "$bench_dir/mktree.py") reset $q_root"
    per_round=$(((runs + rounds - 1) / rounds))
    for ((round = 0; round < rounds; round++)); do
      # Warnings (outliers, a cold first run) go to a log: medians cope.
      if ! hyperfine --style none -N --warmup 2 --runs "$per_round" --prepare "$q_reset" \
        --export-json "$json" \
        "$(printf '%q' "$binder") --root $q_root --no-modules --quiet" \
        "busybox sh $(printf '%q' "$bench_dir/archwiki-override.sh") $q_root" \
        >"$work/hyperfine.log" 2>&1; then
        cat "$work/hyperfine.log" >&2
        die "hyperfine failed"
      fi
      python3 -c 'import json, sys
results = json.load(open(sys.argv[1]))["results"]
for path, result in zip(sys.argv[2:], results):
    with open(path, "a") as out:
        out.writelines("%.4f\n" % (t * 1000) for t in result["times"])' \
        "$json" "$work/times-binder-$n" "$work/times-shell-$n"
    done
  else
    local which start end i
    for ((i = 0; i < runs + 3; i++)); do
      for which in binder shell; do
        command_for "$which" "$root"
        reset_tree "$root"
        start=$(date +%s%N)
        "${argv[@]}"
        end=$(date +%s%N)
        ((i < 3)) || awk -v d=$((end - start)) 'BEGIN { printf "%.4f\n", d / 1e6 }' \
          >>"$work/times-$which-$n"
      done
    done
  fi
}

# Total syscalls of one run (strace -f -c), from a reset tree.
count_calls() {
  local log=$work/strace-count.txt
  command_for "$1" "$2"
  reset_tree "$2"
  strace -f -c -o "$log" "${argv[@]}"
  awk '$NF == "total" { print $4 }' "$log"
}

# The override set after one run, "BDF driver" per line.
overrides_after() {
  command_for "$1" "$2"
  reset_tree "$2"
  "${argv[@]}"
  mktree overrides "$2"
}

# --- the runs ----------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A t_binder t_shell min_binder min_shell samples c_binder c_shell nonmatching verdict
all_correct=true
for n in $sizes; do
  root=$work/tree-$n
  mkdir "$root"
  summary=$(mktree build "$root" "$n")
  nonmatching[$n]=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["non_matching"])' "$summary")
  cp "$work/bindings.tbl" "$root/etc/earlybind/bindings.tbl"
  note "N=$n: correctness"
  got_binder=$(overrides_after binder "$root")
  got_shell=$(overrides_after shell "$root")
  if [[ $got_binder == "$expected" && $got_shell == "$expected" ]]; then
    verdict[$n]='yes'
  else
    verdict[$n]='**NO**'
    all_correct=false
    note "N=$n: overrides differ; binder: [${got_binder//$'\n'/, }] shell: [${got_shell//$'\n'/, }]"
  fi
  note "N=$n: syscalls"
  c_binder[$n]=$(count_calls binder "$root")
  c_shell[$n]=$(count_calls shell "$root")
  note "N=$n: wall time ($runs runs each$($have_hyperfine && echo ", hyperfine, $rounds rounds"))"
  sample_times "$n"
  t_binder[$n]=$(median <"$work/times-binder-$n")
  t_shell[$n]=$(median <"$work/times-shell-$n")
  min_binder[$n]=$(sort -g "$work/times-binder-$n" | head -1)
  min_shell[$n]=$(sort -g "$work/times-shell-$n" | head -1)
  samples[$n]=$(wc -l <"$work/times-binder-$n")
done

# Which calls one non-matching device costs, from a traced run on the
# smallest tree (0000:03:00.0 is the first filler device).
read -r smallest _ <<<"$(tr ' ' '\n' <<<"$sizes" | sort -n | tr '\n' ' ')"
sequence_of() {
  local log=$work/strace-$1.txt
  command_for "$1" "$work/tree-$smallest"
  reset_tree "$work/tree-$smallest"
  strace -f -y -o "$log" "${argv[@]}"
  { grep -F '/0000:03:00.0' "$log" || true; } | awk '{ sub(/\(.*/, "", $2); print $2 }' | paste -sd ' ' - |
    sed 's/ /, /g'
}
seq_binder=$(sequence_of binder)
seq_shell=$(sequence_of shell)

# --- derived numbers ---------------------------------------------------------
read -r small large <<<"$(tr ' ' '\n' <<<"$sizes" | sort -n | tail -2 | tr '\n' ' ')"
# Cost of one more non-matching device: per_device TABLE [SCALE], where
# TABLE maps a size to calls (c_*) or milliseconds (t_*; SCALE 1000 gives µs).
per_device() {
  local -n values=$1
  awk -v a="${values[$small]}" -v b="${values[$large]}" -v scale="${2:-1}" \
    -v na="${nonmatching[$small]}" -v nb="${nonmatching[$large]}" \
    'BEGIN { printf "%.2f", scale * (b - a) / (nb - na) }'
}
pd_binder=$(per_device c_binder)
pd_shell=$(per_device c_shell)
pd_time_binder=$(per_device t_binder 1000)
pd_time_shell=$(per_device t_shell 1000)
ratio() { awk -v s="$1" -v b="$2" 'BEGIN { printf "%.2f", s / b }'; }

speed_target='n/a (1024 not in BENCH_SIZES)'
if [[ -n ${t_binder[1024]:-} ]]; then
  r=$(ratio "${t_shell[1024]}" "${t_binder[1024]}")
  if awk -v r="$r" 'BEGIN { exit !(r >= 20) }'; then
    speed_target="met: ${r}× at 1024 devices"
  else
    speed_target="**not met**: ${r}× at 1024 devices (the binder is $(awk -v r="$r" 'BEGIN { print (r >= 1 ? "faster, but far from 20×" : "slower than the shell loop") }'))"
  fi
fi
if awk -v p="$pd_binder" 'BEGIN { exit !(p <= 4.0) }'; then
  syscall_target="met: ${pd_binder} syscalls per non-matching device"
else
  syscall_target="**not met**: ${pd_binder} syscalls per non-matching device"
fi

human() { awk -v b="$1" 'BEGIN { printf "%.2f MiB", b / 1048576 }'; }

load_after=$(cut -d' ' -f1-3 /proc/loadavg)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
os=$(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)
tree_fs=$(stat -f -c %T "$work")
timer=$($have_hyperfine && hyperfine --version || echo 'date +%s%N loop')

warning=''
$all_correct || warning=$'**The correctness check failed: these numbers do not describe a working binder.**\n\n'

# --- report --------------------------------------------------------------------
table() {
  echo '| Devices | earlybind-init (median) | ArchWiki loop (median) | Speed-up | Syscalls, binder | Syscalls, loop | Overrides correct (both) |'
  echo '|--:|--:|--:|--:|--:|--:|:-:|'
  local n
  for n in $sizes; do
    printf '| %s | %.2f ms (min %.2f) | %.2f ms (min %.2f) | %s× | %s | %s | %s |\n' "$n" \
      "${t_binder[$n]}" "${min_binder[$n]}" "${t_shell[$n]}" "${min_shell[$n]}" \
      "$(ratio "${t_shell[$n]}" "${t_binder[$n]}")" "${c_binder[$n]}" "${c_shell[$n]}" "${verdict[$n]}"
  done
}

report() {
  cat <<EOF
# Benchmarks

earlybind-init with the rule \`$rule\` against the ArchWiki
\`vfio-pci-override.sh\` loop, on synthetic sysfs trees. Generated by \`bench/run.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC').

## Targets

$warning| Target | Result |
|---|---|
| At 1024 devices, earlybind-init at least 20× faster than the shell loop | $speed_target |
| At most 4 syscalls per non-matching device | $syscall_target |

## Results

$(table)

Speed-up = loop time / binder time (above 1 means the binder is faster).
Syscalls are totals of one run, start-up included (\`strace -f -c\`, children
included for the shell).

| Per non-matching device (from N=$small → N=$large) | Syscalls | Wall time | Calls made for one such device (0000:03:00.0, N=$smallest) |
|---|--:|--:|---|
| earlybind-init | $pd_binder | $pd_time_binder µs | $seq_binder |
| ArchWiki loop | $pd_shell | $pd_time_shell µs | $seq_shell |

## Binary

Measured: \`${binder_path#"$repo"/}\` — $binder_note (sha256 \`${binder_sha:0:16}…\`, copied before the runs).

| | Size |
|---|--:|
| Stripped ($stripped_label) | $stripped_size B ($(human "$stripped_size")) |
| Unstripped (\`${unstripped#"$repo"/}\`) | $unstripped_size B ($(human "$unstripped_size")) |

\`\`\`
$binder_file
\`\`\`

## Machine

- CPU: $cpu ($(nproc) CPUs online)
- Kernel: $(uname -srm)
- OS: $os
- Shell for the loop: $(busybox | head -1 | cut -d' ' -f1-2) (\`busybox sh\`)
- Tracer: $(strace -V | head -1); timer: $timer
- Trees on: $tree_fs ($scratch_parent)
- Load average (1/5/15 min) before the runs: $load_before; after: $load_after

## Method

- \`bench/mktree.py\` builds a tree of N PCI functions: a host bridge, two root
  ports, two GPUs with the same vendor:device (one \`boot_vga=1\`, one
  \`boot_vga=0\`), each with an HDMI audio function at \`.1\`, and N−7
  non-display devices (NVMe, NICs, USB, SATA, bridges, …). Each device has
  \`modalias\`, \`class\`, \`vendor\`, \`device\`, \`driver_override\` (\`(null)\`),
  an \`iommu_group\` link, and \`boot_vga\` when VGA-class;
  \`/sys/bus/pci/devices/<BDF>\` are symlinks into \`/sys/devices\` as on a real
  machine. The selection is the same two functions at every N, so the extra
  devices between two sizes are all non-matching.
- earlybind-init runs as \`--root TREE --no-modules --quiet\` with a table
  compiled from the single rule \`$rule\`; the loop runs as
  \`busybox sh bench/archwiki-override.sh TREE\` (\`modprobe\` left out).
- Every run, timed or traced, starts from a reset tree (all overrides back to
  \`(null)\`, kmsg and report emptied); the reset is not timed.
- Wall time: median (and minimum) of ${samples[$smallest]} runs per command and
  size. $($have_hyperfine && echo "hyperfine \`-N\` (no intermediate shell), $rounds rounds of
  binder then loop, 2 warm-up runs each" || echo "A \`date +%s%N\` loop (it includes bash's fork and exec), binder
  and loop alternating, after 3 warm-up runs").
- Syscalls per non-matching device: (calls(N=$large) − calls(N=$small)) divided
  by the difference in non-matching devices.
- Correctness: after one run of each, the set of devices with an override must
  be exactly \`0000:02:00.0\` and \`0000:02:00.1\` with \`vfio-pci\`.
- Caveats: the trees live on $tree_fs, not sysfs (kernfs), so file contents come
  from the page cache instead of driver \`show()\` callbacks; syscall counts
  carry over to a real boot, absolute times only roughly. The binder also does
  work the loop does not (reads \`/proc/cmdline\` and the table, checks
  \`driver\` links, writes \`drivers_probe\` and a JSON report), while the loop
  only reads \`boot_vga\` and never looks at non-VGA devices beyond one
  \`stat\`.
- Reading the results: for a device that is not VGA the loop pays one failed
  \`stat\` of \`<BDF>/boot_vga\` (from the glob); the binder must read an
  attribute of every device (at least open, read, close), since its rules
  match IDs and classes, not only \`boot_vga\`. Per device it therefore
  cannot be cheaper than the loop; where it can win is the fixed cost (the
  loop forks \`cat\` and \`sed\` for each GPU), which dominates at the
  device counts of ordinary machines.
EOF
}

report_text=$(report)
printf '%s\n' "$report_text"
if [[ $output != - ]]; then
  printf '%s\n' "$report_text" >"$output"
  note "wrote $output"
fi
$all_correct || die "correctness check failed"
