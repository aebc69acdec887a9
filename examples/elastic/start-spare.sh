#!/bin/sh
# The [autoscale] command of examples/topologies/elastic.toml: starts the
# cluster's spare node process (`tetherd --process <cluster>-spare`) unless
# it already runs. tetherd runs it without a shell, with the arguments
#   CONFIG CLUSTER REASON sessions=N nodes=M cpu=C
# (CONFIG from the topology's command, the rest from tetherd). Set TETHERD
# to the tetherd binary (default: ./build/net/tetherd, else tetherd in PATH).
set -eu
if [ "$#" -lt 3 ]; then
  echo "usage: $0 CONFIG CLUSTER REASON [FIGURES...]" >&2
  exit 2
fi
config=$1
cluster=$2
reason=$3
shift 3
# Only the cluster ids this file declares a spare for: nothing from the
# arguments reaches a command line unchecked.
case "$cluster" in
  C1) process=C1-spare ;;
  *) echo "no spare process for cluster $cluster" >&2; exit 3 ;;
esac
tetherd=${TETHERD:-./build/net/tetherd}
[ -x "$tetherd" ] || tetherd=tetherd
logs=${SPARE_LOG_DIR:-tether-data}
mkdir -p "$logs"
pidfile="$logs/$process.pid"
if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
  echo "$process already runs (pid $(cat "$pidfile")): nothing to do"
  exit 0
fi
echo "starting $process for $cluster ($reason $*)"
setsid nohup "$tetherd" --config "$config" --process "$process" \
  >>"$logs/$process.log" 2>&1 </dev/null &
echo $! >"$pidfile"
