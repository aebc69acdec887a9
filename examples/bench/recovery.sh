#!/usr/bin/env bash
# Benchmark: recovery times of a multi-process deployment. Runs the
# multi-process end-to-end test (examples/topologies/multiprocess.toml as ten
# OS processes, 200 simulated devices; tests/e2e/multiprocess_test.cpp) RUNS
# times and prints, for each measured step, the median, min and max over the
# runs (the test prints one "[measure] <step>: <ms> ms" line per step).
# MODE: "tls" (process TLS between the processes, as the tests run), "plain"
# (TETHER_TEST_PROCESS_TLS=0) or "both" (the default: tls, then plain, in the
# same run of the script, so that the two are comparable).
#
#   bash examples/bench/recovery.sh [RUNS] [MODE]   (default 5 both; needs ./build)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
mode=${2:-both}
bin=build/tests/e2e/e2e_multiprocess_test
[ -x "$bin" ] || { echo "missing $bin: build first (cmake -DTETHER_BUILD_EXAMPLES=ON)" >&2; exit 1; }
out=$(mktemp /tmp/tether-recovery-XXXXXX)
trap 'rm -f "$out"' EXIT
measure() { # $1: tls or plain
  local flag=1
  [ "$1" = plain ] && flag=0
  TETHER_TEST_PROCESS_TLS=$flag "$bin" --gtest_repeat="$runs" >"$out" 2>&1 || { grep -E "FAILED|Failure" "$out" >&2; echo "the test failed ($1); see above" >&2; exit 1; }
  echo "recovery times, process TLS $([ "$1" = tls ] && echo on || echo off), over $runs runs (ms): median  min  max   step"
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
}
case "$mode" in
  tls | plain) measure "$mode" ;;
  both) measure tls; echo; measure plain ;;
  *) echo "MODE is tls, plain or both" >&2; exit 2 ;;
esac
