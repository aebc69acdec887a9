#!/usr/bin/env bash
# Benchmark: the job path on the all-in-one server. N simulated devices stay connected
# while tether-push-bench pushes jobs to them over the service API:
#   (a) flat out (--rate 0): jobs accepted per second (202 = stored durably) and API latency;
#   (b) at a fixed moderate rate: push latency, API accepted -> device received.
#
#   bash examples/bench/push-latency.sh [N] [RATE] [CONCURRENCY] [FLAT_S] [RATE_S]
#
# N devices (default 1000, region GG1: cluster C1), RATE jobs/s in phase (b) (default 500),
# CONCURRENCY requests in flight (default 32), FLAT_S / RATE_S seconds of phase (a) / (b)
# (defaults 20 / 30). Jobs go round-robin to the devices with payload
# {"sent_at_ms": <Unix ms just before the POST>, "seq": k}; each device records
# receive time - sent_at_ms (same machine, same system_clock). Every phase gets a fresh
# simulator process, started only once the previous phase's jobs have all been received,
# so its latency histogram holds that phase's jobs only. Needs a build in ./build
# (tetherd, tether-terminal, tether-push-bench), or in TETHER_BUILD_DIR (the same layout:
# net/tetherd, examples/...; for A/B runs of two builds with the same script).
#
# For phase (b) it also prints where the tail comes from: from /metrics (histogram_diff.py,
# buckets 1 ms to 10 s, interpolated) the gateway's arrival -> 202 (which holds the store's
# synced batch), the store's synced batches themselves, and the control's job accepted ->
# the session's "delivered" report (the dispatch: control -> manager -> balancer -> node ->
# session, after the synced batch); and, per job, the threads' CPU and the time they were
# runnable but waited for a CPU (thread_counts.py: tetherd's and the simulated devices').
#
# TETHER_BENCH_KEEP=DIR keeps, per phase, the server's /metrics after the phase
# (metrics-<phase>.txt: cumulative), the server's log and, with a push bench that has --trace, each
# request's send time and API latency (trace-<phase>.txt), to see when slow answers came.
#
# TETHER_BENCH_MODE=multiprocess runs examples/topologies/multiprocess.toml instead, each
# process its own OS process (ports 8080, 91xx, 170xx must be free): every job then
# crosses processes gateway+control -> balancer -> node -> balancer, and the device's
# ack and result node -> control. CPU is summed over all processes.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
n=${1:-1000}
rate=${2:-500}
conc=${3:-32}
flat_s=${4:-20}
rate_s=${5:-30}
work=$(mktemp -d /tmp/tether-push-bench-XXXXXX)
mode=${TETHER_BENCH_MODE:-all-in-one}
bd=${TETHER_BUILD_DIR:-build}
sim_pid=""
server_pids=""
trap 'kill $sim_pid $server_pids 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for b in $bd/net/tetherd $bd/examples/tether-terminal $bd/examples/tether-push-bench; do
  [ -x "$b" ] || { echo "missing $b: build first" >&2; exit 1; }
done

wait_ready() {  # ready file, log
  for _ in $(seq 100); do [ -f "$1" ] && return 0; sleep 0.1; done
  echo "tetherd did not start:" >&2; cat "$2" >&2; exit 1
}
if [ "$mode" = multiprocess ]; then
  topo=examples/topologies/multiprocess.toml
  for p in $(sed -nE 's/^name = "(.*)"/\1/p' "$topo"); do
    "$bd"/net/tetherd --config "$topo" --process "$p" --data "$work/data-$p" \
      --ready-file "$work/ready-$p.json" --log-level warn >"$work/tetherd-$p.log" 2>&1 &
    server_pids="$server_pids $!"
    wait_ready "$work/ready-$p.json" "$work/tetherd-$p.log"
  done
  cp "$work/ready-control.json" "$work/ready.json"
  key_file="$work/data-control/secrets/admin-key"
  # The device credentials of every process ([auth] secrets_from).
  simdata=tether-data/control
else
  bench_topology "$work/topology.toml"
  "$bd"/net/tetherd --config "$work/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 --data "$work/data" \
    --ready-file "$work/ready.json" --log-level warn >"$work/tetherd.log" 2>&1 &
  server_pids=$!
  wait_ready "$work/ready.json" "$work/tetherd.log"
  key_file="$work/data/secrets/admin-key"
  simdata="$work/data"
