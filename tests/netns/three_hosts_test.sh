#!/usr/bin/env bash
# ctest netns_three_hosts: examples/netns/three-hosts.sh end to end. Brings up
# three-hosts.toml in network namespaces (nine tetherd processes on three
# "hosts"), registers a device from the client namespace, checks that its
# cluster URL is a balancer address in the balancers' namespace, connects
# simulated devices to both clusters, pushes one job to each and waits until
# every job is done, then runs `down` and checks that nothing is left.
# Skips (exit 77) where network namespaces cannot be created.
#
# Environment (set by tests/netns/CMakeLists.txt): TETHERD, TETHER_TERMINAL.
set -euo pipefail

: "${TETHERD:?TETHERD must name the tetherd binary}"
: "${TETHER_TERMINAL:?TETHER_TERMINAL must name the tether-terminal binary}"
script=$(cd "$(dirname "$0")/../.." && pwd)/examples/netns/three-hosts.sh
export TETHERD
export TTH_PREFIX=tthtest$$
export TTH_STATE_DIR
TTH_STATE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/tether-netns-test.XXXXXX")
export TTH_READY_TIMEOUT=90
P=$TTH_PREFIX
started=$SECONDS

log() { echo "[$((SECONDS - started))s] $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
trap 'echo "FAIL: line $LINENO: $BASH_COMMAND" >&2' ERR

out=$(bash "$script" check 2>&1) && rc=0 || rc=$?
if (( rc != 0 )); then
  rm -rf "$TTH_STATE_DIR"
  if [[ $rc == 4 ]]; then
    echo "SKIP: network namespaces cannot be created here (needs root: CAP_SYS_ADMIN and CAP_NET_ADMIN)"
    echo "$out"
    exit 77
  fi
  fail "three-hosts.sh check: $out"
fi
command -v curl >/dev/null || fail "needs curl"

on_exit() {
  local rc=$?
  if (( rc != 0 )); then
    local f
    for f in "$TTH_STATE_DIR"/log/*.log "$TTH_STATE_DIR"/sim-*.out; do
      [[ -e $f ]] || continue
      echo "--- last lines of $f" >&2
      tail -n 15 "$f" >&2
    done
  fi
  bash "$script" down >/dev/null 2>&1 || true
  rm -rf "$TTH_STATE_DIR"
}
trap on_exit EXIT

in_ns() { bash "$script" exec "$@"; }
# field NAME: the first string value "NAME":"..." of the JSON on stdin.
field() { grep -o "\"$1\":\"[^\"]*\"" | head -n1 | cut -d'"' -f4 || true; }
# api METHOD PATH [BODY]: an HTTP call to the gateway from the client namespace.
# The admin key is in the control process's data directory (its secrets).
api() {
  local key
  key=$(cat "$TTH_STATE_DIR"/data/*/secrets/admin-key 2>/dev/null | head -n1)
  in_ns client curl -s -m 5 --cacert "$TTH_STATE_DIR/tls/ca.pem" -H "Authorization: Bearer $key" -X "$1" \
    "https://$gw$2" ${3:+-d "$3"}
}
# device_api ID METHOD PATH [BODY]: the same, signed as device ID with the
# enrollment key of group "default" (docs/API.md "Device identity").
device_api() {
  local id=$1 method=$2 path=$3 body=${4:-} key dk ts nonce sig
  key=$(cat "$TTH_STATE_DIR/data/control/secrets/enrollment/default")
  dk=$(printf '%s' "$id" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key" | awk '{print $NF}')
  ts=$(date +%s) nonce=$(openssl rand -hex 16)
  sig=$(printf '%s\n%s\n%s\n%s\n%s' "$method" "$path" "$ts" "$nonce" \
          "$(printf '%s' "$body" | sha256sum | cut -d' ' -f1)" \
        | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$dk" | awk '{print $NF}')
  in_ns client curl -s -m 5 --cacert "$TTH_STATE_DIR/tls/ca.pem" -X "$method" "https://$gw$path" ${body:+-d "$body"} \
    -H "Authorization: Tether-Device kid=default,ts=$ts,nonce=$nonce,sig=$sig"
}
# eventually SECONDS CMD...: CMD succeeds before the deadline.
eventually() {
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    (( SECONDS < deadline )) || return 1
    sleep 0.5
  done
}

# --- up ----------------------------------------------------------------------
log "up ($P, state in $TTH_STATE_DIR)"
bash "$script" up || fail "three-hosts.sh up failed"
bash "$script" status >/dev/null || { bash "$script" status; fail "status after up is not ok"; }
gw=$(field http <"$TTH_STATE_DIR/run/control.ready")
[[ -n $gw ]] || fail "control.ready names no http address: $(cat "$TTH_STATE_DIR/run/control.ready")"
log "gateway https://$gw"

# --- one device registers from the client namespace ---------------------------
# Ready processes may still be connecting to each other: until then the
# gateway may answer 503.
register_probe() {
  reply=$(device_api probe-1 POST /v1/terminals/register '{"terminal_id":"probe-1","region":"GG1"}') \
    && [[ $(field cluster_id <<<"$reply") == C1 ]]
}
eventually 30 register_probe || fail "register: expected cluster C1 within 30 s, last answer: $reply"
url=$(grep -o '"cluster_urls":\["[^"]*"' <<<"$reply" | cut -d'"' -f4 || true)
[[ $url =~ ^wss://([0-9.]+):([0-9]+)/ ]] || fail "register: no wss cluster URL in: $reply"
host=${BASH_REMATCH[1]} hostport=${BASH_REMATCH[1]}:${BASH_REMATCH[2]}
# The URL's address is eth0 of the balancers' namespace (not the client's or
# the control's), and a C1 balancer process says it listens there.
ns=$(ip netns list | awk '{print $1}' | grep -E "^$P-h[0-9]+$" | while read -r n; do
       if ip -n "$n" -4 -o addr show dev eth0 | grep -q " $host/"; then echo "$n"; fi; done)
[[ -n $ns ]] || fail "cluster URL $url: $host is no host namespace's address"
grep -qs "$hostport" "$TTH_STATE_DIR"/run/C1-b1.ready "$TTH_STATE_DIR"/run/C1-b2.ready \
  || fail "cluster URL $url is not in the ready file of C1-b1 or C1-b2"
for b in C1-b1 C1-b2; do
  [[ $(ip netns identify "$(cat "$TTH_STATE_DIR/run/$b.pid")") == "$ns" ]] \
    || fail "balancer process $b does not run in $ns"
done
[[ $(device_api probe-1 GET /v1/terminals/probe-1/destination | field cluster_id) == C1 ]] \
  || fail "destination of probe-1 is not C1"
log "probe-1 registered: $url (namespace $ns)"

# --- simulated devices, in both clusters --------------------------------------
count=4
for fleet in a:GG1 b:GG2; do
  id=${fleet%%:*} region=${fleet#*:}
  # Not through a function: `exec` execs ip, which execs the simulator, so $!
  # is the simulator's pid.
  bash "$script" exec client "$TETHER_TERMINAL" --server "https://$gw" --ca "$TTH_STATE_DIR/tls/ca.pem" --data "$TTH_STATE_DIR/data/control" \
    --count $count --id-prefix "ns$id-" \
    --region "$region" --duration-s 150 --stats-interval-s 0 \
    --stats-json "$TTH_STATE_DIR/sim-$id.json" --backoff-min-ms 200 --backoff-max-ms 2000 \
    </dev/null >"$TTH_STATE_DIR/sim-$id.out" 2>&1 &
  echo $! >"$TTH_STATE_DIR/sim-$id.pid"
done

# all_connected PREFIX CLUSTER: every device of the fleet has a session on a
# node of CLUSTER.
all_connected() {
  local i t id=${1:2:1}
  kill -0 "$(cat "$TTH_STATE_DIR/sim-$id.pid")" 2>/dev/null \
    || fail "simulator $id exited early (its output is below)"
  for ((i = 0; i < count; i++)); do
    t=$(api GET "/v1/terminals/$1$i") || return 1
    grep -q '"connected":true' <<<"$t" || return 1
    [[ $(field cluster_id <<<"$t") == "$2" && $(field node_id <<<"$t") == "$2"-n* ]] || return 1
  done
}
eventually 60 all_connected nsa- C1 || fail "fleet nsa- (GG1) not all connected on C1 nodes"
eventually 60 all_connected nsb- C2 || fail "fleet nsb- (GG2) not all connected on C2 nodes"
log "$((2 * count)) devices connected: $(api GET /v1/terminals/nsa-0 | field node_id), $(api GET /v1/terminals/nsb-0 | field node_id), ..."

# --- one job per device; the device fetches print_url from the gateway ---------
jobs=()
for id in a b; do
  for ((i = 0; i < count; i++)); do
    reply=$(api POST "/v1/terminals/ns$id-$i/jobs" \
      "{\"service\":\"print\",\"payload\":{\"print_url\":\"https://$gw/healthz\"}}")
    j=$(field job_id <<<"$reply")
    [[ -n $j ]] || fail "push to ns$id-$i: $reply"
    jobs+=("$j")
  done
done
all_done() {
  local j
  for j in "${jobs[@]}"; do
    [[ $(api GET "/v1/jobs/$j" | field status) == done ]] || return 1
  done
}
eventually 60 all_done || fail "not every job done: $(for j in "${jobs[@]}"; do api GET "/v1/jobs/$j" | field status; done | sort | uniq -c | tr '\n' ' ')"
log "${#jobs[@]} jobs done"

for id in a b; do
  kill -TERM "$(cat "$TTH_STATE_DIR/sim-$id.pid")"
  wait "$(cat "$TTH_STATE_DIR/sim-$id.pid")" || fail "simulator $id exited with $?"
  grep -q "\"done\":$count[,}]" "$TTH_STATE_DIR/sim-$id.json" \
    || fail "simulator $id counters: $(cat "$TTH_STATE_DIR/sim-$id.json")"
done

# --- down leaves nothing --------------------------------------------------------
pids=$(cat "$TTH_STATE_DIR"/run/*.pid)
bash "$script" down || fail "three-hosts.sh down failed"
left=$(ip netns list | awk '{print $1}' | grep -E "^$P-" || true)
[[ -z $left ]] || fail "namespaces left after down: $left"
for p in $pids; do
  ! kill -0 "$p" 2>/dev/null || fail "process $p still runs after down"
done
! ip -o link show | grep -q "$P" || fail "interfaces named $P* left in the root namespace"
rc=0; bash "$script" status >/dev/null || rc=$?
[[ $rc == 3 ]] || fail "status after down: exit $rc, expected 3 (down)"
bash "$script" down >/dev/null || fail "a second down failed"
log "down: nothing left. PASS"
