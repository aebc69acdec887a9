#!/usr/bin/env bash
# Benchmark: the reconnect storm after balancer processes are killed, with a
# service pushing jobs through the gateway meanwhile (issue 12, item 3).
#
#   bash examples/bench/storm.sh [DEVICES] [BALANCERS] [KILL] [SIMULATORS]
#
# One cluster C1 (region GG1) with BALANCERS balancer processes (default 12,
# ids C1-b01 ... in the order the devices' URL lists use) and two node
# processes, and a control process (gateway, control, selector, cluster
# manager, store). DEVICES (default 100000) simulated devices in SIMULATORS
# processes (default 6), each from its own 20 loopback source addresses; every
# process stays under the 20,000 open-file limit, so a survivor must be able
# to hold DEVICES/(BALANCERS-KILL) sockets.
#
# Once every device is connected and has its session, KILL balancers (default
# 6: b01, b03, b05, ..., every other one; a device tries its URL list in
# order, and the cluster manager orders each device's list by rendezvous
# hashing, so a dead balancer's devices spread over all survivors)
# are killed -9 at the same instant while tether-push-bench pushes jobs at
# TETHER_STORM_PUSH_RATE (default 200) per second to the first simulator's
# devices through the service API, from 2 s before the kill for
# TETHER_STORM_PUSH_S seconds (default 25). It prints:
#   - the devices that lost their balancer (sockets of the killed processes),
#   - kill -> last hello (the simulators' last_hello_ms: a session started
#     again for the last of them, exact to the ms) and kill -> the simulators
#     count every device connected again, and kill -> the API's clusters count
#     all DEVICES again (polled every 100 ms; balancer reports lag up to 1 s),
#   - the simulators' disconnects, reconnects, connect and register failures
#     during the storm, and the connect failures by cause (refused by a dead
#     balancer, 503/429, closed unanswered, timed out),
#   - the service API's pushes accepted and latency p50/p99/max (the whole
#     push window, the storm inside it), and the CPU the server processes and
#     the simulators used from the kill until all were back, also per device
#     that lost its balancer, with the context switches of all their threads,
#   - where the devices' time went (the simulators' phases over the storm:
#     register and upgrade round trips, open -> hello, and each device's
#     whole span from its lost session to its next hello; sim_phases.py).
#
# The abuse limits per source address are raised (each simulator process
# stands for thousands of addresses); the per-balancer total accept rate and
# pending-handshake limits stay at their defaults (docs/CONFIG.md).
#
# TETHER_BUILD_DIR: where tetherd comes from (default ./build; A/B runs);
# TETHER_SIM_DIR: the simulator and the pusher (default ./build/examples).
# TETHER_STORM_RAMP: devices started per second by each simulator (1000).
# TETHER_STORM_CONTROL_DIR: the control process's tetherd from another build
# (DIR/net/tetherd; default: TETHER_BUILD_DIR's): which process holds a
# connection longer, old control against new balancers and nodes (the
# message types must be the same in both builds).
# TETHER_STORM_PERF=DIR: perf record -g of the survivors, the nodes, the
# control and the first simulator from the kill to the end, into
# DIR/<process>.data (the simulator: DIR/sim0.data).
# TETHER_STORM_PERFSTAT=DIR: perf stat -e instructions,task-clock,context-switches of each
# survivor, node and the control from 2 s before the kill until all are back, into
# DIR/<process>.txt, and a summary line per process (counting, not sampling:
# instructions barely move with the machine's load; old/new A/B).
# Every run prints the balancers' connect latency (arrival -> session started)
# and admission latency (arrival -> the cluster manager's answer) counted
# between the kill and all back, from /metrics (examples/bench/histogram_diff.py).
# TETHER_STORM_CONTROL_NICE=N: renice the control process to N before the
# kill (an experiment: is the service API's latency the CPU's run queue?).
# TETHER_STORM_MAX_PENDING=N: the balancers' ws_max_pending (an experiment:
# what the 503s at the pending cap cost; default: the topology default).
# TETHER_STORM_THREADS=1: per thread name of each survivor, node and the
# control, the context switches, CPU and run-queue wait (schedstat) per device
# that lost its balancer, from just before the kill until all are back
# (thread_counts.py): how long the threads waited for a core.
set -euo pipefail
cd "$(dirname "$0")/../.."
devices=${1:-100000}
balancers=${2:-12}
kill_n=${3:-6}
sims=${4:-6}
bd=${TETHER_BUILD_DIR:-build}
sim_dir=${TETHER_SIM_DIR:-build/examples}
ramp=${TETHER_STORM_RAMP:-1000}
push_rate=${TETHER_STORM_PUSH_RATE:-200}
push_s=${TETHER_STORM_PUSH_S:-25}
perf_dir=${TETHER_STORM_PERF:-}
stat_dir=${TETHER_STORM_PERFSTAT:-}
for b in "$bd/net/tetherd" "$sim_dir/tether-terminal" "$sim_dir/tether-push-bench"; do
  [ -x "$b" ] || { echo "missing $b: build first" >&2; exit 1; }
