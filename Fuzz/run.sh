#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# run.sh DIR SECONDS TARGET...: fuzzes each target for SECONDS, one after
# the other, with DIR/earlybind-fuzz (Fuzz/build.sh); new inputs go to
# DIR/corpus/TARGET, crashes to DIR/TARGET-crash-*. SECONDS 0 replays the
# seed corpora of Fuzz/corpus once instead (make fuzz-replay).
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
out=$1
seconds=$2
shift 2
# Per input: a slower or larger run is a finding.
limits="-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10"
status=0
for target in "$@"; do
	seeds=$root/Fuzz/corpus/$target
	if [ "$seconds" = 0 ]; then
		# shellcheck disable=SC2086
		if EARLYBIND_FUZZ_TARGET=$target "$out/earlybind-fuzz" $limits "$seeds"/* \
			>"$out/$target-replay.log" 2>&1; then
			echo "fuzz-replay $target: $(find "$seeds" -type f | wc -l) inputs ok"
		else
			tail -n 30 "$out/$target-replay.log" >&2
			echo "fuzz-replay $target: FAILED (log: $out/$target-replay.log)" >&2
			status=1
		fi
		continue
	fi
	mkdir -p "$out/corpus/$target"
	start=$(date +%s)
	# shellcheck disable=SC2086
	EARLYBIND_FUZZ_TARGET=$target "$out/earlybind-fuzz" $limits -max_total_time="$seconds" \
		-print_final_stats=1 -artifact_prefix="$out/$target-" "$out/corpus/$target" "$seeds" \
		>"$out/$target.log" 2>&1 || status=1
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$target.log")
	echo "fuzz $target: $(($(date +%s) - start)) s, ${runs:-?} executions," \
		"$(find "$out" -maxdepth 1 -name "$target-*-*" | wc -l) findings (log: $out/$target.log)"
done
exit $status
