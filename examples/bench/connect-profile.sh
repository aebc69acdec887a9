#!/usr/bin/env bash
# Profile of the connect path (issue 12 item 7): runs idle-connections.sh
# with N devices at once and, while the devices connect, records tetherd and
# the simulator with perf (Debian's linux-perf) and their CPU time.
#
#   bash examples/bench/connect-profile.sh [N] [OUT]
#
# N defaults to 10000; OUT (default /tmp/tether-connect) gets OUT.data (perf
# record -F 499 -g of both processes) and OUT.txt (perf report by process,
# then the top symbols of each). Prints the CPU seconds each process used
# from its start until every device was connected, and the script's own
# figures. Needs perf and a build in ./build or TETHER_BUILD_DIR.
# TETHER_CONNECT_PERF=0: no perf record, the CPU seconds only (old and new
# binaries measured alternately, without perf's share in either).
# TETHER_CONNECT_PERF=stat: perf stat -e instructions,task-clock,context-switches of tetherd
# and of the simulator instead of a profile (OUT.tetherd.stat,
# OUT.sim.stat), and instructions per device: a count the machine's load
# barely moves, for A/B on a shared machine.
# TETHER_CONNECT_PERF=threads: no perf; each thread's context switches
# (voluntary, involuntary) and CPU per device, by thread name, for tetherd
# and the simulator, from the kernel's counters (examples/bench/thread_counts.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-10000}
out=${2:-/tmp/tether-connect}
use_perf=${TETHER_CONNECT_PERF:-1}
[ "$use_perf" = 0 ] || command -v perf >/dev/null || { echo "perf missing: apt-get install linux-perf" >&2; exit 1; }
log=$(mktemp /tmp/tether-connect-log-XXXXXX)
bash examples/bench/idle-connections.sh "$n" 0 >"$log" 2>&1 &
bench=$!
perf_pid=''
trap 'kill $perf_pid 2>/dev/null || true; rm -f "$log"' EXIT

# The benchmark's own children (never another engineer's tetherd).
child() { pgrep -P "$bench" -x "$1" || true; }
server='' sim=''
for _ in $(seq 300); do
  server=$(child tetherd)
  [ -n "$server" ] && break
  sleep 0.1
done
for _ in $(seq 300); do
  sim=$(child tether-terminal)
  [ -n "$sim" ] && break
  sleep 0.02
done
[ -n "$server" ] && [ -n "$sim" ] || { cat "$log"; echo "no tetherd or simulator" >&2; exit 1; }
stat_pids=''
counts() { python3 examples/bench/thread_counts.py snap "$server" "$out.tetherd.$1" 2>/dev/null || true
  python3 examples/bench/thread_counts.py snap "$sim" "$out.sim.$1" 2>/dev/null || true; }
rm -f "$out".tetherd.before "$out".tetherd.after "$out".sim.before "$out".sim.after
[ "$use_perf" != threads ] || counts before
if [ "$use_perf" = stat ]; then
  perf stat -e instructions,task-clock,context-switches -p "$server" -o "$out.tetherd.stat" &
  stat_pids=$!
  perf stat -e instructions,task-clock,context-switches -p "$sim" -o "$out.sim.stat" &
  stat_pids="$stat_pids $!"
elif [ "$use_perf" != 0 ]; then
  perf record -F 499 -g -o "$out.data" -p "$server,$sim" >/dev/null 2>&1 &
  perf_pid=$!
fi
# CPU seconds (user + system) of a process so far.
cpu_s() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
# The script prints its figures 5 s after the last device connected: the
# CPU time is read when the simulator reports nothing new (all connected).
while ! grep -q "connect rate" "$log"; do
  server_cpu=$(cpu_s "$server" 2>/dev/null || echo "$server_cpu")
  sim_cpu=$(cpu_s "$sim" 2>/dev/null || echo "$sim_cpu")
  [ "$use_perf" != threads ] || counts after
  kill -0 "$bench" 2>/dev/null || break
  sleep 0.2
done
[ -z "$stat_pids" ] || { kill -INT $stat_pids 2>/dev/null; wait $stat_pids 2>/dev/null || true; }
[ -z "$perf_pid" ] || kill -INT "$perf_pid" 2>/dev/null || true
[ -z "$perf_pid" ] || wait "$perf_pid" 2>/dev/null || true
perf_pid=''
wait "$bench" || true
cat "$log"
echo "CPU used (user + system, to the last poll before the figures): tetherd ${server_cpu} s, simulator ${sim_cpu} s"
if [ "$use_perf" = stat ]; then
  for who in tetherd sim; do
    awk -v who="$who" -v n="$n" '{gsub(",", "", $1)} /instructions/ {i = $1 ~ /^[0-9]+$/ ? $1 / n : "n/a"}
      /task-clock/ {t = $1} /context-switches/ {c = $1}
      END {printf "perf stat %s: instructions per device %s, task-clock %.0f ms, context switches %d = %.2f per device\n",
        who, i, t, c, c / n}' "$out.$who.stat"
  done
  exit 0
fi
if [ "$use_perf" = threads ]; then
  for who in tetherd sim; do
    echo "== $who: per device, by thread (to the last poll before the figures)"
    python3 examples/bench/thread_counts.py diff "$out.$who.before" "$out.$who.after" "$n"
  done
  exit 0
fi
[ "$use_perf" != 0 ] || exit 0
{
  perf report -i "$out.data" --no-children --sort comm --stdio 2>/dev/null | grep -v '^$'
  for comm in tetherd tether-terminal; do
    echo "== $comm: top symbols (self)"
    perf report -i "$out.data" --no-children --comm "$comm" --sort dso,sym --stdio -g none 2>/dev/null |
      grep -v '^#' | grep -v '^$' | head -40
  done
} >"$out.txt"
echo "perf: $out.data, report: $out.txt"
