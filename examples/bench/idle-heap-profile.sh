#!/usr/bin/env bash
# Benchmark: where the heap of the all-in-one server goes per idle device,
# measured with heaptrack (Debian package `heaptrack`).
#
#   bash examples/bench/idle-heap-profile.sh [N] [OUT] [MODE]
#
# Starts tetherd under heaptrack, connects N devices (default 5000) with the
# simulator as idle-connections.sh does, waits 10 s, then kills tetherd
# with SIGKILL: what heaptrack reports as "leaked" is the heap that was live
# while the N devices were held. Prints the breakdown per consumer
# (examples/bench/heap_breakdown.py) and keeps the profile as OUT.zst
# (default /tmp/tether-idle-heap). MODE plain (default) or tls (HTTPS + WSS
# with a self-signed certificate, as idle-connections.sh does). Needs a
# build in ./build, or in TETHER_BUILD_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
build=${TETHER_BUILD_DIR:-./build}
n=${1:-5000}
out=${2:-/tmp/tether-idle-heap}
mode=${3:-plain}
command -v heaptrack >/dev/null || { echo "heaptrack missing: apt-get install heaptrack" >&2; exit 1; }
work=$(mktemp -d /tmp/tether-bench-XXXXXX)
sim_pid=""
# The server is gone by then: the simulator is stopped with SIGKILL (SIGTERM
# would let it retry connecting).
trap 'kill -KILL $sim_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
rm -f "$out.zst" "$out.gz"

bench_topology "$work/topology.toml"
scheme=http curl_tls=() sim_tls=()
if [ "$mode" = tls ]; then
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
  printf '\n[edge_tls]\ncert_file = "%s"\nkey_file = "%s"\n' "$work/cert.pem" "$work/key.pem" \
    >>"$work/topology.toml"
  scheme=https curl_tls=(--cacert "$work/cert.pem") sim_tls=(--ca "$work/cert.pem")
fi
# (lib.sh: without it a jemalloc-linked tetherd's C++ heap is invisible.)
preload=$(heaptrack_preload "$build"/net/tetherd "$work")
LD_PRELOAD=$preload heaptrack -o "$out" "$build"/net/tetherd --config "$work/topology.toml" --http 127.0.0.1:0 \
  --ws-base-port 0 --data "$work/data" --ready-file "$work/ready.json" --log-level warn \
  >"$work/tetherd.log" 2>&1 &
heaptrack_pid=$!
for _ in $(seq 300); do [ -f "$work/ready.json" ] && break; sleep 0.1; done
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready.json")
server_pid=$(pgrep -f "tetherd --config $work/topology.toml" | tail -1)
connections() {
  curl -s "${curl_tls[@]}" -H "Authorization: Bearer $(cat "$work/data/secrets/admin-key")" "$scheme://$http/v1/admin/clusters" |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))"
}
"$build"/examples/tether-terminal --server "$scheme://$http" "${sim_tls[@]}" --data "$work/data" --count "$n" \
  --id-prefix bench- --region GG1 --model GJ1 --ramp-per-s 0 \
  --source-addrs 127.0.0.2-127.0.0.21 --stats-interval-s 0 --log-level warn \
  >"$work/sim.log" 2>&1 &
sim_pid=$!
deadline=$(( $(date +%s) + 300 ))
while [ "$(connections)" -lt "$n" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $(connections) of $n connected" >&2; exit 1; }
  sleep 0.5
done
sleep 10
held=$(connections)
echo "held $held idle devices; server RSS (with heaptrack's own) $(awk '/VmRSS/ {print $2}' /proc/$server_pid/status) kB"
kill -KILL "$server_pid"
wait "$heaptrack_pid" 2>/dev/null || true
profile=""
for f in "$out.zst" "$out.gz"; do [ -f "$f" ] && { profile=$f; break; }; done
[ -n "$profile" ] || { echo "heaptrack wrote no profile at $out.zst or $out.gz" >&2; exit 1; }
heaptrack_print -f "$profile" -p 0 -a 0 -T 0 --flamegraph-cost-type leaked -F "$work/stacks" >/dev/null 2>&1
python3 examples/bench/heap_breakdown.py "$work/stacks" "$held"
echo "profile: $profile (heaptrack_gui or heaptrack_print to browse)"
