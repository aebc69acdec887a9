#!/usr/bin/env bash
# Benchmark: one `idle-connections.sh 10000 0` run of the binaries in DIR
# (net/tetherd, examples/tether-terminal), with `perf stat -e
# instructions,task-clock` attached to its server from just after it is
# ready until it exits (1 s quiet, the connects, 5 s idle). For A/B runs,
# call it for the old and the new DIR alternately:
#
#   bash examples/bench/idle-connections-perf.sh DIR LABEL
#
# Prints the script's figures and perf's counts (on a machine without
# hardware counters perf answers `<not supported>` for instructions).
set -euo pipefail
dir=$1 label=${2:-run}
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/tether-idle-perf-XXXXXX)
trap 'rm -rf "$out"' EXIT
echo "== $label $(date -u +%H:%M:%S) $(uptime | sed 's/.*load/load/')"
TETHER_BUILD_DIR=$dir bash "$here/idle-connections.sh" 10000 0 >"$out/run.txt" 2>&1 &
script=$!
pid=''
for _ in $(seq 400); do
  pid=$(pgrep -P "$script" -f "$dir/net/tetherd" | head -1 || true)
  # the forked child before its exec is not the server yet
  [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$dir/net/tetherd")" ] && break
  sleep 0.05
done
perf stat -e instructions,task-clock -p "$pid" -o "$out/perf.txt" &
wait "$script" || true
sleep 1
cat "$out/run.txt"
grep -E "instructions|task-clock" "$out/perf.txt" || true
