#!/usr/bin/env bash
# Benchmark: durable job accepts per second flat out, one job per request against bulk
# pushes (POST /v1/jobs/bulk, issue 12 item 4), on the all-in-one server with N devices
# connected (they receive every job, ack it and report it done).
#
#   bash examples/bench/bulk-push.sh [N] [CONCURRENCY] [SECONDS] [K...]
#
# N devices (default 1000, region GG1), CONCURRENCY requests in flight (default 32),
# SECONDS per phase (default 15), then the bulk sizes K (default "1 10 100"; K = 1 is
# the single push, POST /v1/terminals/{id}/jobs). Each phase runs tether-push-bench
# --rate 0 --bulk K; every job it counts as accepted was stored with the synced WAL before
# its answer. One simulator process serves all phases; the script waits until it has
# received every accepted job before the next phase (at most 60 s), so a phase does not
# pay for the previous one's deliveries. Needs a build in ./build (tetherd,
# tether-terminal, tether-push-bench), or in TETHER_BUILD_DIR (an A/B run:
# TETHER_BUILD_DIR=/other/checkout/build bash examples/bench/bulk-push.sh ...).
# TETHER_BENCH_PERF=1 also counts tetherd's instructions (perf stat -p) from each phase's
# start until its devices have received every accepted job plus one second (so the
# deliveries, acks and final states of the phase's jobs are in it) and prints them per
# accepted job: a figure the other engineers' load on a shared machine barely moves, for
# comparing builds (perf must be installed and allowed to attach: run as root).
# TETHER_BENCH_PERF=callgrind counts them where perf has no hardware counters (a VM without
# a PMU): tetherd runs under valgrind's callgrind, instrumented only during the phases, about
# 50 times slower, so use a low CONCURRENCY (2) and a fixed number of jobs a phase,
# TETHER_BENCH_JOBS (e.g. 10000), with SECONDS as a cap (e.g. 150), and
# TETHER_BENCH_SETTLE_S=3; TETHER_BENCH_KEEP=DIR keeps each phase's callgrind profile
# (callgrind_annotate DIR/callgrind-K.out).
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
n=${1:-1000}
conc=${2:-32}
secs=${3:-15}
shift $(( $# < 3 ? $# : 3 ))
sizes=${*:-1 10 100}
build=${TETHER_BUILD_DIR:-build}
work=$(mktemp -d /tmp/tether-bulk-bench-XXXXXX)
sim_pid=""
server_pid=""
perf_pid=""
trap 'kill $perf_pid $sim_pid $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
for b in "$build/net/tetherd" "$build/examples/tether-terminal" "$build/examples/tether-push-bench"; do
  [ -x "$b" ] || { echo "missing $b: build first" >&2; exit 1; }
done

bench_topology "$work/topology.toml"
wrap=()  # TETHER_BENCH_PERF=callgrind: tetherd runs under callgrind, counting only in the phases
[ "${TETHER_BENCH_PERF:-0}" != callgrind ] ||
  wrap=(valgrind --tool=callgrind --instr-atstart=no "--callgrind-out-file=$work/callgrind.out.%p")
"${wrap[@]}" "$build/net/tetherd" --config "$work/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 \
  --data "$work/data" --ready-file "$work/ready.json" --log-level warn >"$work/tetherd.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do [ -f "$work/ready.json" ] && break; sleep 0.1; done
[ -f "$work/ready.json" ] || { echo "tetherd did not start:" >&2; cat "$work/tetherd.log" >&2; exit 1; }
key_file="$work/data/secrets/admin-key"
auth="Authorization: Bearer $(cat "$key_file")"
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready.json")
connections() {
  curl -s -H "$auth" "http://$http/v1/admin/clusters" |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))"
}
sim_jobs() {  # the simulator's latest "jobs" counter
  tail -n 1 "$work/sim.out" 2>/dev/null | tr ' ' '\n' | awk -F= '$1 == "jobs" {print $2}'
}
perf_start() {  # perf_start K: count tetherd's instructions until perf_stop
  perf_pid=""
  case "${TETHER_BENCH_PERF:-0}" in
    1) perf stat -e instructions,task-clock -x, -o "$work/perf-$1.csv" -p "$server_pid" &
       perf_pid=$! ;;
    callgrind) callgrind_control -z "$server_pid" >/dev/null 2>&1
       callgrind_control -i on "$server_pid" >/dev/null 2>&1; perf_pid=callgrind ;;
  esac
}
perf_stop() {  # perf_stop K ACCEPTED: instructions per accepted job of the phase
  [ -n "$perf_pid" ] || return 0
  sleep "${TETHER_BENCH_SETTLE_S:-1}"
  if [ "$perf_pid" = callgrind ]; then
    callgrind_control -d "phase-$1" "$server_pid" >/dev/null 2>&1
    callgrind_control -i off "$server_pid" >/dev/null 2>&1
    grep -h '^summary:\|^totals:' "$work"/callgrind.out.* | tail -n 1 | awk '{print $2",,instructions"}' \
      >"$work/perf-$1.csv"
    [ -z "${TETHER_BENCH_KEEP:-}" ] || cp "$work"/callgrind.out.*.[0-9]* "$TETHER_BENCH_KEEP/callgrind-$1.out"
    rm -f "$work"/callgrind.out.*.[0-9]*
  else
    kill -INT "$perf_pid"; wait "$perf_pid" || true
  fi
  python3 - "$work/perf-$1.csv" "$2" <<'PY'
import sys
vals = {}
for line in open(sys.argv[1]):
    f = line.strip().split(",")
    if len(f) > 2 and not line.startswith("#"):
        try:
            vals[f[2]] = float(f[0])
        except ValueError:
            sys.exit(f"perf: {f[2]} {f[0]} (no hardware counters here? try TETHER_BENCH_PERF=callgrind)")
n = max(int(sys.argv[2]), 1); ins = vals.get("instructions", 0.0); ms = vals.get("task-clock", 0.0)
cpu = f", {ms / 1000:.2f} CPU-s, {n / (ms / 1000):.0f} accepted jobs per CPU-second" if ms else ""
print(f"        instructions (phase until delivered + settle): {ins / 1e9:.3f} G{cpu}; "
      f"{ins / n:.0f} per accepted job")
PY
}
server_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$server_pid/stat"
}

