#!/usr/bin/env bash
# Benchmark: re-homing after a node kill -9, or the reconnect storm after a
# balancer kill -9, on examples/topologies/multiprocess.toml started process by
# process (the control process and cluster C1's four: two balancers, two
# nodes; on free ports, data in a temporary folder).
#
#   bash examples/bench/rehome.sh [N] [MODE]
#
# N devices (default 4000; region GG1: cluster C1) connect through simulator
# processes of at most 8,000 devices each (the 20,000 open files of one
# process), each from its own ten loopback source addresses. Once every
# session is up and both nodes have reported:
#   MODE node (default): kill -9 of the node process holding the most
#     sessions; the other node takes them all while the devices keep their
#     WebSockets;
#   MODE balancer: kill -9 of the balancer process holding the most
#     connections; its devices reconnect through the other balancer (the
#     reconnect storm), while tether-push-bench pushes jobs at
#     TETHER_BENCH_PUSH_RATE (default 200) per second through the service
#     API, whose latency it reports.
# Measured: the time from the kill to the last `hello` a device received (a
# session started for it; the simulators' last_hello_ms, exact to the ms),
# the sessions started again (the simulators' hello count after the kill),
# their rate, the time until the API shows the survivor holding every
# session (polled every 100 ms; the nodes report within a second), and the
# simulators' disconnects and reconnects (node mode: both must stay 0).
#
# TETHER_BUILD_DIR: where tetherd comes from (default ./build; for A/B runs
# of two builds); the simulator and the pusher come from TETHER_SIM_DIR
# (default ./build/examples; one without the hellos counter gives the API's
# times only).
# TETHER_BENCH_PERF=DIR: perf record (call graphs) of both balancers, the
# surviving node and the control during the burst, into DIR/<process>.data,
# at TETHER_BENCH_PERF_HZ samples per second (499; a burst of half a second
# needs more, e.g. 2999).
# TETHER_BENCH_RAMP: devices started per second by each simulator (1500).
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-4000}
mode=${2:-node}
case $mode in node | balancer) ;; *) echo "MODE must be node or balancer" >&2; exit 2 ;; esac
bd=${TETHER_BUILD_DIR:-build}
ramp=${TETHER_BENCH_RAMP:-1500}
perf_dir=${TETHER_BENCH_PERF:-}
sim_dir=${TETHER_SIM_DIR:-build/examples}
for b in "$bd/net/tetherd" "$sim_dir/tether-terminal" "$sim_dir/tether-push-bench"; do
  [ -x "$b" ] || { echo "missing $b: build first" >&2; exit 1; }
done
work=$(mktemp -d /tmp/tether-rehome-XXXXXX)
declare -A pid_of
sim_pids='' perf_pids='' push_pid=''
cleanup() {
  kill $sim_pids $push_pid "${pid_of[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The shipped topology on free ports, its data under $work, and the per-source
# address limits raised (a benchmark measures the server, not its abuse limits).
python3 - examples/topologies/multiprocess.toml "$work" >"$work/topology.toml" <<'PY'
import re, socket, sys
text, work = open(sys.argv[1]).read(), sys.argv[2]
ports = {}
def free(old):
    if old not in ports:
        s = socket.socket(); s.bind(("127.0.0.1", 0)); ports[old] = s.getsockname()[1]; s.close()
    return str(ports[old])
text = re.sub(r"127\.0\.0\.1:(\d+)", lambda m: "127.0.0.1:" + free(m.group(1)), text)
text = re.sub(r"caf_port = (\d+)", lambda m: "caf_port = " + free(m.group(1)), text)
text = text.replace('"tether-data/control"', f'"{work}/data-control"')
print(text)
print("[limits]\nws_accept_rate = 100000\nws_accept_burst = 100000")
print("register_rate = 100000\nregister_burst = 100000\npush_rate = 1000000\npush_burst = 1000000")
PY
topo=$work/topology.toml
for p in control C1-b1 C1-b2 C1-n1 C1-n2; do
  level=warn
  case $p in C1-b*) level=info ;; esac # the balancers' re-homing summary lines
  "$bd"/net/tetherd --config "$topo" --process "$p" --data "$work/data-$p" \
    --ready-file "$work/ready-$p.json" --log-level "$level" >"$work/tetherd-$p.log" 2>&1 &
  pid_of[$p]=$!
  for _ in $(seq 100); do [ -f "$work/ready-$p.json" ] && break; sleep 0.1; done
  [ -f "$work/ready-$p.json" ] || { echo "$p did not start:" >&2; cat "$work/tetherd-$p.log" >&2; exit 1; }
