#!/usr/bin/env bash
# Runs examples/topologies/three-hosts.toml on one machine: every `host` of the
# file becomes a network namespace with that address, all joined by one Linux
# bridge, and every [[processes]] table becomes one `tetherd --process NAME`
# inside the namespace of its host. A further namespace, "client", stands for
# the devices' and services' side of the network.
#
#   three-hosts.sh up            create the namespaces, start every process, wait until ready
#   three-hosts.sh status        namespaces, addresses, processes, gateway health
#   three-hosts.sh exec WHERE CMD...
#                                run CMD in a namespace; WHERE is client, a process
#                                name (control, C1-b1, ...), a host address, or h1, h2, ...
#   three-hosts.sh down          stop the processes, delete the namespaces (idempotent;
#                                also cleans up after a crash); data and logs stay
#   three-hosts.sh purge         down, then delete the state directory (data, logs)
#   three-hosts.sh check         exit 0 if this machine can create namespaces, else 4
#
# Layout (prefix P, default "tth"): namespace P-sw holds the bridge br0; each
# host namespace P-h1, P-h2, ... has eth0 (a veth whose other end is on br0)
# with the host's address; P-client has eth0 with TTH_CLIENT_ADDR. Nothing is
# created in the machine's own namespace, so two prefixes never clash, even
# with the same addresses.
#
# TLS: the gateway and the balancers listen off loopback, so tetherd refuses
# to start them without TLS ([edge_tls], docs/SECURITY.md). Unless the file
# has an [edge_tls] table, `up` makes a deployment CA and one certificate for
# every host address with the openssl command (STATE/tls/: ca.pem, edge.pem,
# edge-key.pem) and adds [edge_tls] to the file the processes run with.
# Clients trust STATE/tls/ca.pem: curl --cacert, tether-terminal --ca.
#
# Needs root (ip netns needs CAP_SYS_ADMIN and CAP_NET_ADMIN), iproute2, curl
# and openssl.
# Environment:
#   TETHERD            tetherd binary (default: build/net/tetherd of this repo, else PATH)
#   TTH_PREFIX         name prefix of namespaces (default tth)
#   TTH_CONFIG         topology file (default examples/topologies/three-hosts.toml)
#   TTH_STATE_DIR      data, logs, ready files (default /tmp/$TTH_PREFIX-netns)
#   TTH_CLIENT_ADDR    address of the client namespace (default: .200 of the first host's /24)
#   TTH_PREFIX_LEN     prefix length of the hosts' network (default 24)
#   TTH_READY_TIMEOUT  seconds `up` waits for every process and the gateway (default 60)
#   TTH_LOG_LEVEL      tetherd --log-level (default info)
#   TTH_KEEP           1: when `up` fails, leave everything running for inspection
# Exit codes: 0 ok, 1 failure, 2 bad usage, 4 namespaces cannot be created here.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
P=${TTH_PREFIX:-tth}
CONFIG=${TTH_CONFIG:-$repo/examples/topologies/three-hosts.toml}
STATE=${TTH_STATE_DIR:-/tmp/$P-netns}
PREFIX_LEN=${TTH_PREFIX_LEN:-24}
READY_TIMEOUT=${TTH_READY_TIMEOUT:-60}
LOG_LEVEL=${TTH_LOG_LEVEL:-info}
if [[ -z ${TETHERD:-} ]]; then
  if [[ -x $repo/build/net/tetherd ]]; then TETHERD=$repo/build/net/tetherd
  else TETHERD=$(command -v tetherd || true); fi
fi

SW=$P-sw
CLIENT=$P-client

say() { echo "three-hosts: $*"; }
die() { local code=$1; shift; echo "three-hosts: $*" >&2; exit "$code"; }

[[ $P =~ ^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$ ]] \
  || die 2 "TTH_PREFIX must be 1-32 of [A-Za-z0-9_.-], starting with a letter or digit: '$P'"

# --- the topology: "name host" per [[processes]] table, hosts in order ---------