"$build/examples/tether-terminal" --server "http://$http" --data "$work/data" --count "$n" \
  --id-prefix bulk- --region GG1 --model GJ1 --ramp-per-s 0 \
  --source-addrs 127.0.0.2-127.0.0.11 --stats-interval-s 1 --log-level warn \
  >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!
deadline=$(( $(date +%s) + 120 ))
while [ "$(connections)" -lt "$n" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $(connections) of $n connected" >&2; exit 1; }
  sleep 0.2
done

echo "build: $build ($(git -C "$build/.." rev-parse --short HEAD 2>/dev/null || echo ?)); devices connected: $n (cluster C1); concurrency $conc; $secs s per bulk size; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
total=0
for k in $sizes; do
  bulk=$([ "$k" = 1 ] && echo 0 || echo "$k")
  perf_start "$k"
  cpu0=$(server_cpu_s); t0=$(date +%s.%N)
  "$build/examples/tether-push-bench" --server "http://$http" --id-prefix bulk- --count "$n" \
    --api-key-file "$key_file" --concurrency "$conc" --rate 0 --duration-s "$secs" \
    --jobs "${TETHER_BENCH_JOBS:-100000000}" --bulk "$bulk" --json "$work/push-$k.json" >"$work/push-$k.out" 2>&1 || true
  cpu1=$(server_cpu_s); t1=$(date +%s.%N)
  python3 - "$work/push-$k.json" "$k" "$cpu0" "$cpu1" "$t0" "$t1" <<'PY'
import json, sys
p = json.load(open(sys.argv[1])); k = sys.argv[2]
cpu = (float(sys.argv[4]) - float(sys.argv[3])) / (float(sys.argv[6]) - float(sys.argv[5])) * 100
a = p["api_latency_ms"]
print(f"K={k:>4}: {p['accepted']} of {p['issued']} jobs accepted in {p['elapsed_s']:.2f} s = "
      f"{p['accepted_per_s']:.0f} accepted jobs/s; refused items {p.get('refused_items', 0)}, "
      f"other statuses {p['other_statuses']}, transport errors {p['transport_errors']}; "
      f"request latency ms p50 {a['p50']:.2f} p99 {a['p99']:.2f} max {a['max']:.2f}; "
      f"tetherd CPU {cpu:.0f}% of one core")
# Jobs per CPU-second of tetherd during the phase: comparable between builds
# when the machine is shared (its CPU share then varies from run to run).
cpu_s = float(sys.argv[4]) - float(sys.argv[3])
if cpu_s > 0:
    print(f"        {p['accepted'] / cpu_s:.0f} accepted jobs per tetherd CPU-second "
          f"({cpu_s:.2f} CPU-s)")
PY
  accepted=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['accepted'])" "$work/push-$k.json")
  total=$(( total + accepted ))
  deadline=$(( $(date +%s) + 60 ))
  while [ "$(sim_jobs)" != "$total" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.5; done
  echo "        devices have received $(sim_jobs) of $total accepted jobs so far"
  perf_stop "$k" "$accepted"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
