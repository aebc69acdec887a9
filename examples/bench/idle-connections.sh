#!/usr/bin/env bash
# Benchmark: hold N idle simulated devices on the all-in-one server and
# report the server's RSS per idle connection and the connect rate.
#
#   bash examples/bench/idle-connections.sh [N] [RAMP_PER_S] [MODE]
#
# N defaults to 10000, RAMP_PER_S (devices started per second by the
# simulator; 0 = all at once) to 0. MODE: plain (default: http:// and ws://),
# tls (https:// and wss://, [edge_tls] with a self-signed certificate made by
# the openssl command), or both (plain, then tls, one fresh server each).
# Every device registers over HTTP(S), then opens its WebSocket; "connect
# rate" counts both. Needs a build in ./build, or in TETHER_BUILD_DIR (an
# A/B run: TETHER_BUILD_DIR=/other/checkout/build bash examples/bench/...).
# Then what the devices met on the way (the simulator's counters: refused
# registrations and connects, each answered with a Retry-After the device
# honours), the balancers' connect and admission latency and the gateway's
# register latency (arrival to answer) over the run (/metrics): with every
# device started at once, the refusals, not the CPU, may bound the rate
# (docs/BENCHMARKS.md §3).
# TETHER_SIM_MAX_CONNECTING=N: the simulator keeps at most N devices started
# and not yet connected (--max-connecting; 256 is mqtt-idle's --max-pending,
# the mosquitto side of compare-mosquitto.sh); unset, all start at once.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
build=${TETHER_BUILD_DIR:-./build}
n=${1:-10000}
ramp=${2:-0}
mode=${3:-plain}
case $mode in plain|tls|both) ;; *) echo "MODE must be plain, tls or both" >&2; exit 2 ;; esac
work=$(mktemp -d /tmp/tether-bench-XXXXXX)
sim_pid='' server_pid=''
trap 'kill $sim_pid $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

# run_one plain|tls: one server, N devices, the figures.
run_one() {
  local tls=$1 dir=$work/$1 scheme=http curl_tls=() sim_tls=()
  mkdir -p "$dir"
  bench_topology "$dir/topology.toml"
  if [ "$tls" = tls ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
      -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
      -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
    printf '\n[edge_tls]\ncert_file = "%s"\nkey_file = "%s"\n' "$dir/cert.pem" "$dir/key.pem" \
      >>"$dir/topology.toml"
    scheme=https curl_tls=(--cacert "$dir/cert.pem") sim_tls=(--ca "$dir/cert.pem")
  fi
  "$build"/net/tetherd --config "$dir/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 --data "$dir/data" \
    --ready-file "$dir/ready.json" --log-level warn >"$dir/tetherd.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 100); do [ -f "$dir/ready.json" ] && break; sleep 0.1; done
  local http
  http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$dir/ready.json")
  rss_kb() { awk '/VmRSS/ {print $2}' /proc/$server_pid/status; }
  connections() {
    curl -s "${curl_tls[@]}" -H "Authorization: Bearer $(cat "$dir/data/secrets/admin-key")" \
      "$scheme://$http/v1/admin/clusters" |
      python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))"
  }
  metrics() {
    curl -s "${curl_tls[@]}" -H "Authorization: Bearer $(cat "$dir/data/secrets/admin-key")" \
      "$scheme://$http/metrics"
  }
  sleep 1
  local base start end held rss deadline
  metrics >"$dir/metrics-before.txt" || true
  base=$(rss_kb)
  local srv_cpu0 srv_cpu1 sim_cpu1
  srv_cpu0=$(bench_cpu_ticks "$server_pid")
  start=$(date +%s.%N)
  "$build"/examples/tether-terminal --server "$scheme://$http" "${sim_tls[@]}" --data "$dir/data" \
    --count "$n" --id-prefix bench- --region GG1 --model GJ1 --ramp-per-s "$ramp" \
    --source-addrs 127.0.0.2-127.0.0.21 --stats-interval-s 0 --stats-json "$dir/sim.json" --log-level warn \
    ${TETHER_SIM_MAX_CONNECTING:+--max-connecting "$TETHER_SIM_MAX_CONNECTING"} \
    >"$dir/sim.log" 2>&1 &
  sim_pid=$!
  deadline=$(( $(date +%s) + 300 ))
  # A failed or refused status call counts as none connected yet (an empty
  # answer once ended this wait early and overstated the connect rate).
  connected() { local c; c=$(connections 2>/dev/null) || c=0; echo "${c:-0}"; }
  while [ "$(connected)" -lt "$n" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $(connected) of $n connected" >&2; exit 1; }
    sleep 0.2
  done
  end=$(date +%s.%N)
  srv_cpu1=$(bench_cpu_ticks "$server_pid") sim_cpu1=$(bench_cpu_ticks "$sim_pid")
  metrics >"$dir/metrics-after.txt" || true
  sleep 5   # let the server settle (allocator, first keepalives)
  held=$(connections)
  rss=$(rss_kb)
  echo "== $tls ($scheme, $([ "$tls" = tls ] && echo wss || echo ws))"
  python3 - "$n" "$held" "$base" "$rss" "$start" "$end" "$((srv_cpu1 - srv_cpu0))" "$sim_cpu1" "$(getconf CLK_TCK)" <<'PY'
import sys
n, held, base, rss = map(int, sys.argv[1:5]); start, end = map(float, sys.argv[5:7])
srv_ticks, sim_ticks, hz = map(int, sys.argv[7:10])
print(f"devices: {n} connected and held: {held}")
print(f"server RSS: {base/1024:.1f} MiB before, {rss/1024:.1f} MiB with {held} idle connections")
print(f"RSS per idle connection: {(rss-base)*1024/held/1024:.2f} KiB")
print(f"connect rate (register + WebSocket + hello): {n/(end-start):.0f} devices/s over {end-start:.2f} s")
print(f"CPU a device while they connected: server {srv_ticks / hz * 1e6 / n:.0f} us, "
      f"simulator {sim_ticks / hz * 1e6 / n:.0f} us")
PY
  kill "$sim_pid" "$server_pid" 2>/dev/null || true
  wait "$sim_pid" "$server_pid" 2>/dev/null || true
  sim_pid='' server_pid=''
  python3 - "$dir/sim.json" <<'PY' || true
import json, sys
s = json.load(open(sys.argv[1]))
print(f"on the way: {s['register_failures']} registrations refused or failed, "
      f"{s['connect_busy']} connects refused busy (503), "
      f"{s['connect_failures']} connects failed in all")
print("where a device's time went (the simulator's clock, ms):")
for name, what in [("start_lag", "started -> first step run"),
                   ("register_rtt", "register round trip"),
                   ("upgrade_rtt", "WebSocket connect + upgrade"),
                   ("hello_wait", "open -> hello"),
                   ("first_hello", "started -> first hello, all")]:
    if s.get(name + "_count", 0):
        print(f"  {what}: mean {s[name + '_mean_ms']:.1f} p50 {s[name + '_p50_ms']:.1f} "
              f"p99 {s[name + '_p99_ms']:.1f} max {s[name + '_max_ms']:.1f}")
PY
  echo "the balancers' latencies while the devices connected (/metrics):"
  python3 examples/bench/histogram_diff.py "$dir/metrics-before.txt" "$dir/metrics-after.txt" \
    tether_connect_duration_seconds tether_admission_duration_seconds \
    'tether_http_request_duration_seconds{route="POST /v1/terminals/register"}' 2>/dev/null | sed 's/^/  /' || true
}

if [ "$mode" = both ]; then
  run_one plain
  run_one tls
else
  run_one "$mode"
fi
