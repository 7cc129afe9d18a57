#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmarks earlybind-init against its syscall floor and the ArchWiki
vfio-pci-override.sh loop on synthetic sysfs trees, and writes BENCHMARKS.md.

    bench/run.py            (make bench builds what it needs and runs it)

For every size and rule, the three commands run side by side in one run:

    binder  earlybind-init --root TREE --no-modules --quiet, with a table
            compiled from the rule
    floor   bench/floor.c: the binder's system calls for that rule, and
            nothing else
    bare    the floor without the fstat before each per-device read (what
            the binder's file type checks cost)
    loop    busybox sh bench/archwiki-override.sh TREE (the same selection
            for every rule: the second GPU and its audio function)

Environment:
  EARLYBIND_INIT  the binder (default: .build-embedded/earlybind-init)
  EARLYBIND       host tool compiling the tables (.build/release/earlybind)
  BENCH_FLOOR     the floor program (.build-bench/floor)
  BENCH_SIZES     device counts (default "64 1024 4096 16384")
  BENCH_RULES     rules (default "0000:02:00.0 10de:1b80 class:0300 non-boot-vga
                  path:01.1/00.0")
  BENCH_RUNS      timed runs per command, size and rule (default 30, at least 20)
  BENCH_ROUNDS    hyperfine rounds they are split into (default 5)
  BENCH_BOOT      JSON written by bench/boot-cost.sh, added as a section
  BENCH_OUTPUT    report file (default BENCHMARKS.md; "-" prints it)
  BENCH_TMPDIR    where trees are built (default /dev/shm, else $TMPDIR)
  BENCH_KEEP=1    keep the trees, traces and samples

Nothing here touches the real /sys: every path goes through --root or the
ROOT argument, and no module is loaded (--no-modules).
"""

import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(BENCH)
EXPECTED = ["0000:02:00.0 vfio-pci", "0000:02:00.1 vfio-pci"]
# The first filler device of every tree: its calls are a non-matching device's.
PROBE = "0000:03:00.0"
COMMANDS = ("binder", "floor", "bare", "loop")
RULE_NAMES = {"address": "address", "id": "ID", "class": "class", "non-boot-vga": "non-boot-vga",
              "path": "path"}
SIZE_BUDGET = 560000


def note(text):
    print("bench: " + text, file=sys.stderr, flush=True)


def die(text):
    note(text)
    sys.exit(1)


def kind(rule):
    if rule == "non-boot-vga":
        return "non-boot-vga"
    if rule.startswith("path:"):
        return "path"
    if rule.startswith("class:"):
        return "class"
    if "." in rule:
        return "address"
    return "id"


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, **kwargs)


def output(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


class Bench:
    def __init__(self):
        env = os.environ
        self.binder_path = env.get("EARLYBIND_INIT") or os.path.join(
            REPO, ".build-embedded/earlybind-init")
        self.host = env.get("EARLYBIND") or os.path.join(REPO, ".build/release/earlybind")
        self.floor_path = env.get("BENCH_FLOOR") or os.path.join(REPO, ".build-bench/floor")
        self.sizes = [int(n) for n in env.get("BENCH_SIZES", "64 1024 4096 16384").split()]
        self.rules = env.get(
            "BENCH_RULES", "0000:02:00.0 10de:1b80 class:0300 non-boot-vga path:01.1/00.0").split()
        self.runs = int(env.get("BENCH_RUNS", "30"))
        self.rounds = int(env.get("BENCH_ROUNDS", "5"))
        self.boot = env.get("BENCH_BOOT")
        self.output = env.get("BENCH_OUTPUT", os.path.join(REPO, "BENCHMARKS.md"))
        for path, what in ((self.binder_path, "earlybind-init (scripts/build-init.sh)"),
                           (self.host, "the host tool (swift build -c release)"),
                           (self.floor_path, "the floor (make bench builds it)")):
            if not os.access(path, os.X_OK):
                die("%s missing: %s" % (path, what))
        for tool in ("busybox", "strace", "hyperfine", "file", "readelf", "strings"):
            if not shutil.which(tool):
                die(tool + " is required (scripts/packages.txt)")
        if self.runs < 20:
            die("BENCH_RUNS must be at least 20")
        parent = env.get("BENCH_TMPDIR") or (
            "/dev/shm" if os.access("/dev/shm", os.W_OK) else tempfile.gettempdir())
        self.work = tempfile.mkdtemp(prefix="earlybind-bench.", dir=parent)
        self.tree_fs = output(["stat", "-f", "-c", "%T", self.work]).strip()
        # Measure copies: a rebuild during the run must not change them.
        self.binder = os.path.join(self.work, "earlybind-init")
        self.floor = os.path.join(self.work, "floor")
        shutil.copy2(self.binder_path, self.binder)
        shutil.copy2(self.floor_path, self.floor)
        self.archwiki = os.path.join(BENCH, "archwiki-override.sh")
        self.results = {}

    # --- commands ----------------------------------------------------------

    def argv(self, which, root, rule):
        if which == "binder":
            return [self.binder, "--root", root, "--no-modules", "--quiet"]
        if which == "floor":
            return [self.floor, root, rule]
        if which == "bare":
            return [self.floor, "--no-fstat", root, rule]
        return ["busybox", "sh", self.archwiki, root]

    def mktree(self, *args):
        return output([sys.executable, os.path.join(BENCH, "mktree.py")] + list(args))

    def compile_table(self, root, rule):
        config = os.path.join(self.work, "earlybind.conf")
        with open(config, "w") as handle:
            handle.write(rule + "\n")
        run([self.host, "compile", "--config", config, "--output",
             os.path.join(root, "etc/earlybind/bindings.tbl"), "--skip-module-check",
             "--no-host-guards"], stdout=subprocess.DEVNULL)

    def overrides_after(self, which, root, rule):
        self.mktree("reset", root)
        run(self.argv(which, root, rule))
        return self.mktree("overrides", root).split("\n")[:-1]

    def syscalls(self, which, root, rule):
        log = os.path.join(self.work, "strace-count")
        run([os.path.join(BENCH, "reset.sh"), root])
        run(["strace", "-f", "-c", "-o", log] + self.argv(which, root, rule),
            stdout=subprocess.DEVNULL)
        with open(log) as handle:
            for line in handle:
                fields = line.split()
                if fields and fields[-1] == "total":
                    return int(fields[3])
        die("no strace summary in " + log)

    def calls_for_probe(self, which, root, rule):
        """The calls one non-matching device costs, in order."""
        log = os.path.join(self.work, "strace-" + which)
        run([os.path.join(BENCH, "reset.sh"), root])
        run(["strace", "-f", "-y", "-o", log] + self.argv(which, root, rule),
            stdout=subprocess.DEVNULL)
        calls = []
        with open(log) as handle:
            for line in handle:
                if "/" + PROBE in line or '"' + PROBE in line:
                    match = re.match(r"(?:\d+\s+)?(\w+)\(", line)
                    if match:
                        calls.append(match.group(1))
        return calls

    def timings(self, root, rule):
        """Wall-time samples in ms per command, the three interleaved."""
        order = list(COMMANDS)
        samples = {which: [] for which in order}
        per_round = -(-self.runs // self.rounds)
        json_path = os.path.join(self.work, "hyperfine.json")
        for index in range(self.rounds):
            # A different command goes first in each round.
            turn = order[index % len(order):] + order[:index % len(order)]
            commands = [" ".join(self.argv(which, root, rule)) for which in turn]
            result = subprocess.run(
                ["hyperfine", "--style", "none", "-N", "--warmup", "2", "--runs", str(per_round),
                 "--prepare", os.path.join(BENCH, "reset.sh") + " " + root,
                 "--export-json", json_path] + commands,
                capture_output=True, text=True)
            if result.returncode != 0:
                die("hyperfine failed:\n" + result.stdout + result.stderr)
            with open(json_path) as handle:
                for which, entry in zip(turn, json.load(handle)["results"]):
                    samples[which] += [t * 1000 for t in entry["times"]]
        return samples

    # --- the runs ----------------------------------------------------------

    def measure(self):
        self.load_before = open("/proc/loadavg").read().split()[:3]
        for size in self.sizes:
            root = os.path.join(self.work, "tree-%d" % size)
            os.mkdir(root)
            note("N=%d: building the tree" % size)
            summary = json.loads(self.mktree("build", root, str(size)))
            for rule in self.rules:
                self.compile_table(root, rule)
                entry = {"non_matching": summary["non_matching"]}
                note("N=%d %s: correctness" % (size, rule))
                entry["correct"] = {w: self.overrides_after(w, root, rule) == EXPECTED
                                    for w in COMMANDS}
                for which, ok in entry["correct"].items():
                    if not ok:
                        note("N=%d %s: %s set the wrong overrides" % (size, rule, which))
                note("N=%d %s: syscalls" % (size, rule))
                entry["calls"] = {w: self.syscalls(w, root, rule) for w in COMMANDS}
                if size == min(self.sizes):
                    entry["probe"] = {w: self.calls_for_probe(w, root, rule) for w in COMMANDS}
                note("N=%d %s: wall time, %d runs each" % (size, rule, self.runs))
                entry["times"] = self.timings(root, rule)
                self.results[(rule, size)] = entry
            shutil.rmtree(root)
        self.load_after = open("/proc/loadavg").read().split()[:3]

    # --- numbers -----------------------------------------------------------

    def median(self, rule, size, which):
        return statistics.median(self.results[(rule, size)]["times"][which])

    def minimum(self, rule, size, which):
        return min(self.results[(rule, size)]["times"][which])

    def per_device(self, rule, key, which):
        """Cost of one more non-matching device between the two largest sizes."""
        small, large = sorted(self.sizes)[-2:]
        a, b = self.results[(rule, small)], self.results[(rule, large)]
        span = b["non_matching"] - a["non_matching"]
        if key == "calls":
            return (b["calls"][which] - a["calls"][which]) / span
        return 1000 * (statistics.median(b["times"][which])
                       - statistics.median(a["times"][which])) / span

    def binary_facts(self):
        facts = {"path": os.path.relpath(self.binder_path, REPO),
                 "size": os.path.getsize(self.binder)}
        with open(self.binder, "rb") as handle:
            facts["sha256"] = hashlib.sha256(handle.read()).hexdigest()
        facts["file"] = output(["file", "-b", self.binder]).strip()
        unstripped = os.path.join(REPO, ".build-embedded/x86_64-unknown-linux-gnu/release/earlybind-init")
        facts["unstripped"] = os.path.getsize(unstripped) if os.path.exists(unstripped) else None
        program = output(["readelf", "-l", self.binder])
        sections = output(["readelf", "-S", "-W", self.binder])
        facts["static"] = "INTERP" not in program and "DYNAMIC" not in program
        facts["eh_frame"] = ".eh_frame" in sections
        text = output(["strings", "-n", "8", self.binder])
        # libkmod's decompressors carry these messages only when built in.
        facts["zstd"] = "zstd: Failed to create decompression stream" in text
        facts["xz"] = "xz: File format not recognized" in text
        return facts

    # --- report ------------------------------------------------------------

    def report(self):
        sizes, rules = self.sizes, self.rules
        lines = []
        add = lines.append
        now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        commit = subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"],
                                capture_output=True, text=True).stdout.strip() or "unknown"
        # The report itself does not count as a change to what was measured.
        changed = subprocess.run(
            ["git", "-C", REPO, "status", "--porcelain", "--", ".", ":!BENCHMARKS.md"],
            capture_output=True, text=True).stdout.strip()
        if changed:
            commit += " with uncommitted changes"
        facts = self.binary_facts()
        correct = all(all(e["correct"].values()) for e in self.results.values())

        def ms(value):
            return "%.2f" % value

        def cell(rule, size, which):
            return "%s (min %s)" % (ms(self.median(rule, size, which)),
                                    ms(self.minimum(rule, size, which)))

        def ratio(rule, size, top, bottom):
            return self.median(rule, size, top) / self.median(rule, size, bottom)

        def verdict(ok):
            return "met" if ok else "**not met**"

        add("<!-- SPDX-License-Identifier: Apache-2.0 -->")
        add("# Benchmarks")
        add("")
        add("earlybind-init against its syscall floor and the ArchWiki `vfio-pci-override.sh` loop,")
        add("on synthetic sysfs trees. Generated by `make bench` (`bench/run.py`) on %s from" % now)
        add("`%s`; every number below comes from that one run." % commit)
        add("")
        if not correct:
            add("**A correctness check failed: these numbers do not describe a working binder.**")
            add("")
        add("## Targets")
        add("")
        add("| Target | Result |")
        add("|---|---|")
        by_kind = {kind(rule): rule for rule in rules}
        for k in ("class", "id"):
            rule = by_kind.get(k)
            checked = [n for n in (1024, 4096) if n in sizes]
            if rule and checked:
                values = [ratio(rule, n, "binder", "floor") for n in checked]
                add("| %s rule (`%s`): at most 1.3× the floor at %s devices | %s: %s |" % (
                    RULE_NAMES[k], rule, " and ".join(map(str, checked)),
                    verdict(all(v <= 1.3 for v in values)),
                    ", ".join("%.2f× at %d" % (v, n) for v, n in zip(values, checked))))
        rule = by_kind.get("non-boot-vga")
        if rule and 1024 in sizes:
            value = ratio(rule, 1024, "loop", "binder")
            add("| `non-boot-vga`: at least as fast as the shell loop at 1024 devices | %s: loop/binder %.2f× |"
                % (verdict(value >= 1.0), value))
        rule = by_kind.get("address")
        if rule and 1024 in sizes:
            value = ratio(rule, 1024, "loop", "binder")
            add("| address rule (`%s`): at least 20× faster than the shell loop at 1024 devices | %s: %.1f× |"
                % (rule, verdict(value >= 20), value))
        listing = [r for r in rules if kind(r) != "address"]
        if listing:
            probes = [self.results[(r, min(sizes))]["probe"] for r in listing]
            same = all(p["binder"] == p["floor"] for p in probes)
            add("| A device no rule selects costs the binder the floor's calls and no more (ID, class, non-boot-vga) | %s: %s |"
                % (verdict(same), "; ".join(sorted({", ".join(p["binder"]) for p in probes}))))
        size_ok = facts["size"] <= SIZE_BUDGET and facts["static"] and facts["zstd"] and facts["xz"]
        add("| Binary at most %d bytes stripped, fully static, with zstd and xz | %s: %d bytes, %s, zstd %s, xz %s |"
            % (SIZE_BUDGET, verdict(size_ok), facts["size"],
               "static" if facts["static"] else "**dynamic**",
               "yes" if facts["zstd"] else "**no**", "yes" if facts["xz"] else "**no**"))
        add("")
        add("Times are wall-clock milliseconds per run, median (and minimum) of %d runs." % self.runs)
        add("binder/floor above 1 is the binder's overhead over its own system calls;")
        add("loop/binder above 1 means the binder is faster than the shell loop. The floor")
        add("checks each file's type with fstat before reading it, as the binder must (a FIFO or")
        add("device where a sysfs attribute belongs is an error, never read); the floor without")
        add("that fstat shows what the check costs.")
        for rule in rules:
            add("")
            add("## %s rule: `%s`" % (RULE_NAMES[kind(rule)], rule))
            add("")
            add("| Devices | binder | floor | loop | binder/floor | loop/binder | floor without fstat (binder/it) | syscalls binder / floor / loop | overrides correct |")
            add("|--:|--:|--:|--:|--:|--:|--:|--:|:-:|")
            for n in sizes:
                e = self.results[(rule, n)]
                add("| %d | %s | %s | %s | %.2f× | %.2f× | %s (%.2f×) | %d / %d / %d | %s |" % (
                    n, cell(rule, n, "binder"), cell(rule, n, "floor"), cell(rule, n, "loop"),
                    ratio(rule, n, "binder", "floor"), ratio(rule, n, "loop", "binder"),
                    ms(self.median(rule, n, "bare")), ratio(rule, n, "binder", "bare"),
                    e["calls"]["binder"], e["calls"]["floor"], e["calls"]["loop"],
                    "yes" if all(e["correct"].values()) else "**NO** (%s)" % ", ".join(
                        w for w, ok in e["correct"].items() if not ok)))
        if len(sizes) >= 2:
            small, large = sorted(sizes)[-2:]
            add("")
            add("## One more device")
            add("")
            add("Cost of one more non-matching device, from N=%d to N=%d (medians), and the calls made" % (small, large))
            add("for one such device (`%s`, traced at N=%d)." % (PROBE, min(sizes)))
            add("")
            add("| Rule | syscalls binder / floor / loop | µs binder / floor / loop | calls, binder | calls, floor | calls, loop |")
            add("|---|--:|--:|---|---|---|")
            for rule in rules:
                probe = self.results[(rule, min(sizes))]["probe"]
                add("| `%s` | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %s | %s | %s |" % (
                    rule, *(self.per_device(rule, "calls", w) for w in ("binder", "floor", "loop")),
                    *(self.per_device(rule, "time", w) for w in ("binder", "floor", "loop")),
                    ", ".join(probe["binder"]) or "none", ", ".join(probe["floor"]) or "none",
                    ", ".join(probe["loop"]) or "none"))
        add("")
        add("## Binary")
        add("")
        add("`%s` (sha256 `%s…`), copied before the runs:" % (facts["path"], facts["sha256"][:16]))
        add("")
        add("| | Bytes |")
        add("|---|--:|")
        add("| Stripped (what the initramfs ships) | %d |" % facts["size"])
        if facts["unstripped"]:
            add("| Unstripped build | %d |" % facts["unstripped"])
        add("")
        add("```")
        add(facts["file"])
        add("```")
        add("")
        add("Unwind tables (.eh_frame): %s. zstd and xz module decompression: found by libkmod's"
            % ("present" if facts["eh_frame"] else "none"))
        add("messages for them in the binary (%s, %s)." % (
            "zstd yes" if facts["zstd"] else "zstd **missing**",
            "xz yes" if facts["xz"] else "xz **missing**"))
        if self.boot:
            add("")
            add(boot_section(self.boot))
        add("")
        add("## Machine")
        add("")
        cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                    if l.startswith("model name")), platform.processor())
        os_name = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release")
                        if l.startswith("PRETTY_NAME=")), "unknown")
        add("- CPU: %s (%d CPUs online)" % (cpu, os.cpu_count()))
        add("- Kernel: %s %s %s" % (platform.system(), platform.release(), platform.machine()))
        add("- OS: " + os_name)
        add("- Shell for the loop: %s (`busybox sh`)" % " ".join(
            subprocess.run(["busybox"], capture_output=True, text=True).stdout.split()[:2]))
        add("- Tracer: %s; timer: %s" % (output(["strace", "-V"]).splitlines()[0],
                                          output(["hyperfine", "--version"]).strip()))
        add("- Trees on: %s" % self.tree_fs)
        add("- Load average (1/5/15 min) before the runs: %s; after: %s" % (
            " ".join(self.load_before), " ".join(self.load_after)))
        add("")
        add(METHOD.strip())
        return "\n".join(lines) + "\n"


def boot_section(path):
    with open(path) as handle:
        boot = json.load(handle)
    lines = ["## Boot cost (QEMU)", ""]
    lines.append("From %d boots of a real initramfs-tools image (`bench/boot-cost.sh`, kernel %s, %s):"
                 % (len(boot["elapsed_us"]), boot["kernel"], boot["accel"]))
    lines.append("the binder's own time from its report (`elapsed_us`), and what earlybind adds to")
    lines.append("the image, compressed as the image is (%s)." % boot["compression"])
    lines.append("")
    lines.append("| | |")
    lines.append("|---|--:|")
    times = boot["elapsed_us"]
    lines.append("| Binder wall time at boot (`elapsed_us`), median (min, max) | %.1f ms (%.1f, %.1f) |" % (
        statistics.median(times) / 1000, min(times) / 1000, max(times) / 1000))
    lines.append("| Image without earlybind | %d bytes |" % boot["plain_bytes"])
    lines.append("| Image with earlybind | %d bytes |" % boot["earlybind_bytes"])
    lines.append("| Added by earlybind (binder, table, scripts, vfio modules) | %d bytes |" % (
        boot["earlybind_bytes"] - boot["plain_bytes"]))
    lines.append("| The binder alone, compressed the same way | %d bytes |" % boot["binder_compressed_bytes"])
    lines.append("")
    lines.append("The binder's time covers all of its run at boot: reading the command line and the table,")
    lines.append("the scan, the overrides, loading vfio, vfio_iommu_type1 and vfio-pci through libkmod")
    lines.append("(with the kernel initialising them and binding both functions), verifying and the report.")
    if boot["accel"] == "tcg":
        lines.append("The guest is emulated (TCG: no KVM here), several times slower than hardware.")
    lines.append("Both images are built by the e2e tests' own `Tests/e2e/mkinitrd.sh` with the e2e")
    lines.append("config (`non-boot-vga`); the difference is everything earlybind's hook adds.")
    return "\n".join(lines)


METHOD = """
## Method

- `bench/mktree.py` builds a tree of N PCI functions: a host bridge, two root
  ports, two GPUs with the same vendor:device (one `boot_vga=1`, one
  `boot_vga=0`), each with an HDMI audio function at `.1`, and N−7
  non-display devices (NVMe, NICs, USB, SATA, bridges, …). Each device has
  `modalias`, `class`, `vendor`, `device`, `driver_override` (`(null)`), an
  `iommu_group` link, and `boot_vga` when VGA-class;
  `/sys/bus/pci/devices/<BDF>` are symlinks into `/sys/devices` as on a real
  machine. Every rule selects the same two functions (`0000:02:00.0` and its
  audio function) at every N; the ID and class rules also match the boot GPU,
  which is refused. The devices added between two sizes are all non-matching.
- binder: `earlybind-init --root TREE --no-modules --quiet` with a table
  compiled from the rule. floor: `bench/floor.c` (static, musl, built by
  `make bench`), which makes the binder's system calls for that rule in the
  same order and nothing else: the table is read but not decoded, nothing is
  parsed beyond fixed offsets, nothing is allocated per device; its calls per
  device are in the table above, next to the binder's; `--no-fstat` leaves
  out the fstat before each per-device read. loop: `busybox sh
  bench/archwiki-override.sh TREE` (the wiki's loop, `modprobe` left out).
- Every run starts from a reset tree (`bench/reset.sh`, not timed).
  Correctness: after one run of each command, the overrides set must be
  exactly `0000:02:00.0` and `0000:02:00.1` with `vfio-pci`.
- Wall time: hyperfine `-N` (no intermediate shell), the runs split into
  rounds, in each of which every command runs in turn (a different one first
  each round, 2 warm-up runs each), so that a burst of load elsewhere on the
  machine does not hit one command only. Syscalls: `strace -f -c` of one run
  (children included for the shell), start-up included.
- Caveats: the trees live on tmpfs, not sysfs (kernfs), so file contents come
  from the page cache instead of driver `show()` callbacks; syscall counts
  carry over to a real boot, absolute times only roughly. The machine is
  shared: the load average is given above, and the minimum is the number
  least disturbed by it.
"""


def main():
    bench = Bench()
    try:
        bench.measure()
        text = bench.report()
    finally:
        if os.environ.get("BENCH_KEEP") == "1":
            note("kept " + bench.work)
        else:
            shutil.rmtree(bench.work, ignore_errors=True)
    if bench.output == "-":
        sys.stdout.write(text)
    else:
        with open(bench.output, "w") as handle:
            handle.write(text)
        note("wrote " + bench.output)
    if not all(all(e["correct"].values()) for e in bench.results.values()):
        die("correctness check failed")


if __name__ == "__main__":
    main()
