#!/usr/bin/env bash
# Benchmark: a large idle fleet on one machine, as many OS processes as the
# open-file limit needs (issue 12, item 1).
#
#   bash examples/bench/fleet.sh [DEVICES] [HOLD_S] [BALANCERS] [SIMULATORS]
#
# DEVICES (default 150000) simulated devices, split evenly over two clusters
# (regions GG1 and GG2) and over SIMULATORS simulator processes (default 10);
# each cluster has BALANCERS/2 balancer processes (default 10 in all) and two
# node processes; one more process holds the gateway, control, selector and
# cluster manager with the store. Every process gets its own open-file limit
# (20,000 here), so DEVICES/BALANCERS and DEVICES/SIMULATORS must stay below it.
#
# The script starts the processes, starts the simulators (RAMP devices a
# second each, `TETHER_FLEET_RAMP`, default 150), waits until the API counts
# every device connected, then holds the fleet idle for HOLD_S seconds
# (default 600) with keepalive 30 s, and prints: every process's RSS, PSS
# (shared library pages divided among the processes that map them: the PSS
# sum is what the server takes of the machine's memory, the RSS sum counts
# those pages once per process), anonymous memory and open files, the CPU
# each process used during the hold (share of one core), the
# connects, disconnects and reconnects the simulators counted during the hold,
# and the pings the devices answered (a missed keepalive closes the socket, so
# it shows as a disconnect). Ports: `TETHER_FLEET_PORT_BASE` (default 19400)
# and the next 40. Needs a build in ./build (or TETHER_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/../.."
devices=${1:-150000}
hold=${2:-600}
balancers=${3:-10}
sims=${4:-10}
ramp=${TETHER_FLEET_RAMP:-150}
port=${TETHER_FLEET_PORT_BASE:-19400}
build=${TETHER_BUILD_DIR:-build}
if [ $((balancers % 2)) -ne 0 ] || [ "$sims" -lt 2 ] || [ $((sims % 2)) -ne 0 ]; then
  echo "BALANCERS and SIMULATORS must be even (two clusters)" >&2; exit 2
fi
limit=$(ulimit -Hn)
ulimit -n "$limit"
if [ $((devices / balancers + 100)) -ge "$limit" ] || [ $((devices / sims + 100)) -ge "$limit" ]; then
  echo "DEVICES/BALANCERS and DEVICES/SIMULATORS must stay below the open-file limit ($limit)" >&2
  exit 2
fi
work=$(mktemp -d /tmp/tether-fleet-XXXXXX)
pids=()
sim_pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

http=127.0.0.1:$port
# topology: two clusters, BALANCERS/2 balancer processes and two node
# processes each, one control process; abuse limits raised (every simulator
# connects from 20 loopback addresses, far more than a NAT's share).
{
  printf '[labels]\nitems = ["region", "model"]\n\n'
  printf '[timers]\nkeepalive = "30s"\nkeepalive_misses = 2\nheartbeat = "1s"\nfailure_timeout = "5s"\n\n'
  printf '[limits]\nws_accept_rate = 100000\nws_accept_burst = 100000\nws_total_accept_rate = 100000\n'
  printf 'register_rate = 100000\nregister_burst = 100000\nws_max_connections = 1000000\n'
  printf '\n'
  printf '[auth]\nsecrets_from = "%s/control"\n\n' "$work"
  printf '[[processes]]\nname = "control"\nhost = "127.0.0.1"\ncaf_port = %d\n' $((port + 1))
  printf 'roles = ["gateway", "control", "selector", "cluster_manager"]\n'
  printf 'http = "%s"\ndata = "%s/control"\n\n' "$http" "$work"
  caf=$((port + 2))
  ws=$((port + 20))
  for c in 1 2; do
    printf '[[clusters]]\nid = "C%d"\nlabels = { region = ["GG%d"], model = "*" }\n' $c $c
    printf 'nodes = ["C%d-n1", "C%d-n2"]\n' $c $c
    for b in $(seq $((balancers / 2))); do
      printf '  [[clusters.balancers]]\n  id = "C%d-b%d"\n  listen = "127.0.0.1:%d"\n' $c "$b" $ws
      ws=$((ws + 1))
    done
    printf '\n'
  done
  for c in 1 2; do
    for b in $(seq $((balancers / 2))); do
      printf '[[processes]]\nname = "C%d-b%d"\ncaf_port = %d\nroles = ["balancer"]\nbalancers = ["C%d-b%d"]\n\n' \
        $c "$b" $caf $c "$b"
      caf=$((caf + 1))
    done
    for n in 1 2; do
      printf '[[processes]]\nname = "C%d-n%d"\ncaf_port = %d\nroles = ["node"]\nnodes = ["C%d-n%d"]\n' \
        $c $n $caf $c $n
      printf '  [processes.scheduler]\n  max_threads = 1\n\n'
      caf=$((caf + 1))
    done
  done
} >"$work/fleet.toml"

names=(control)
for c in 1 2; do
  for b in $(seq $((balancers / 2))); do names+=("C$c-b$b"); done
  names+=("C$c-n1" "C$c-n2")
done
declare -A pid_of
for name in "${names[@]}"; do
  "$build/net/tetherd" --config "$work/fleet.toml" --process "$name" --log-level warn \
    >"$work/$name.log" 2>&1 &
  pid_of[$name]=$!
  pids+=($!)
  if [ "$name" = control ]; then
    for _ in $(seq 150); do
      curl -sf "http://$http/healthz" >/dev/null 2>&1 && break
      sleep 0.2
    done
  fi
done
key=$(cat "$work/control/secrets/admin-key")
api() { curl -sf -H "Authorization: Bearer $key" "http://$http$1"; }
connected() {
  api /v1/admin/clusters |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))" \
    2>/dev/null || echo 0
}
sleep 3