done
limit=$(ulimit -Hn)
ulimit -n "$limit"
if [ "$kill_n" -ge "$balancers" ] || [ $((kill_n * 2)) -gt "$balancers" ] ||
  [ $((devices / (balancers - kill_n) + 100)) -ge "$limit" ] ||
  [ $((devices / sims + 100)) -ge "$limit" ]; then
  echo "need KILL <= BALANCERS/2, DEVICES/(BALANCERS-KILL) and DEVICES/SIMULATORS below $limit" >&2
  exit 2
fi
work=$(mktemp -d /tmp/tether-storm-XXXXXX)
declare -A pid_of
other_pids='' sim_pids=''
cleanup() {
  kill $other_pids "${pid_of[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
bname() { printf 'C1-b%02d' "$1"; }
http=127.0.0.1:$(free_port)
names=(control)
for b in $(seq "$balancers"); do names+=("$(bname "$b")"); done
names+=(C1-n1 C1-n2)
declare -A ws_port_of
{
  printf '[labels]\nitems = ["region", "model"]\n\n'
  printf '[timers]\nkeepalive = "30s"\nkeepalive_misses = 2\nheartbeat = "1s"\nfailure_timeout = "5s"\n\n'
  printf '[limits]\nws_accept_rate = 100000\nws_accept_burst = 100000\nws_max_connections = 1000000\n'
  printf 'register_rate = 100000\nregister_burst = 100000\npush_rate = 1000000\npush_burst = 1000000\n'
  [ -z "${TETHER_STORM_MAX_PENDING:-}" ] || printf 'ws_max_pending = %d\n' "$TETHER_STORM_MAX_PENDING"
  printf '\n'
  printf '[auth]\nsecrets_from = "%s/control"\n\n' "$work"
  printf '[[processes]]\nname = "control"\nhost = "127.0.0.1"\ncaf_port = %d\n' "$(free_port)"
  printf 'roles = ["gateway", "control", "selector", "cluster_manager"]\n'
  printf 'http = "%s"\ndata = "%s/control"\n\n' "$http" "$work"
  printf '[[clusters]]\nid = "C1"\nlabels = { region = ["GG1"], model = "*" }\n'
  printf 'nodes = ["C1-n1", "C1-n2"]\n'
  for b in $(seq "$balancers"); do
    ws_port_of[$(bname "$b")]=$(free_port)
    printf '  [[clusters.balancers]]\n  id = "%s"\n  listen = "127.0.0.1:%d"\n' \
      "$(bname "$b")" "${ws_port_of[$(bname "$b")]}"
  done
  printf '\n'
  for b in $(seq "$balancers"); do
    printf '[[processes]]\nname = "%s"\ncaf_port = %d\nroles = ["balancer"]\nbalancers = ["%s"]\n\n' \
      "$(bname "$b")" "$(free_port)" "$(bname "$b")"
  done
  for n in 1 2; do
    printf '[[processes]]\nname = "C1-n%d"\ncaf_port = %d\nroles = ["node"]\nnodes = ["C1-n%d"]\n\n' \
      $n "$(free_port)" $n
  done
} >"$work/storm.toml"

for name in "${names[@]}"; do
  exe=$bd/net/tetherd
  [ "$name" != control ] || exe=${TETHER_STORM_CONTROL_DIR:-$bd}/net/tetherd
  "$exe" --config "$work/storm.toml" --process "$name" --log-level warn \
    >"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
  if [ "$name" = control ]; then
    for _ in $(seq 150); do curl -sf "http://$http/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
  fi
done
key_file=$work/control/secrets/admin-key
auth="Authorization: Bearer $(cat "$key_file")"
api() { curl -sf -H "$auth" "http://$http$1"; }
connections() {
  api /v1/admin/clusters |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))" \
      2>/dev/null || echo 0
}
node_sessions() {
  api /v1/admin/nodes |
    python3 -c "import json,sys;print(sum(x['sessions'] for x in json.load(sys.stdin)['nodes']))" \
      2>/dev/null || echo 0
}
# One counter over the simulators' latest stats lines: summed, or the maximum
# for *_ms.
sim_sum() {
  local i
  for i in $(seq 0 $((sims - 1))); do tail -n 1 "$work/sim$i.out"; done | tr ' ' '\n' |
    awk -F= -v k="$1" '$1 == k {if (k ~ /_ms$/) {if ($2 > s) s = $2} else s += $2} END {printf "%.0f\n", s}'
}
now_ms() { date +%s%3N; }
cpu_ticks() { # of the named processes that are alive
  local n
  for n in "$@"; do [ -n "${pid_of[$n]:-}" ] && cat "/proc/${pid_of[$n]}/stat"; done |
    awk '{s += $14 + $15} END {print s + 0}'
}
# Context switches (voluntary + involuntary) of every thread of the given PIDs.
switches() {
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/status 2>/dev/null; done |
    awk '/ctxt_switches/ {s += $2} END {print s + 0}'
}
# The kernel's count of SYNs dropped at a full accept queue (machine-wide).
listen_drops() { awk '/^TcpExt:/ {if (!n) {n = split($0, h); next} for (i = 1; i <= n; i++) if (h[i] == "ListenDrops") print $i}' /proc/net/netstat; }
server_pids() { # of the named processes that are alive
  local n
  for n in "$@"; do [ -n "${pid_of[$n]:-}" ] && echo "${pid_of[$n]}"; done
}
# Each simulator's latest stats line into DIR/simI.txt (sim_phases.py).
save_sim_lines() {
  local i
  mkdir -p "$1"
  for i in $(seq 0 $((sims - 1))); do tail -n 1 "$work/sim$i.out" >"$1/sim$i.txt"; done
}
sleep 3

