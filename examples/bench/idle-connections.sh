#!/usr/bin/env bash
# Benchmark: hold N idle simulated devices on the all-in-one server and
# report the server's RSS per idle connection and the connect rate.
#
#   bash examples/bench/idle-connections.sh [N] [RAMP_PER_S]
#
# N defaults to 10000, RAMP_PER_S (devices started per second by the
# simulator; 0 = all at once) to 0. Every device registers over HTTP, then
# opens its WebSocket; "connect rate" counts both. Needs a build in ./build.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
n=${1:-10000}
ramp=${2:-0}
work=$(mktemp -d /tmp/tether-bench-XXXXXX)
trap 'kill $sim_pid $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

bench_topology "$work/topology.toml"
./build/net/tetherd --config "$work/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 --data "$work/data" \
  --ready-file "$work/ready.json" --log-level warn >"$work/tetherd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -f "$work/ready.json" ] && break; sleep 0.1; done
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready.json")
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$server_pid/status; }
connections() {
  curl -s -H "Authorization: Bearer $(cat "$work/data/secrets/admin-key")" "http://$http/v1/admin/clusters" |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))"
}
sleep 1
base=$(rss_kb)

start=$(date +%s.%N)
./build/examples/tether-terminal --server "http://$http" --data "$work/data" --count "$n" \
  --id-prefix bench- --region GG1 --model GJ1 --ramp-per-s "$ramp" \
  --source-addrs 127.0.0.2-127.0.0.21 --stats-interval-s 0 --log-level warn \
  >"$work/sim.log" 2>&1 &
sim_pid=$!
deadline=$(( $(date +%s) + 300 ))
while [ "$(connections)" -lt "$n" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $(connections) of $n connected" >&2; exit 1; }
  sleep 0.2
done
end=$(date +%s.%N)
sleep 5   # let the server settle (allocator, first keepalives)
held=$(connections)
rss=$(rss_kb)
python3 - "$n" "$held" "$base" "$rss" "$start" "$end" <<'PY'
import sys
n, held, base, rss = map(int, sys.argv[1:5]); start, end = map(float, sys.argv[5:7])
print(f"devices: {n} connected and held: {held}")
print(f"server RSS: {base/1024:.1f} MiB before, {rss/1024:.1f} MiB with {held} idle connections")
print(f"RSS per idle connection: {(rss-base)*1024/held/1024:.2f} KiB")
print(f"connect rate (register + WebSocket + hello): {n/(end-start):.0f} devices/s over {end-start:.2f} s")
PY