done
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready-control.json")
key_file=$work/data-control/secrets/admin-key
auth="Authorization: Bearer $(cat "$key_file")"
api() { curl -sf -H "$auth" "http://$http$1"; }
# C1's connections (the balancers' reports) and each node's sessions, "node=sessions/state".
connections() {
  api /v1/admin/clusters | python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters'] if c['cluster_id']=='C1'))" 2>/dev/null || echo 0
}
node_sessions() {
  api /v1/admin/nodes | python3 -c "
import json,sys
for x in json.load(sys.stdin)['nodes']:
    if x['cluster_id']=='C1': print(x['node_id'], x['sessions'], x['state'])" 2>/dev/null || true
}
# Sum of one counter over the simulators' latest stats lines (max for *_ms).
sim_sum() {
  local f
  for f in "$work"/sim-*.out; do tail -n 1 "$f"; done | tr ' ' '\n' |
    awk -F= -v k="$1" '$1 == k {if (k ~ /_ms$/) {if ($2 > s) s = $2} else s += $2} END {printf "%.0f\n", s}'
}
now_ms() { date +%s%3N; }

# Both balancers joined and both nodes reachable before devices come.
for _ in $(seq 150); do
  [ "$(node_sessions | awk '$3 == "active"' | wc -l)" = 2 ] && break
  sleep 0.2
done
sims=$(( (n + 7999) / 8000 ))
per=$(( (n + sims - 1) / sims ))
left=$n
for i in $(seq 1 "$sims"); do
  count=$(( left < per ? left : per )); left=$(( left - count ))
  "$sim_dir"/tether-terminal --server "http://$http" --data "$work/data-control" \
    --count "$count" --id-prefix "rh$i-" --region GG1 --model GJ1 --ramp-per-s "$ramp" \
    --source-addrs "127.0.$(( 20 + i )).1-127.0.$(( 20 + i )).10" --stats-interval-s 1 \
    --log-level warn >"$work/sim-$i.out" 2>"$work/sim-$i.log" &
  sim_pids="$sim_pids $!"