fi
auth="Authorization: Bearer $(cat "$key_file")"
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready.json")
# Every peer reachable and every balancer joined before devices come.
for _ in $(seq 150); do
  curl -sf -H "$auth" "http://$http/healthz" | python3 -c "import json,sys;h=json.load(sys.stdin);sys.exit(0 if all(p['reachable'] for p in h['peers']) else 1)" 2>/dev/null && break
  sleep 0.2
done
connections() {
  curl -s -H "$auth" "http://$http/v1/admin/clusters" |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))"
}
# CPU seconds (user + system) the server has used so far.
server_cpu_s() {
  local p; for p in $server_pids; do cat "/proc/$p/stat"; done |
    awk -v hz="$(getconf CLK_TCK)" '{s += $14 + $15} END {print s / hz}'
}
# The simulator's latest counter; its stats line is "stats t=.. name=value ...".
sim_counter() {
  tail -n 1 "$work/sim-$1.out" 2>/dev/null | tr ' ' '\n' | awk -F= -v k="$2" '$1 == k {print $2}'
}

start_sim() {  # phase name
  "$bd"/examples/tether-terminal --server "http://$http" --data "$simdata" --count "$n" \
    --id-prefix push- --region GG1 --model GJ1 --ramp-per-s 0 \
    --source-addrs 127.0.0.2-127.0.0.11 --stats-interval-s 1 --log-level warn \
    --stats-json "$work/sim-$1.json" >"$work/sim-$1.out" 2>"$work/sim-$1.log" &
  sim_pid=$!
  local deadline=$(( $(date +%s) + 120 ))
  while [ "$(connections)" -lt "$n" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $(connections) of $n connected" >&2; exit 1; }
    sleep 0.2
  done
}

# Waits until the simulator has received every accepted job (or 60 s), then stops it
# (SIGTERM: it writes its --stats-json on the way out).
stop_sim() {  # phase name, accepted jobs
  local deadline=$(( $(date +%s) + 60 ))
  while [ "$(sim_counter "$1" jobs)" != "$2" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
  sleep 1  # acks and results reach the server, so nothing is redelivered to the next phase
  kill -TERM "$sim_pid"
  wait "$sim_pid" || true
  sim_pid=""
  # The next phase counts connections again: wait until the server has seen these go.
  deadline=$(( $(date +%s) + 30 ))
  while [ "$(connections)" -gt 0 ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
}

keep=${TETHER_BENCH_KEEP:-}
trace_opt() {  # phase name: --trace FILE when kept and supported
  [ -n "$keep" ] && "$bd"/examples/tether-push-bench --help 2>/dev/null | grep -q -- --trace &&
    echo "--trace $keep/trace-$1.txt"
  return 0
}
# The threads' counters of tetherd (all-in-one: the one process) and of the simulator.
snap_threads() {  # phase name, before|after
  [ "$mode" = multiprocess ] ||
    python3 examples/bench/thread_counts.py snap "$server_pids" "$work/threads-$1-tetherd-$2.json"
  python3 examples/bench/thread_counts.py snap "$sim_pid" "$work/threads-$1-sim-$2.json"
}
run_phase() {  # name, rate, seconds, jobs limit
  start_sim "$1"
  local cpu0 t0 cpu1 t1
  snap_threads "$1" before
  curl -s -H "$auth" "http://$http/metrics" >"$work/metrics-$1-before.txt"
  cpu0=$(server_cpu_s); t0=$(date +%s.%N)
  "$bd"/examples/tether-push-bench --server "http://$http" --id-prefix push- --count "$n" \
    --api-key-file "$key_file" \
    --concurrency "$conc" --rate "$2" --duration-s "$3" --jobs "$4" \
    --json "$work/push-$1.json" $(trace_opt "$1") >"$work/push-$1.out" 2>&1 || true
  cpu1=$(server_cpu_s); t1=$(date +%s.%N)
  snap_threads "$1" after
  python3 -c "import sys;print((float(sys.argv[2])-float(sys.argv[1]))/(float(sys.argv[4])-float(sys.argv[3]))*100)" \
    "$cpu0" "$cpu1" "$t0" "$t1" >"$work/cpu-$1.txt"
  stop_sim "$1" "$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['accepted'])" "$work/push-$1.json")"
  curl -s -H "$auth" "http://$http/metrics" >"$work/metrics-$1-after.txt"
  [ -z "$keep" ] || cp "$work/metrics-$1-after.txt" "$keep/metrics-$1.txt"
}
[ -z "$keep" ] || mkdir -p "$keep"

run_phase flat 0 "$flat_s" 1000000
run_phase rate "$rate" "$rate_s" $(( rate * rate_s ))
# The history retention sweep's work over both phases (absent from builds before it was counted).
curl -s -H "$auth" "http://$http/metrics" |
  awk '/^tether_history_sweep_keys_total/ {k += $NF; seen = 1}
       /^tether_history_sweep_duration_seconds_sum/ {ds += $NF}
       /^tether_history_sweep_duration_seconds_count/ {dc += $NF}
       END {if (!seen) print "history sweep: not counted by this build";
            else printf "history sweep: %d keys looked at in %d steps, %.1f ms in all\n", k, dc, ds * 1000}' \
  >"$work/sweep.txt"

python3 - "$work" "$n" "$conc" "$rate" <<'PY'
import json, sys
work, n, conc, rate = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
def load(p):
    with open(f"{work}/{p}") as f: return json.load(f)
print(f"mode: {__import__('os').environ.get('TETHER_BENCH_MODE', 'all-in-one')}; devices connected: {n} (region GG1, cluster C1); push-bench concurrency {conc}")
for phase, title in (("flat", "(a) flat out"), ("rate", f"(b) at {rate} jobs/s")):
    p, s = load(f"push-{phase}.json"), load(f"sim-{phase}.json")
    cpu = float(open(f"{work}/cpu-{phase}.txt").read())
    a = p["api_latency_ms"]
    others = sum(p["other_statuses"].values())
    print(f"{title}: {p['accepted']} of {p['issued']} jobs accepted in {p['elapsed_s']:.2f} s "
          f"= {p['accepted_per_s']:.0f} accepted/s (other statuses {others} {p['other_statuses']}, "
          f"transport errors {p['transport_errors']}); tetherd CPU {cpu:.0f}% of one core")
    print(f"    API latency ms (POST sent -> 202): p50 {a['p50']:.3f}  p90 {a['p90']:.3f}  "
          f"p99 {a['p99']:.3f}  max {a['max']:.3f}")
    if "schedule_lag_ms" in p:
        l = p["schedule_lag_ms"]
        print(f"    pusher schedule lag ms (sent - due): p99 {l['p99']:.3f}  max {l['max']:.3f}")
    print(f"    push latency ms (POST sent -> device received), {s['latency_count']} jobs: "
          f"p50 {s['latency_p50_ms']:.3f}  p90 {s['latency_p90_ms']:.3f}  "
          f"p99 {s['latency_p99_ms']:.3f}  max {s['latency_max_ms']:.3f}")
    print(f"    devices: jobs received {s['jobs']}, duplicates {s['duplicates']}, "
          f"done {s['done']}, reconnects {s['reconnects']}")
    if s["jobs"] != p["accepted"] or s["latency_count"] != p["accepted"]:
        print(f"    WARNING: the devices received {s['jobs']} jobs for {p['accepted']} accepted")
PY
cat "$work/sweep.txt"
accepted_b=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['accepted'])" "$work/push-rate.json")
echo "(b)'s tail split, from /metrics (ms; buckets 1 ms to 10 s, interpolated): the gateway's" \
  "arrival -> 202 (holds the store's synced batch), the store's synced batches, the control's" \
  "job accepted -> delivered (the session's report; store and dispatch):"
python3 examples/bench/histogram_diff.py "$work/metrics-rate-before.txt" "$work/metrics-rate-after.txt" \
  'tether_http_request_duration_seconds{route="POST /v1/terminals/{id}/jobs"}' \
  tether_store_write_duration_seconds tether_push_delivered_seconds | sed 's/^/  /'
for who in tetherd sim; do
  [ -f "$work/threads-rate-$who-after.json" ] || continue
  echo "(b)'s threads of $who per accepted job (queued: runnable, waiting for a CPU):"
  python3 examples/bench/thread_counts.py diff "$work/threads-rate-$who-before.json" \
    "$work/threads-rate-$who-after.json" "$accepted_b" | sed 's/^/  /'
done
[ -z "$keep" ] || cp "$work"/tetherd*.log "$keep"/
