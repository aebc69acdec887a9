#!/usr/bin/env bash
# Benchmark: the same number of idle clients on mosquitto and on tetherd,
# side by side on this machine; prints memory per idle connection and the
# connect rate of both, and their ratio (issue 12, item 6).
#
#   bash examples/bench/compare-mosquitto.sh [N]
#
# N defaults to 10000. Installs mosquitto from Debian when it is missing
# (apt-get; root or sudo). mosquitto: loopback, a free port from
# 18830-18899, no persistence, anonymous clients; the load generator is
# build/examples/mqtt-idle (one io_context thread, 20 loopback source
# addresses, MQTT keepalive 30 s: the simulator's
# design; at most 256 handshakes under way). tetherd: examples/bench/idle-connections.sh
# N 0 (the device simulator, keepalive 30 s) with at most as many devices
# started and not yet connected (TETHER_SIM_MAX_CONNECTING, 256 unless set;
# 0 starts all at once, as before branch conn13). Memory is the server's RSS with N idle clients
# minus its RSS before them; the connect rate is N over the time from the
# load generator's start until the script sees all N connected (polled
# every 0.2 s). A Tether connect is register (HTTP, stored) + WebSocket +
# hello; an MQTT connect is CONNECT/CONNACK. Needs a build in ./build with
# the targets tetherd, tether-terminal and mqtt-idle.
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
n=${1:-10000}
work=$(mktemp -d /tmp/tether-compare-XXXXXX)
broker_pid=""
client_pid=""
trap 'kill $client_pid $broker_pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

bench_need_package mosquitto mosquitto
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
for bin in build/examples/mqtt-idle build/net/tetherd build/examples/tether-terminal; do
  [ -x "$bin" ] || { echo "missing $bin: build the targets tetherd tether-terminal mqtt-idle" >&2; exit 1; }
done
ulimit -n "$(ulimit -Hn)"

port=$(python3 - <<'PY'
import socket
for p in range(18830, 18900):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); s.close(); print(p); break
    except OSError:
        s.close()
PY
)
[ -n "$port" ] || { echo "no free port in 18830-18899" >&2; exit 1; }
cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_connections -1
max_keepalive 65535
log_dest stderr
log_type error
EOF
"$mosquitto_bin" -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
broker_pid=$!
for _ in $(seq 100); do
  python3 -c "import socket,sys;socket.create_connection(('127.0.0.1',$port),0.2).close()" 2>/dev/null && break
  sleep 0.1
done
rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
sleep 1
m_base=$(rss_kb $broker_pid)
m_cpu0=$(bench_cpu_ticks $broker_pid)
m_start=$(date +%s.%N)
build/examples/mqtt-idle --port "$port" --count "$n" --keepalive-s 30 \
  --source-addrs 127.0.0.2-127.0.0.21 --max-pending 256 >"$work/mqtt-idle.log" 2>&1 &
client_pid=$!
deadline=$(( $(date +%s) + 300 ))
until grep -q "^connected $n of $n" "$work/mqtt-idle.log"; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "mosquitto: timeout; client log:" >&2; tail -5 "$work/mqtt-idle.log" >&2; exit 1; }
  kill -0 $client_pid 2>/dev/null || { echo "mqtt-idle stopped:" >&2; tail -5 "$work/mqtt-idle.log" >&2; exit 1; }
  sleep 0.2
done
m_end=$(date +%s.%N)
m_cpu=$(( $(bench_cpu_ticks $broker_pid) - m_cpu0 )) c_cpu=$(bench_cpu_ticks $client_pid)
sleep 5 # as idle-connections.sh: let the broker settle
m_rss=$(rss_kb $broker_pid)
m_lost=$(grep -c " lost " "$work/mqtt-idle.log" || true)
kill -INT $client_pid; wait $client_pid 2>/dev/null || true; client_pid=""
kill $broker_pid; wait $broker_pid 2>/dev/null || true; broker_pid=""

TETHER_SIM_MAX_CONNECTING=${TETHER_SIM_MAX_CONNECTING:-256} \
  bash examples/bench/idle-connections.sh "$n" 0 | tee "$work/tether.txt" >&2

python3 - "$n" "$m_base" "$m_rss" "$m_start" "$m_end" "$m_lost" "$work/tether.txt" "$("$mosquitto_bin" -h 2>/dev/null | head -1 || true)" \
  "$m_cpu" "$c_cpu" "$(getconf CLK_TCK)" <<'PY'
import re, sys
n, m_base, m_rss = map(int, sys.argv[1:4])
m_start, m_end = map(float, sys.argv[4:6])
m_lost, tether_txt, version = int(sys.argv[6]), sys.argv[7], sys.argv[8]
m_cpu, c_cpu, hz = map(int, sys.argv[9:12])
t = open(tether_txt).read()
t_kib = float(re.search(r"RSS per idle connection: ([\d.]+) KiB", t).group(1))
t_rate = float(re.search(r"connect rate .*?: (\d+) devices/s", t).group(1))
t_held = int(re.search(r"connected and held: (\d+)", t).group(1))
m_kib = (m_rss - m_base) / n
m_rate = n / (m_end - m_start)
print(f"{n} idle clients each; {version.strip()}")
print(f"{'':34}{'mosquitto':>12}{'tetherd':>12}{'tetherd/mosquitto':>20}")
print(f"{'held':34}{n - m_lost:>12}{t_held:>12}")
print(f"{'server RSS per idle connection':34}{m_kib:>9.2f} KiB{t_kib:>8.2f} KiB{t_kib / m_kib:>19.1f}x")
print(f"{'connect rate (clients/s)':34}{m_rate:>12.0f}{t_rate:>12.0f}{t_rate / m_rate:>19.2f}x")
cpu = re.search(r"CPU a device while they connected: server (\d+) us, simulator (\d+) us", t)
if cpu:
    t_srv, t_gen = int(cpu.group(1)), int(cpu.group(2))
    m_srv, m_gen = m_cpu / hz * 1e6 / n, c_cpu / hz * 1e6 / n
    print(f"{'server CPU a connect (us)':34}{m_srv:>12.0f}{t_srv:>12.0f}{t_srv / max(m_srv, 1):>19.1f}x")
    print(f"{'load generator CPU a connect (us)':34}{m_gen:>12.0f}{t_gen:>12.0f}{t_gen / max(m_gen, 1):>19.1f}x")
print(f"mosquitto RSS: {m_base/1024:.1f} MiB before, {m_rss/1024:.1f} MiB with {n} idle clients")
PY