echo "$(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/'): $devices devices, $balancers balancers" \
  "(kill $kill_n), 2 nodes, $sims simulators ($ramp/s each), tetherd from $bd" \
  "(control: ${TETHER_STORM_CONTROL_DIR:-$bd})"
per=$((devices / sims))
devices=$((per * sims))
t_start=$(now_ms)
for i in $(seq 0 $((sims - 1))); do
  "$sim_dir/tether-terminal" --server "http://$http" --data "$work/control" \
    --count "$per" --id-prefix "S$i-" --region GG1 --model GJ1 --ramp-per-s "$ramp" \
    --source-addrs "127.0.$((40 + i)).1-127.0.$((40 + i)).20" --stats-interval-s 1 \
    --log-level warn >"$work/sim$i.out" 2>"$work/sim$i.err" &
  other_pids="$other_pids $!" sim_pids="$sim_pids $!"
done
deadline=$(($(date +%s) + 120 + devices / 200))
until [ "$(connections)" -ge "$devices" ] && [ "$(node_sessions)" -ge "$devices" ] &&
  [ "$(sim_sum hellos)" -ge "$devices" ]; do
  [ "$(date +%s)" -lt "$deadline" ] ||
    { echo "timeout: $(connections) connected, $(node_sessions) sessions, $(sim_sum hellos) hellos" >&2; exit 1; }
  sleep 1
done
echo "all $devices connected with a session in $(($(now_ms) - t_start)) ms"
sleep 12 # the backoff of a device resets after 10 s up: the storm starts from rest
# The simulators' counters over the storm; connect failures also by cause
# (tether-terminal's failover.hpp; an older simulator without them shows 0).
keys="hellos disconnects reconnects connect_failures register_failures registrations"
keys="$keys connect_refused connect_busy connect_closed connect_timeouts connect_not_here connect_other"
before=$(for k in $keys; do printf '%s ' "$(sim_sum $k)"; done)
save_sim_lines "$work/before"

victims=()
moved=0
for b in $(seq 1 2 $((kill_n * 2))); do
  v=$(bname "$b")
  victims+=("$v")
  moved=$((moved + $(ss -Htn state established "( sport = :${ws_port_of[$v]} )" | wc -l)))
done
survivors=()
for name in "${names[@]}"; do
  [[ " ${victims[*]} " == *" $name "* ]] || survivors+=("$name")
done
"$sim_dir/tether-push-bench" --server "http://$http" --id-prefix S0- --count "$per" \
  --api-key-file "$key_file" --concurrency 8 --rate "$push_rate" --duration-s "$push_s" \
  --json "$work/push.json" >"$work/push.out" 2>&1 &