echo "$(date -u +%FT%TZ) $(uptime | sed 's/.*load/load/'): starting $devices devices" \
  "on $balancers balancers, 4 nodes, $sims simulators ($ramp/s each)"
start=$(date +%s.%N)
per=$((devices / sims))
for i in $(seq 0 $((sims - 1))); do
  region=GG$((i % 2 + 1))
  "$build/examples/tether-terminal" --server "http://$http" --data "$work/control" \
    --count "$per" --id-prefix "F$i-" --region "$region" --model GJ1 --ramp-per-s "$ramp" \
    --source-addrs "127.0.$((10 + i)).1-127.0.$((10 + i)).20" --stats-interval-s 5 \
    --log-level warn >"$work/sim$i.out" 2>"$work/sim$i.err" &
  pids+=($!)
  sim_pids+=($!)
done
total=$((per * sims))
deadline=$(( $(date +%s) + 900 ))
while true; do
  now=$(connected)
  [ "$now" -ge "$total" ] && break
  [ "$(date +%s)" -lt "$deadline" ] || { echo "timeout: $now of $total connected" >&2; exit 1; }
  sleep 2
done
end=$(date +%s.%N)
echo "all $total connected in $(python3 -c "print(f'{$end-$start:.1f}')") s" \
  "($(python3 -c "print(round($total/($end-$start)))") devices/s)"
sleep 10   # first keepalives, allocator settling

# last counters line of every simulator: "name=value ..." fields summed
sim_totals() {
  for i in $(seq 0 $((sims - 1))); do tail -n 1 "$work/sim$i.out"; done |
    python3 -c '
import sys, collections
t = collections.Counter()
for line in sys.stdin:
    for f in line.split():
        k, _, v = f.partition("=")
        try: t[k] += int(v)
        except ValueError: pass
print(" ".join(f"{k}={t[k]}" for k in ("connected","registered","register_failures","disconnects","reconnects","connect_failures","pings")))'
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
declare -A cpu0
for name in "${names[@]}"; do cpu0[$name]=$(cpu_ticks "${pid_of[$name]}"); done
sim_cpu0=0
for p in "${sim_pids[@]}"; do sim_cpu0=$((sim_cpu0 + $(cpu_ticks "$p"))); done
before=$(sim_totals)
echo "hold starts: simulators $before"
sleep "$hold"
after=$(sim_totals)
echo "hold ends after $hold s: simulators $after; API counts $(connected) connected"
python3 - "$before" "$after" <<'PY'
import sys
b, a = (dict(f.split("=") for f in s.split()) for s in sys.argv[1:3])
print("during the hold: " + " ".join(f"{k}=+{int(a[k]) - int(b[k])}" for k in a))
PY
hz=$(getconf CLK_TCK)
# KiB of a /proc/PID/smaps_rollup field (Pss: each shared page divided by the
# processes that map it; Anonymous: the process's own heap and stacks).
smaps_kib() { awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/smaps_rollup"; }
printf '%-10s %12s %12s %12s %10s %14s\n' process RSS_MiB PSS_MiB anon_MiB open_fds hold_CPU_%
rss_sum=0 pss_sum=0 anon_sum=0
for name in "${names[@]}"; do
  p=${pid_of[$name]}
  rss=$(awk '/VmRSS/ {print $2}' "/proc/$p/status")
  pss=$(smaps_kib "$p" Pss)
  anon=$(smaps_kib "$p" Anonymous)
  rss_sum=$((rss_sum + rss)) pss_sum=$((pss_sum + pss)) anon_sum=$((anon_sum + anon))
  fds=$(ls "/proc/$p/fd" | wc -l)
  cpu=$(( $(cpu_ticks "$p") - ${cpu0[$name]} ))
  printf '%-10s %12.1f %12.1f %12.1f %10d %14.2f\n' "$name" "$(echo "$rss / 1024" | bc -l)" \
    "$(echo "$pss / 1024" | bc -l)" "$(echo "$anon / 1024" | bc -l)" "$fds" \
    "$(echo "100 * $cpu / $hz / $hold" | bc -l)"
done
# RSS counts the shared libraries' pages once per process; PSS divides them
# among the processes, so the PSS sum is the memory the server takes.
printf 'server, %d processes: RSS %.1f MiB (%.2f KiB a device), PSS %.1f MiB (%.2f KiB a device), anonymous %.1f MiB\n' \
  "${#names[@]}" "$(echo "$rss_sum / 1024" | bc -l)" "$(echo "$rss_sum / $total" | bc -l)" \
  "$(echo "$pss_sum / 1024" | bc -l)" "$(echo "$pss_sum / $total" | bc -l)" \
  "$(echo "$anon_sum / 1024" | bc -l)"
sim_cpu=0 sim_rss=0 sim_pss=0 sim_anon=0
for p in "${sim_pids[@]}"; do
  sim_cpu=$((sim_cpu + $(cpu_ticks "$p")))
  sim_rss=$((sim_rss + $(awk '/VmRSS/ {print $2}' "/proc/$p/status")))
  sim_pss=$((sim_pss + $(smaps_kib "$p" Pss)))
  sim_anon=$((sim_anon + $(smaps_kib "$p" Anonymous)))
done
printf '%-10s %12.1f %12.1f %12.1f %10s %14.2f\n' simulators "$(echo "$sim_rss / 1024" | bc -l)" \
  "$(echo "$sim_pss / 1024" | bc -l)" "$(echo "$sim_anon / 1024" | bc -l)" - \
  "$(echo "100 * ($sim_cpu - $sim_cpu0) / $hz / $hold" | bc -l)"
echo "server logs with warnings or errors:"
grep -l -i -E "error|warn" "$work"/*.log || echo "  none"
