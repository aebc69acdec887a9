#!/usr/bin/env bash
# Work per connect, counted where the machine's load does not move it
# (issue 12 items 3 and 7): tetherd runs under valgrind's callgrind,
# instrumented only while N devices connect at RAMP a second (register over
# HTTP + WebSocket upgrade + hello, the simulator of idle-connections.sh),
# then prints instructions per device and, per device, the calls of the
# functions that count wake-ups and messages (CAF's resume and consume, the
# clock's events, Asio posts, the store's synced writes).
#
#   bash examples/bench/connect-callgrind.sh [N] [RAMP] [OUT]
#
# N defaults to 2000, RAMP to 100 (callgrind slows tetherd about 50x: keep
# the ramp low enough that nothing times out). OUT (default
# /tmp/tether-connect-callgrind.out) keeps the profile for callgrind_annotate.
# TETHER_BUILD_DIR and TETHER_SIM_DIR as in the other scripts.
# TETHER_CALLGRIND_SIM=1: the simulator is profiled instead of tetherd (from
# its start until every device is connected), tetherd runs natively.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
build=${TETHER_BUILD_DIR:-./build}
sim_dir=${TETHER_SIM_DIR:-$build/examples}
n=${1:-2000}
ramp=${2:-100}
out=${3:-/tmp/tether-connect-callgrind.out}
command -v valgrind >/dev/null || { echo "valgrind missing: apt-get install valgrind" >&2; exit 1; }
work=$(mktemp -d /tmp/tether-callgrind-XXXXXX)
sim_pid='' server_pid=''
trap 'kill $sim_pid $server_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
bench_topology "$work/topology.toml"
on_sim=${TETHER_CALLGRIND_SIM:-0}
cg=(valgrind --tool=callgrind "--callgrind-out-file=$work/callgrind.out.%p")
server_wrap=("${cg[@]}" --instr-atstart=no) sim_wrap=()
[ "$on_sim" = 0 ] || { sim_wrap=("${cg[@]}"); server_wrap=(); }
"${server_wrap[@]}" "$build"/net/tetherd --config "$work/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 \
  --data "$work/data" --ready-file "$work/ready.json" --log-level warn >"$work/tetherd.log" 2>&1 &
server_pid=$!
for _ in $(seq 600); do [ -f "$work/ready.json" ] && break; sleep 0.1; done
[ -f "$work/ready.json" ] || { cat "$work/tetherd.log"; echo "tetherd did not start" >&2; exit 1; }
http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$work/ready.json")
connections() {
  curl -s -H "Authorization: Bearer $(cat "$work/data/secrets/admin-key")" "http://$http/v1/admin/clusters" |
    python3 -c "import json,sys;print(sum(c['connections'] for c in json.load(sys.stdin)['clusters']))"
}
sleep 2
if [ "$on_sim" = 0 ]; then
  callgrind_control -z "$server_pid" >/dev/null 2>&1
  callgrind_control -i on "$server_pid" >/dev/null 2>&1
fi
start=$(date +%s.%N)
"${sim_wrap[@]}" "$sim_dir"/tether-terminal --server "http://$http" --data "$work/data" --count "$n" --id-prefix bench- \
  --region GG1 --model GJ1 --ramp-per-s "$ramp" --source-addrs 127.0.0.2-127.0.0.21 \
  --stats-interval-s 0 --log-level warn >"$work/sim.log" 2>&1 &
sim_pid=$!
# Every device connected, polled once a second for at most 900 s.
for (( waited = 0; $(connections 2>/dev/null || echo 0) < n; waited++ )); do
  (( waited < 900 )) || { echo "timeout: $(connections) of $n connected" >&2; exit 1; }
  sleep 1
done
end=$(date +%s.%N)
profiled=$server_pid
[ "$on_sim" = 0 ] || profiled=$sim_pid
callgrind_control -d connected "$profiled" >/dev/null 2>&1
callgrind_control -i off "$profiled" >/dev/null 2>&1
profile=$(ls "$work"/callgrind.out.*.[0-9]* | tail -n 1)
cp "$profile" "$out"
echo "$n devices connected at a ramp of $ramp/s in $(python3 -c "print(f'{$end - $start:.1f}')") s; profiled: $([ "$on_sim" = 0 ] && echo "tetherd (includes the status polls: one a second)" || echo "the simulator")"
python3 examples/bench/callgrind_calls.py "$out" "$n" \
  'caf::scheduled_actor::resume(' 'caf::scheduled_actor::consume(caf::mailbox_element&)' \
  'thread_safe_actor_clock::push' 'caf::scheduler::worker<' 'strand_executor_service::do_execute' \
  'rocksdb::DBImpl::Write(' 'SyncWAL' 'EVP_DigestSign(' 'crypto_sign_' 'tether::' | head -n 60
echo "profile: $out (callgrind_annotate $out)"