done
t_start=$(now_ms)
deadline=$(( $(date +%s) + 60 + n / 200 ))
while [ "$(connections)" -lt "$n" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $(connections) of $n connected" >&2; exit 1; }
  sleep 0.5
done
echo "devices: $n connected through $sims simulator(s) in $(( $(now_ms) - t_start )) ms"
# Settled: the nodes' reports add up to N, and every device got its hello.
deadline=$(( $(date +%s) + 30 ))
sleep 1.5
counted=1
[ -n "$(tail -n 1 "$work/sim-1.out" | grep -o ' hellos=')" ] || counted=0
until [ "$(node_sessions | awk '{s += $2} END {print s + 0}')" = "$n" ] && { [ $counted = 0 ] || [ "$(sim_sum hellos)" -ge "$n" ]; }; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: sessions $(node_sessions | tr '\n' ' '), hellos $(sim_sum hellos)" >&2; exit 1; }
  sleep 0.5
done
sleep 1.5 # a stats line from every simulator after the last hello
node_sessions | sed 's/^/before: /'
hellos0=$(sim_sum hellos) disc0=$(sim_sum disconnects) rec0=$(sim_sum reconnects)

if [ "$mode" = node ]; then
  read -r victim moved _ < <(node_sessions | sort -k2,2nr | head -n 1)
  survivor=$(node_sessions | awk -v v="$victim" '$1 != v {print $1}')
  watch="C1-b1 C1-b2 $survivor"
else
  victim=C1-b1 moved=0
  for b in C1-b1 C1-b2; do
    port=$(python3 -c "import json,sys;import re;print(re.search(r':(\\d+)(/|$)', json.load(open(sys.argv[1]))['balancers'][sys.argv[2]]).group(1))" "$work/ready-$b.json" "$b")
    c=$(ss -Htn state established "( sport = :$port )" | wc -l)
    [ "$c" -gt "$moved" ] && victim=$b moved=$c
  done
  survivor=$([ "$victim" = C1-b1 ] && echo C1-b2 || echo C1-b1)
  watch="$survivor C1-n1 C1-n2"
fi
if [ -n "$perf_dir" ]; then
  mkdir -p "$perf_dir"
  for p in $watch control; do
    perf record -g -F "${TETHER_BENCH_PERF_HZ:-499}" -p "${pid_of[$p]}" -o "$perf_dir/$p.data" >/dev/null 2>&1 &
    perf_pids="$perf_pids $!"
  done
  sleep 1
fi
if [ "$mode" = balancer ]; then
  rate=${TETHER_BENCH_PUSH_RATE:-200}
  "$sim_dir"/tether-push-bench --server "http://$http" --id-prefix rh1- --count "$per" \
    --api-key-file "$key_file" --concurrency 8 --rate "$rate" --duration-s 20 \
    --json "$work/push.json" >"$work/push.out" 2>&1 &
  push_pid=$!
  sleep 2 # the API's latency before the kill is part of the run too
fi
cpu_before=$(for p in $watch; do cat "/proc/${pid_of[$p]}/stat"; done | awk '{s += $14 + $15} END {print s}')
t_kill=$(now_ms)
kill -9 "${pid_of[$victim]}"
wait "${pid_of[$victim]}" 2>/dev/null || true
unset "pid_of[$victim]"
echo "kill -9 $victim ($moved $([ "$mode" = node ] && echo sessions || echo connections)) at $t_kill"
t_api='' dropped=''
deadline=$(( $(date +%s) + 120 ))
while :; do
  if [ -z "$t_api" ]; then
    if [ "$mode" = node ]; then
      [ "$(node_sessions | awk -v s="$survivor" '$1 == s {print $2}')" = "$n" ] && t_api=$(now_ms)
    else # the killed balancer's count leaves the cluster's first
      c=$(connections)
      [ "$c" -lt "$n" ] && dropped=1
      [ -n "$dropped" ] && [ "$c" = "$n" ] && t_api=$(now_ms)
    fi
  fi
  [ -n "$t_api" ] && { [ $counted = 0 ] || [ "$(sim_sum hellos)" -ge $(( hellos0 + moved )) ]; } && break
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: survivor $(node_sessions | tr '\n' ' '), hellos $(( $(sim_sum hellos) - hellos0 )) of $moved" >&2; break; }
  sleep 0.1
done
cpu_after=$(for p in $watch; do cat "/proc/${pid_of[$p]}/stat"; done | awk '{s += $14 + $15} END {print s}')
[ -z "$perf_pids" ] || { kill -INT $perf_pids; wait $perf_pids 2>/dev/null || true; }
sleep 3 # the balancers' summary lines (a status period after the last re-homing) and a last stats line
[ -z "$push_pid" ] || wait "$push_pid" || true
node_sessions | sed 's/^/after: /'
grep -h 'down: .*re-homed' "$work"/tetherd-C1-b*.log | sed 's/^/balancer log: /' || true
python3 - "$mode" "$moved" "$t_kill" "${t_api:-0}" "$(sim_sum last_hello_ms)" "$counted" \
  "$(( $(sim_sum hellos) - hellos0 ))" "$(( $(sim_sum disconnects) - disc0 ))" \
  "$(( $(sim_sum reconnects) - rec0 ))" "$(( cpu_after - cpu_before ))" "$(getconf CLK_TCK)" "$watch" <<'PY'
import sys
mode, moved, t_kill, t_api, last_hello, counted, hellos, disc, rec, cpu, hz, watch = sys.argv[1:]
moved, t_kill, t_api, last_hello, hellos, disc, rec = map(int, (moved, t_kill, t_api, last_hello, hellos, disc, rec))
what = "sessions re-homed" if mode == "node" else "devices reconnected"
span = last_hello - t_kill
if counted == "1":
    print(f"{what}: {hellos} hellos after the kill for {moved} {'sessions' if mode == 'node' else 'connections'} on the killed process")
    print(f"kill -> last hello: {span} ms = {hellos / max(span, 1) * 1000:.0f} per second")
else:
    print(f"{moved} on the killed process; the simulator counts no hellos: the API's time only")
if t_api:
    print(f"kill -> the API shows all of them: {t_api - t_kill} ms (polled every 100 ms; reports lag up to 1 s)")
print(f"simulators: disconnects {disc}, reconnects {rec} during the run")
print(f"CPU of {watch} from the kill to the end: {int(cpu) / int(hz):.2f} s")
PY
if [ -n "$push_pid" ]; then
  python3 -c "
import json,sys
p=json.load(open(sys.argv[1])); a=p['api_latency_ms']
print(f\"service API during the storm: {p['accepted']} of {p['issued']} pushes accepted, latency ms p50 {a['p50']:.2f} p99 {a['p99']:.2f} max {a['max']:.2f}\")" "$work/push.json"
fi
