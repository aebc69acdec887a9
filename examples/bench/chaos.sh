#!/usr/bin/env bash
# Fault injection with jobs flowing (tests/e2e/chaos_test.cpp): the shipped
# multi-process topology plus a second gateway, simulated devices, a pusher,
# and random faults on every process (kill -9 and restart, SIGSTOP and
# SIGCONT) for --duration seconds; then every job answered 202 must reach
# its device and be done within 30 s, and every device be connected again.
# Prints the seed (repeat a run with --seed), the faults, and a summary.
#
#   bash examples/bench/chaos.sh [--duration S] [--seed N] [--devices N] [--rate JOBS_PER_S]
#   (defaults: 600 s, a random seed, 100 devices per cluster, 20 jobs/s; needs ./build)
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=600 seed="" devices=100 rate=20
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=build/tests/e2e/e2e_chaos_test
[ -x "$bin" ] || { echo "missing $bin: build first (cmake --build build --target e2e_chaos_test tetherd tether-terminal)" >&2; exit 1; }
[ -n "$seed" ] || seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
TETHER_CHAOS_SEED=$seed TETHER_CHAOS_DURATION_S=$duration \
  TETHER_CHAOS_DEVICES=$devices TETHER_CHAOS_RATE=$rate "$bin"
