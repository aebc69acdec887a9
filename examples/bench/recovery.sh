#!/usr/bin/env bash
# Benchmark: recovery times of a multi-process deployment. Runs the
# multi-process end-to-end test (examples/topologies/multiprocess.toml as ten
# OS processes, 200 simulated devices; tests/e2e/multiprocess_test.cpp) RUNS
# times and prints, for each measured step, the median, min and max over the
# runs (the test prints one "[measure] <step>: <ms> ms" line per step).
#
#   bash examples/bench/recovery.sh [RUNS]      (default 5; needs ./build)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
bin=build/tests/e2e/e2e_multiprocess_test
[ -x "$bin" ] || { echo "missing $bin: build first (cmake -DTETHER_BUILD_EXAMPLES=ON)" >&2; exit 1; }
out=$(mktemp /tmp/tether-recovery-XXXXXX)
trap 'rm -f "$out"' EXIT
"$bin" --gtest_repeat="$runs" >"$out" 2>&1 || { grep -E "FAILED|Failure" "$out" >&2; echo "the test failed; see above" >&2; exit 1; }
echo "recovery times over $runs runs (ms): median  min  max   step"
grep '^\[measure\]' "$out" | sed -E 's/^\[measure\] (.*): ([0-9]+) ms$/\2\t\1/' |
  /usr/bin/python3 -c '
import sys, statistics, collections
steps = collections.OrderedDict()
for line in sys.stdin:
    ms, step = line.rstrip("\n").split("\t", 1)
    steps.setdefault(step, []).append(int(ms))
for step, v in steps.items():
    print(f"{int(statistics.median(v)):>6} {min(v):>6} {max(v):>6}   {step} (n={len(v)})")
'
