#!/usr/bin/env bash
# mixed-restart.sh OLD_BUILD NEW_BUILD: one data directory written by an old and a new tetherd in
# turn (e.g. main before and after a storage change: the stored format must read both ways), each
# ended by kill -9 with every job done; after each restart GET /v1/jobs must list every job
# done so far, and a terminal's history must hold its records.
set -uo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
w=$(mktemp -d /tmp/tether-mixed-XXXXXX)
bench_topology "$w/topology.toml"
old=${1:?old build dir (net/tetherd, examples/...)}; new=${2:?new build dir}
srv=""; sim=""; failed=0
trap 'kill -9 $srv $sim 2>/dev/null; rm -rf "$w"' EXIT
start() {  # start BUILD
  rm -f "$w/ready.json"
  "$1/net/tetherd" --config "$w/topology.toml" --http 127.0.0.1:0 --ws-base-port 0 --data "$w/data" \
    --ready-file "$w/ready.json" --log-level warn >>"$w/tetherd.log" 2>&1 &
  srv=$!
  for _ in $(seq 300); do [ -f "$w/ready.json" ] && break; sleep 0.1; done
  http=$(python3 -c "import json,sys;print(json.load(open(sys.argv[1]))['http'])" "$w/ready.json")
  auth="Authorization: Bearer $(cat "$w/data/secrets/admin-key")"
}
count() {  # jobs listed (per terminal, 20 terminals), and how many done
  python3 - "$http" "$(cat "$w/data/secrets/admin-key")" <<'PY'
import json, sys, urllib.request
n = d = 0
for i in range(20):
    r = urllib.request.Request(f"http://{sys.argv[1]}/v1/jobs?terminal_id=mixed-{i}&limit=1000",
                               headers={"Authorization": "Bearer " + sys.argv[2]})
    j = json.load(urllib.request.urlopen(r))["jobs"]
    n += len(j); d += sum(x["status"] == "done" for x in j)
print(n, d)
PY
}
round() {  # round BUILD N_BEFORE: check, push 300 more, wait until done, kill -9
  start "$1"
  local got; got=$(count)
  echo "$([ "$1" = "$old" ] && echo old || echo new) ($1): after restart: jobs listed, done: $got (expected $2 $2)"
  [ "$got" = "$2 $2" ] || failed=1
  echo "  history of mixed-0: $(curl -s -H "$auth" "http://$http/v1/terminals/mixed-0/history?limit=1000" | python3 -c "import json,sys;print(len(json.load(sys.stdin)['records']))" 2>/dev/null) records"
  "$1/examples/tether-terminal" --server "http://$http" --data "$w/data" --count 20 --id-prefix mixed- \
    --region GG1 --model GJ1 --ramp-per-s 0 --log-level warn >"$w/sim.out" 2>"$w/sim.log" &
  sim=$!
  sleep 3
  "$1/examples/tether-push-bench" --server "http://$http" --id-prefix mixed- --count 20 \
    --api-key-file "$w/data/secrets/admin-key" --concurrency 4 --rate 0 --duration-s 30 --jobs 300 \
    --bulk 10 --json "$w/push.json" >"$w/push.out" 2>&1
  for _ in $(seq 60); do read -r n d <<<"$(count)"; [ "$d" -ge $(( $2 + 300 )) ] 2>/dev/null && break; sleep 0.5; done
  echo "  pushed 300: jobs listed, done: $(count)"
  sleep 1.5  # one tick: history records handed to the store
  kill -9 $srv $sim; wait $srv $sim 2>/dev/null
}
round "$old" 0
round "$new" 300
round "$old" 600
round "$new" 900
start "$new"; got=$(count)
echo "new at the end: jobs listed, done: $got (expected 1200 1200)"
[ "$got" = "1200 1200" ] || failed=1
[ "$failed" = 0 ] && echo "mixed restarts: every job read back" || { echo "mixed restarts: FAILED"; exit 1; }