push_pid=$!
perf_pids=''
if [ -n "$perf_dir" ]; then
  mkdir -p "$perf_dir"
  for p in "${survivors[@]}"; do
    perf record -g -F 499 -p "${pid_of[$p]}" -o "$perf_dir/$p.data" >/dev/null 2>&1 &
    perf_pids="$perf_pids $!"
  done
  read -r first_sim _ <<<"$sim_pids"
  perf record -g -F 499 -p "$first_sim" -o "$perf_dir/sim0.data" >/dev/null 2>&1 &
  perf_pids="$perf_pids $!"
fi
if [ -n "$stat_dir" ]; then
  mkdir -p "$stat_dir"
  for p in "${survivors[@]}"; do
    perf stat -e instructions,task-clock,context-switches -p "${pid_of[$p]}" -o "$stat_dir/$p.txt" &
    perf_pids="$perf_pids $!"
  done
fi
[ -z "${TETHER_STORM_CONTROL_NICE:-}" ] || renice -n "$TETHER_STORM_CONTROL_NICE" -p "${pid_of[control]}" >/dev/null
sleep 2 # the API's latency before the kill is part of the window
api /metrics >"$work/metrics-before.txt" || true
cpu0=$(cpu_ticks "${survivors[@]}")
sim_cpu0=$(for p in $sim_pids; do cat "/proc/$p/stat"; done | awk '{s += $14 + $15} END {print s}')
# shellcheck disable=SC2046
sw0=$(switches $(server_pids "${survivors[@]}")) sim_sw0=$(switches $sim_pids)
drops0=$(listen_drops)
threads=${TETHER_STORM_THREADS:-}
if [ -n "$threads" ]; then
  for p in "${survivors[@]}"; do
    python3 examples/bench/thread_counts.py snap "${pid_of[$p]}" "$work/threads-$p-before.json"
  done
fi
victim_pids=()
for v in "${victims[@]}"; do victim_pids+=("${pid_of[$v]}"); done
t_kill=$(now_ms)
kill -9 "${victim_pids[@]}"
for v in "${victims[@]}"; do wait "${pid_of[$v]}" 2>/dev/null || true; unset "pid_of[$v]"; done
echo "kill -9 ${victims[*]}: $moved devices lost their balancer"
read -r hellos0 _ <<<"$before"
t_api='' t_sim='' dropped=''
deadline=$(($(date +%s) + 180))
while [ -z "$t_api" ] || [ -z "$t_sim" ]; do
  c=$(connections)
  [ "$c" -lt "$devices" ] && dropped=1
  [ -z "$t_api" ] && [ -n "$dropped" ] && [ "$c" -ge "$devices" ] && t_api=$(now_ms)
  [ -z "$t_sim" ] && [ "$(sim_sum connected)" -ge "$devices" ] &&
    [ "$(sim_sum hellos)" -ge $((hellos0 + moved)) ] && t_sim=$(now_ms)
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: API $c, simulators $(sim_sum connected) connected" >&2; break; }
  sleep 0.1
done
cpu1=$(cpu_ticks "${survivors[@]}")
if [ -n "$threads" ]; then
  for p in "${survivors[@]}"; do
    python3 examples/bench/thread_counts.py snap "${pid_of[$p]}" "$work/threads-$p-after.json"
  done
fi
# shellcheck disable=SC2046
sw1=$(switches $(server_pids "${survivors[@]}")) sim_sw1=$(switches $sim_pids)
drops1=$(listen_drops)
api /metrics >"$work/metrics-after.txt" || true
sim_cpu1=$(for p in $sim_pids; do cat "/proc/$p/stat"; done | awk '{s += $14 + $15} END {print s}')
[ -z "$perf_pids" ] || { kill -INT $perf_pids; wait $perf_pids 2>/dev/null || true; }
wait "$push_pid" || true
sleep 1.5 # a last stats line of every simulator
after=$(for k in $keys; do printf '%s ' "$(sim_sum $k)"; done)
save_sim_lines "$work/after"
python3 - "$moved" "$t_kill" "${t_api:-0}" "${t_sim:-0}" "$(sim_sum last_hello_ms)" "$before" "$after" \
  "$((cpu1 - cpu0))" "$(getconf CLK_TCK)" "$work/push.json" "$((sim_cpu1 - sim_cpu0))" \
  "$((sw1 - sw0))" "$((sim_sw1 - sim_sw0))" "$((drops1 - drops0))" <<'PY'
