#!/usr/bin/env bash
# Benchmark: how long this disk takes to make an append durable, the floor
# under every durable accept (a 202 waits for the store's synced RocksDB WAL
# write, docs/BENCHMARKS.md §4).
#
#   bash examples/bench/disk-sync.sh [DIR] [SECONDS] [BLOCK]
#
# Runs fio (Debian's package, installed if missing): one writer appends
# BLOCK-sized writes (default 4k, about one group-committed batch of jobs)
# to a file in a fresh folder under DIR (default: this checkout, where
# tether-data lives) and calls fdatasync after each, as RocksDB does for a
# synced WAL write, for SECONDS (default 15). Prints the syncs per second
# and the fdatasync latency's percentiles. Other writers on the same disk
# (a benchmark, a build) show in the figures: give the load with them.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
dir=${1:-.}
seconds=${2:-15}
block=${3:-4k}
bench_need_package fio fio
work=$(mktemp -d "$dir/tether-disk-sync-XXXXXX")
trap 'rm -rf "$work"' EXIT
fio --name=wal --directory="$work" --rw=write --bs="$block" --size=256m \
    --fdatasync=1 --runtime="$seconds" --time_based --output-format=json \
    >"$work/fio.json"
python3 - "$work/fio.json" "$block" "$(realpath "$dir")" <<'PY'
import json, sys
job = json.load(open(sys.argv[1]))["jobs"][0]
sync = job["sync"]["lat_ns"]
pct = sync["percentile"]
ms = lambda ns: f"{ns / 1e6:.2f} ms"
seconds = job["job_runtime"] / 1000
print(f"fdatasync after each {sys.argv[2]} append, {sys.argv[3]}: "
      f"{job['write']['total_ios'] / seconds:,.0f} syncs/s over {seconds:.0f} s")
print(f"  mean {ms(sync['mean'])}  p50 {ms(pct['50.000000'])}  p90 {ms(pct['90.000000'])}"
      f"  p99 {ms(pct['99.000000'])}  p99.9 {ms(pct['99.900000'])}  max {ms(sync['max'])}")
PY
