#!/usr/bin/env bash
# Benchmark: churn. The same N simulated devices connect, then all leave
# (the simulator is stopped with SIGINT), CYCLES times in a row, against the
# all-in-one server. After each cycle, with every device gone, it prints the
# server's RSS and the live gauges of /metrics (WebSocket connection objects
# and session actors that still exist). A leak shows as RSS that keeps
# growing and gauges above zero.
#
#   bash examples/bench/churn.sh [N] [CYCLES]
#
# N defaults to 3000, CYCLES to 12. Needs a build in ./build.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
n=${1:-3000}
cycles=${2:-12}
work=$(mktemp -d /tmp/tether-churn-XXXXXX)
sim_pid=""
trap 'kill $sim_pid $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

bench_topology "$work/topology.toml"
./build/net/tetherd --config "$work/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 --data "$work/data" \
  --ready-file "$work/ready.json" --log-level warn >"$work/tetherd.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [ -f "$work/ready.json" ] && break; sleep 0.1; done
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready.json")
rss_kb() { awk '/VmRSS/ {print $2}' /proc/$server_pid/status; }
gauge() { # sum of a gauge's samples in /metrics
  curl -s -H "Authorization: Bearer $(cat "$work/data/secrets/admin-key")" "http://$http/metrics" | awk -v g="$1" 'index($0, g) == 1 {s += $NF} END {print s + 0}'
}
wait_for() { # wait_for GAUGE VALUE SECONDS
  local deadline=$(( $(date +%s) + $3 ))
  while [ "$(gauge "$1")" != "$2" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $1 = $(gauge "$1"), want $2" >&2; exit 1; }
    sleep 0.2
  done
}
sleep 1
echo "devices=$n cycles=$cycles start_rss_kb=$(rss_kb)"
for c in $(seq "$cycles"); do
  ./build/examples/tether-terminal --server "http://$http" --data "$work/data" --count "$n" \
    --id-prefix churn- --region GG1 --model GJ1 --ramp-per-s 0 \
    --source-addrs 127.0.0.2-127.0.0.21 --stats-interval-s 0 --log-level warn \
    >"$work/sim.log" 2>&1 &
  sim_pid=$!
  wait_for tether_cluster_connections "$n" 120
  kill -INT "$sim_pid"
  wait "$sim_pid" || true
  sim_pid=""
  wait_for tether_cluster_connections 0 60
  sleep 2
  echo "cycle $c: rss_kb=$(rss_kb) ws_connections_live=$(gauge tether_ws_connections_live) session_actors_live=$(gauge tether_session_actors_live)"
done