import json, sys
moved, t_kill, t_api, t_sim, last_hello = map(int, sys.argv[1:6])
names = ("hellos disconnects reconnects connect_failures register_failures registrations"
         " connect_refused connect_busy connect_closed connect_timeouts connect_not_here"
         " connect_other").split()
b, a = ([int(x) for x in s.split()] for s in sys.argv[6:8])
d = dict(zip(names, (y - x for x, y in zip(b, a))))
causes = {k: d.pop(k) for k in names[6:]}
ago = lambda t: f"{t - t_kill} ms" if t else "never"
print(f"kill -> last hello: {ago(last_hello)}; kill -> simulators count all connected: {ago(t_sim)};"
      f" kill -> API counts all: {ago(t_api)}")
print(f"simulators during the storm: " + " ".join(f"{k}=+{v}" for k, v in d.items()))
print("connect failures by cause: " + " ".join(f"{k[8:]}=+{v}" for k, v in causes.items())
      + " (refused: a dead balancer; busy: 503/429; closed: no answer, over ws_max_pending)")
hz = int(sys.argv[9])
server_s, sims_s = int(sys.argv[8]) / hz, int(sys.argv[11]) / hz
print(f"CPU from the kill until all are back: server (survivors, nodes, control) {server_s:.2f} s,"
      f" simulators {sims_s:.2f} s")
sw, sim_sw = int(sys.argv[12]), int(sys.argv[13])
per = max(moved, 1)
print(f"per device that lost its balancer: CPU server {server_s * 1e6 / per:.0f} us, simulators"
      f" {sims_s * 1e6 / per:.0f} us; context switches (every thread, /proc) server {sw / per:.2f},"
      f" simulators {sim_sw / per:.2f}")
print(f"SYNs dropped at a full accept queue (the kernel's ListenDrops, machine-wide): {sys.argv[14]}"
      " (each costs its device 1 s, then 2 s, 4 s: TCP's SYN retransmission)")
p = json.load(open(sys.argv[10])); l = p["api_latency_ms"]
print(f"service API: {p['accepted']} of {p['issued']} pushes accepted, latency ms"
      f" p50 {l['p50']:.2f} p99 {l['p99']:.2f} max {l['max']:.2f}")
PY
echo "where the devices' time went from the kill until all were back (the simulators' clocks):"
# shellcheck disable=SC2046
python3 examples/bench/sim_phases.py $(for i in $(seq 0 $((sims - 1))); do
  echo "$work/before/sim$i.txt $work/after/sim$i.txt"; done) | sed 's/^/  /'
echo "latencies from the kill until all are back (/metrics; buckets 1 ms to 10 s): the balancers'" \
  "connects and admissions, the store's synced batches, the gateway's pushes (arrival -> 202):"
python3 examples/bench/histogram_diff.py "$work/metrics-before.txt" "$work/metrics-after.txt" \
  tether_connect_duration_seconds tether_admission_duration_seconds \
  tether_store_write_duration_seconds \
  'tether_http_request_duration_seconds{route="POST /v1/terminals/{id}/jobs"}' | sed 's/^/  /'
if [ -n "$stat_dir" ]; then
  echo "perf stat from 2 s before the kill until all are back (instructions: n/a where the machine has no PMU):"
  for p in "${survivors[@]}"; do
    awk -v p="$p" '{gsub(",", "", $1)} /instructions/ {i = $1 ~ /^[0-9]+$/ ? $1 : "n/a"}
      /task-clock/ {t = $1} /context-switches/ {c = $1}
      END {printf "  %-8s instructions %s, task-clock %.0f ms, context switches %d\n", p, i, t, c}' "$stat_dir/$p.txt"
  done | tee "$stat_dir/summary.txt"
fi
if [ -n "$threads" ]; then
  echo "threads from the kill until all are back, per device that lost its balancer (thread_counts.py):"
  for p in "${survivors[@]}"; do
    echo "  $p:"
    python3 examples/bench/thread_counts.py diff "$work/threads-$p-before.json" \
      "$work/threads-$p-after.json" "$moved" | sed 's/^/    /'
  done
fi
echo "server log lines with errors (the first 3 of each log):"
for f in "$work"/*.log; do grep -i -m 3 'error' "$f" | sed "s|^|  $(basename "$f" .log): |" || true; done