# Prints "NAME HOST" for every [[processes]] table of $CONFIG (host defaults to
# 127.0.0.1, as in the parser). Keys of subtables ([processes.scheduler]) are
# not the process's own.
read_processes() {
  awk '
    function val(s) { sub(/^[^=]*=[[:space:]]*"/, "", s); sub(/".*$/, "", s); return s }
    function flush() {
      if (inproc && name != "") print name, (host == "" ? "127.0.0.1" : host)
      name = ""; host = ""
    }
    /^[[:space:]]*\[\[processes\]\]/ { flush(); inproc = 1; sub_ = 0; next }
    /^[[:space:]]*\[processes\./     { sub_ = 1; next }
    /^[[:space:]]*\[/                { flush(); inproc = 0; next }
    inproc && !sub_ && /^[[:space:]]*name[[:space:]]*=/ { name = val($0) }
    inproc && !sub_ && /^[[:space:]]*host[[:space:]]*=/ { host = val($0) }
    END { flush() }
  ' "$CONFIG"
}

load_topology() {
  [[ -r $CONFIG ]] || die 2 "cannot read topology file $CONFIG"
  CONFIG=$(cd "$(dirname "$CONFIG")" && pwd)/$(basename "$CONFIG")
  names=(); proc_host=(); hosts=()
  local name host h seen
  while read -r name host; do
    names+=("$name"); proc_host+=("$host")
    seen=0
    for h in "${hosts[@]}"; do [[ $h == "$host" ]] && seen=1; done
    (( seen )) || hosts+=("$host")
  done < <(read_processes)
  (( ${#names[@]} > 0 )) || die 2 "$CONFIG has no [[processes]] tables"
  for h in "${hosts[@]}"; do
    [[ $h =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ && $h != 127.* ]] \
      || die 2 "$CONFIG: host '$h' must be an IPv4 address outside 127.0.0.0/8"
  done
  CLIENT_ADDR=${TTH_CLIENT_ADDR:-${hosts[0]%.*}.200}
  for h in "${hosts[@]}"; do
    [[ $h != "$CLIENT_ADDR" ]] || die 2 "client address $CLIENT_ADDR is a host of $CONFIG; set TTH_CLIENT_ADDR"
  done
}

# The namespace of host number i (0-based) is P-h(i+1).
ns_of_host() {
  local i
  for i in "${!hosts[@]}"; do
    [[ ${hosts[i]} == "$1" ]] && { echo "$P-h$((i + 1))"; return; }
  done
  return 1
}

ns_of_process() {
  local i
  for i in "${!names[@]}"; do
    [[ ${names[i]} == "$1" ]] && { ns_of_host "${proc_host[i]}"; return; }
  done
  return 1
}

# Our namespaces that exist now (exact names only: prefix "a" never touches "a-b-h1").
existing_namespaces() {
  ip netns list 2>/dev/null | awk '{print $1}' \
    | grep -E "^$(sed 's/[.]/\\./g' <<<"$P")-(sw|client|h[0-9]+)$" || true
}

# --- privileges -----------------------------------------------------------------

check_support() {
  command -v ip >/dev/null || die 4 "needs the 'ip' command (iproute2)"
  local probe=$P-probe$$ err
  if ! err=$(ip netns add "$probe" 2>&1); then
    die 4 "cannot create a network namespace: ${err//$'\n'/ }
three-hosts: this needs root (ip netns needs CAP_SYS_ADMIN and CAP_NET_ADMIN); running as uid $(id -u).
three-hosts: try: sudo $0 ${cmd:-up}"
  fi
  if ! err=$({ ip -n "$probe" link add br0 type bridge \
               && ip -n "$probe" link add v0 type veth peer name v1; } 2>&1); then
    ip netns del "$probe" 2>/dev/null || true
    die 4 "cannot create a bridge and veth pair in a namespace: ${err//$'\n'/ }"
  fi
  ip netns del "$probe"
}

# --- up ---------------------------------------------------------------------------

create_network() {
  ip netns add "$SW"
  ip -n "$SW" link set lo up
  ip -n "$SW" link add br0 type bridge
  ip -n "$SW" link set br0 up
  local i ns addr
  for i in "${!hosts[@]}"; do
    ns=$P-h$((i + 1)); addr=${hosts[i]}
    attach "$ns" "v$((i + 1))" "$addr"
  done
  attach "$CLIENT" vc "$CLIENT_ADDR"
}

# attach NS PORT ADDR: a namespace with loopback up and eth0 = ADDR, whose veth
# peer PORT is on the bridge.
attach() {
  local ns=$1 port=$2 addr=$3
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip -n "$SW" link add "$port" type veth peer name eth0 netns "$ns"
  ip -n "$SW" link set "$port" master br0 up
  ip -n "$ns" addr add "$addr/$PREFIX_LEN" dev eth0
  ip -n "$ns" link set eth0 up
}

start_process() {
  local name=$1 ns=$2
  mkdir -p "$STATE/run/$name" "$STATE/data/$name"
  # The working directory is the process's own, so relative paths of the file
  # (data = "tether-data/...") land in the state directory too. setsid: the
  # process outlives this script and the terminal it ran in.
  ( cd "$STATE/run/$name" \
      && exec setsid ip netns exec "$ns" "$TETHERD" --config "$RUN_CONFIG" --process "$name" \
           --data "$STATE/data/$name" --ready-file "$STATE/run/$name.ready" \
           --log-level "$LOG_LEVEL" </dev/null >>"$STATE/log/$name.log" 2>&1 ) &
  echo $! >"$STATE/run/$name.pid"
}

# The gateway's HOST:PORT, from the ready files ("http":"HOST:PORT"), or nothing.
gateway_address() {
  local f a
  for f in "$STATE"/run/*.ready; do
    [[ -e $f ]] || continue
    a=$(grep -o '"http":"[^"]*"' "$f" | head -n1 | cut -d'"' -f4) || true
    [[ -n $a ]] && { echo "$a"; return; }
  done
  return 0
}

healthz() {  # healthz HOST:PORT -> prints the body, status as exit code (0 = 200)
  ip netns exec "$(ns_of_host "${1%:*}")" \
    curl -s -m 3 --cacert "$STATE/tls/ca.pem" -o /dev/stdout -w '\n%{http_code}' "https://$1/healthz" 2>/dev/null \
    | { body=$(cat); code=${body##*$'\n'}; echo "${body%$'\n'*}"; [[ $code == 200 ]]; }
}

# A CA and a certificate for every host address (subjectAltName IP:...), made
# once per state directory with the openssl command.
make_certificates() {
  local dir=$STATE/tls san="" h
  [[ -s $dir/edge.pem && -s $dir/edge-key.pem && -s $dir/ca.pem ]] && return
  mkdir -p "$dir" && chmod 700 "$dir"
  for h in "${hosts[@]}"; do san+="${san:+,}IP:$h"; done
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 825 \
    -subj "/CN=tether three-hosts CA" -keyout "$dir/ca-key.pem" -out "$dir/ca.pem" 2>/dev/null
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=tether edge" -keyout "$dir/edge-key.pem" -out "$dir/edge.csr" 2>/dev/null
  printf 'subjectAltName=%s\nextendedKeyUsage=serverAuth\n' "$san" >"$dir/edge.ext"
  openssl x509 -req -in "$dir/edge.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca-key.pem" \
    -CAcreateserial -days 825 -extfile "$dir/edge.ext" -out "$dir/edge.pem" 2>/dev/null
  rm -f "$dir/edge.csr" "$dir/edge.ext"
}

fail_up() {
  echo "three-hosts: $*" >&2
  exit 1
}

# While `up` runs, any exit (a failed command under set -e, fail_up, Ctrl-C)
# other than success removes what it created, unless TTH_KEEP=1.
on_up_exit() {
  local rc=$?
  (( rc == 0 )) && return
  echo "three-hosts: up failed; logs: $STATE/log/" >&2
  if [[ ${TTH_KEEP:-0} == 1 ]]; then
    echo "three-hosts: TTH_KEEP=1: left as it is; '$0 down' removes it" >&2
  else
    do_down >/dev/null || true
  fi
}

do_up() {
  check_support
  [[ -n $TETHERD && -x $TETHERD ]] \
    || die 1 "no tetherd binary (set TETHERD, or build: cmake --build build)"
  "$TETHERD" --help 2>&1 | grep -q -- '--process' \
    || die 1 "$TETHERD has no --process option (it cannot run one process of a topology)"
  command -v curl >/dev/null || die 1 "needs curl (to ask the gateway's /healthz)"
  command -v openssl >/dev/null || die 1 "needs openssl (to make the TLS certificates)"
  local out
  out=$("$TETHERD" --check-config "$CONFIG" 2>&1) || die 1 "invalid topology: $out"
  [[ -z $(existing_namespaces) ]] \
    || die 1 "namespaces with prefix '$P' exist already ($(existing_namespaces | tr '\n' ' ')); run '$0 down' first, or set TTH_PREFIX"

  trap on_up_exit EXIT
  trap 'exit 130' INT TERM
  mkdir -p "$STATE/run" "$STATE/log" "$STATE/data"
  rm -f "$STATE"/run/*.ready "$STATE"/run/*.pid
  # Device credentials: every process reads those of the control process's
  # data directory ([auth] secrets_from, docs/SECURITY.md), unless the file
  # says otherwise. Written once, before any process reads it.
  RUN_CONFIG=$STATE/topology.toml
  cp "$CONFIG" "$RUN_CONFIG"
  if ! grep -q '^\[auth\]' "$CONFIG"; then
    printf '\n[auth]\nsecrets_from = "%s"\n' "$STATE/data/control" >>"$RUN_CONFIG"
  fi
  if ! grep -q '^\[edge_tls\]' "$CONFIG"; then
    make_certificates
    printf '\n[edge_tls]\ncert_file = "%s"\nkey_file = "%s"\n' \
      "$STATE/tls/edge.pem" "$STATE/tls/edge-key.pem" >>"$RUN_CONFIG"
  fi
  # Process TLS between the hosts (docs/SECURITY.md, "Between processes").
  if ! grep -q '^\[process_tls\]' "$RUN_CONFIG"; then
    bash "$repo/examples/make-certs.sh" "$STATE/certs" --config "$CONFIG" >/dev/null
    printf '\n[process_tls]\nca = "%s"\ncerts = "%s"\n' "$STATE/certs/ca.crt" "$STATE/certs" >>"$RUN_CONFIG"
  fi
  create_network
  local i
  for i in "${!names[@]}"; do
    start_process "${names[i]}" "$(ns_of_host "${proc_host[i]}")"
  done
  say "started ${#names[@]} processes on ${#hosts[@]} hosts; waiting for them (at most ${READY_TIMEOUT}s)"

  local deadline=$((SECONDS + READY_TIMEOUT)) name pending
  while :; do
    pending=()
    for name in "${names[@]}"; do
      if ! kill -0 "$(cat "$STATE/run/$name.pid")" 2>/dev/null; then
        tail -n 20 "$STATE/log/$name.log" >&2 || true
        fail_up "process $name exited before it was ready (its log is above)"
      fi
      [[ -e $STATE/run/$name.ready ]] || pending+=("$name")
    done
    (( ${#pending[@]} == 0 )) && break
    (( SECONDS < deadline )) || fail_up "not ready after ${READY_TIMEOUT}s: ${pending[*]}"
    sleep 0.2
  done

  local gw body
  gw=$(gateway_address)
  [[ -n $gw ]] || fail_up "no ready file names an http address (no gateway process?)"
  until body=$(healthz "$gw"); do
    (( SECONDS < deadline )) || fail_up "https://$gw/healthz did not answer 200 within ${READY_TIMEOUT}s: $body"
    sleep 0.5
  done
  say "up: gateway https://$gw (namespace $(ns_of_host "${gw%:*}")), devices and services in namespace $CLIENT ($CLIENT_ADDR)"
  say "try: $0 exec client curl -s --cacert $STATE/tls/ca.pem -H \"Authorization: Bearer \$(cat $STATE/data/*/secrets/admin-key)\" https://$gw/v1/admin/clusters"
  trap - EXIT INT TERM
}

# --- down ---------------------------------------------------------------------------

do_down() {
  command -v ip >/dev/null || die 4 "needs the 'ip' command (iproute2)"
  local namespaces ns pids p all=() deadline
  namespaces=$(existing_namespaces)
  # Every process inside our namespaces, whether started by `up` or by `exec`,
  # and whatever became of the pid files.
  for ns in $namespaces; do
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [[ -n $pids ]] && all+=($pids)
  done
  if (( ${#all[@]} )); then
    say "stopping ${#all[@]} processes"
    kill -TERM "${all[@]}" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while (( SECONDS < deadline )); do
      pids=()
      for p in "${all[@]}"; do kill -0 "$p" 2>/dev/null && pids+=("$p"); done
      (( ${#pids[@]} )) || break
      sleep 0.2
    done
    for p in "${all[@]}"; do
      kill -0 "$p" 2>/dev/null && { say "killing $p (no exit 10 s after SIGTERM)"; kill -KILL "$p" 2>/dev/null || true; }
    done
  fi
  # Deleting P-sw deletes the bridge and the veth ends on it; deleting a host
  # namespace deletes its eth0.
  for ns in $namespaces; do ip netns del "$ns" 2>/dev/null || true; done
  rm -f "$STATE"/run/*.ready "$STATE"/run/*.pid 2>/dev/null || true
  if [[ -n $namespaces ]]; then
    say "down: deleted namespaces $(echo $namespaces); data and logs stay in $STATE"
  else
    say "down: nothing to remove for prefix '$P'"
  fi
  [[ -z $(existing_namespaces) ]] || die 1 "some namespaces could not be deleted: $(existing_namespaces)"
}

# --- status ---------------------------------------------------------------------------

do_status() {
  local ns i name pid state ok=1 gw body
  if [[ -z $(existing_namespaces) ]]; then
    say "down (no namespaces with prefix '$P')"
    return 3
  fi
  for i in "${!hosts[@]}"; do
    ns=$P-h$((i + 1))
    if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
      echo "$ns  ${hosts[i]}"
    else
      echo "$ns  ${hosts[i]}  MISSING"; ok=0
    fi
  done
  echo "$CLIENT  $CLIENT_ADDR  (devices, services)"
  for i in "${!names[@]}"; do
    name=${names[i]}
    pid=$(cat "$STATE/run/$name.pid" 2>/dev/null || true)
    if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
      state="running pid $pid"
      [[ -e $STATE/run/$name.ready ]] && state+=", ready $(cat "$STATE/run/$name.ready")"
    else
      state="NOT RUNNING"; ok=0
    fi
    printf '  %-10s %-12s %s\n' "$name" "$(ns_of_host "${proc_host[i]}")" "$state"
  done
  gw=$(gateway_address)
  if [[ -n $gw ]] && body=$(healthz "$gw"); then
    echo "gateway https://$gw/healthz: $body"
  else
    echo "gateway ${gw:-?}: not healthy ${body:-}"; ok=0
  fi
  (( ok ))
}

do_exec() {
  (( $# >= 2 )) || die 2 "usage: $0 exec WHERE CMD [ARGS...]"
  local where=$1 ns; shift
  case $where in
    client) ns=$CLIENT ;;
    h[0-9]*) ns=$P-$where ;;
    "$P"-*) ns=$where ;;
    *) ns=$(ns_of_host "$where" || ns_of_process "$where") \
         || die 2 "unknown place '$where' (client, h1.., a host address or a process name)" ;;
  esac
  exec ip netns exec "$ns" "$@"
}

cmd=${1:-}
[[ $# -gt 0 ]] && shift
case $cmd in
  up) load_topology; do_up ;;
  down) do_down ;;
  purge) do_down; rm -rf "$STATE"; say "removed $STATE" ;;
  status) load_topology; do_status ;;
  exec) load_topology; do_exec "$@" ;;
  check) check_support; say "ok: network namespaces, bridges and veth pairs can be created here" ;;
  *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; [[ -z $cmd || $cmd == -h || $cmd == --help ]] || exit 2 ;;
esac
