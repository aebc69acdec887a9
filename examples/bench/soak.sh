#!/usr/bin/env bash
# Soak (issue 15, item 6): the all-in-one server under churn for --duration
# seconds. A steady fleet stays connected and gets jobs (--rate per second,
# payload with sent_at_ms); churning fleets of --churn devices connect for a
# few seconds and leave, over and over, reusing three id sets (so devices
# re-register and reconnect as known terminals). Every --interval seconds
# one CSV line:
#   t_s, rss_kb, fds (the server's), connections (/metrics),
#   pushed, done (jobs pushed so far, jobs seen done so far),
#   stuck (jobs pushed over 10 s ago and not done),
#   lat_p50_ms, lat_p99_ms (push -> device, the steady fleet's cumulative
#   histogram), churn_cycles
# A leak shows as rss_kb or fds that keep growing; a lost job as stuck > 0.
#
# With --heaptrack OUT the server runs under heaptrack (Debian package
# `heaptrack`) and is killed with SIGKILL at the end: the profile's "leaked"
# heap is what was live then (heaptrack_print -f OUT.zst -l). Each
# --limit "KEY = VALUE" is added to the topology's [limits] (e.g.
# final_jobs_in_memory, store_memtable_mb: the memory bounds,
# docs/BENCHMARKS.md).
#
#   bash examples/bench/soak.sh [--duration S] [--interval S] [--devices N]
#        [--churn N] [--rate JOBS_PER_S] [--csv FILE] [--heaptrack OUT]
#        [--limit "KEY = VALUE"]...
#   (defaults: 1200 s, 30 s, 500, 200, 20, soak.csv; needs ./build)
set -euo pipefail
cd "$(dirname "$0")/../.."
source examples/bench/lib.sh
duration=1200 interval=30 devices=500 churn=200 rate=20 csv=soak.csv heaptrack="" extra=""
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --devices) devices=$2; shift 2 ;;
    --churn) churn=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --heaptrack) heaptrack=$2; shift 2 ;;
    --limit) extra+="$2"$'\n'; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
work=$(mktemp -d /tmp/tether-soak-XXXXXX)
bench_topology "$work/topology.toml"
sed -i 's/^keepalive = "30s"/keepalive = "5s"/' "$work/topology.toml"
printf '%s' "$extra" >>"$work/topology.toml" # bench_topology ends in [limits]
# (lib.sh: without it a jemalloc-linked tetherd's C++ heap is invisible.)
[ -z "$heaptrack" ] || export TETHER_HEAPTRACK_PRELOAD=$(heaptrack_preload ./build/net/tetherd "$work")
exec python3 - "$work" "$duration" "$interval" "$devices" "$churn" "$rate" "$csv" "$heaptrack" <<'PY'
import http.client, json, os, random, shutil, signal, subprocess, sys, threading, time

work, duration, interval, devices, churn, rate, csv, heaptrack = sys.argv[1:9]
duration, interval, devices, churn, rate = map(int, (duration, interval, devices, churn, rate))
procs = []

def cleanup(*_):
    for p in procs:
        if p.poll() is None:
            p.kill()
    shutil.rmtree(work, ignore_errors=True)

signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
try:
    ready = f"{work}/ready.json"
    wrapper = ["heaptrack", "-o", heaptrack] if heaptrack else []
    env = dict(os.environ)
    if heaptrack:
        env["LD_PRELOAD"] = os.environ.get("TETHER_HEAPTRACK_PRELOAD", "")
    server = subprocess.Popen(
        wrapper + ["./build/net/tetherd", "--config", f"{work}/topology.toml", "--http", "127.0.0.1:0",
         "--ws-base-port", "0", "--data", f"{work}/data", "--ready-file", ready,
         "--log-level", "warn"], stdout=open(f"{work}/tetherd.log", "w"), stderr=subprocess.STDOUT, env=env)
    procs.append(server)
    for _ in range(200):
        if os.path.exists(ready):
            break
        time.sleep(0.1)
    time.sleep(0.2)
    server_pid = server.pid
    if heaptrack:  # the tetherd under heaptrack's script
        server_pid = int(subprocess.check_output(["pgrep", "-f", f"^./build/net/tetherd --config {work}/"]).split()[0])
    host, port = json.load(open(ready))["http"].rsplit(":", 1)
    key = open(f"{work}/data/secrets/admin-key").read().strip()

    def call(method, target, body=None):
        c = http.client.HTTPConnection(host, int(port), timeout=5)
        try:
            c.request(method, target, body=body,
                      headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"})
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def simulator(prefix, count, seconds, log):
        return subprocess.Popen(
            ["./build/examples/tether-terminal", "--server", f"http://{host}:{port}", "--data",
             f"{work}/data", "--count", str(count), "--id-prefix", prefix, "--region", "GG1",
             "--ramp-per-s", "0", "--duration-s", str(seconds), "--stats-interval-s", "5",
             "--log-level", "warn"], stdout=open(log, "w"), stderr=subprocess.STDOUT)

    steady = simulator("soak-s", devices, duration + 60, f"{work}/steady.log")
    procs.append(steady)
    stop = threading.Event()
    pending = {}  # job id -> push time
    counts = {"pushed": 0, "done": 0, "churn": 0}
    lock = threading.Lock()

    def pusher():
        period, n = 1.0 / rate, 0
        next_t = time.time()
        while not stop.is_set():
            n += 1
            body = json.dumps({"service": "print", "payload": {
                "n": n, "sent_at_ms": int(time.time() * 1000)}})
            try:
                st, out = call("POST", f"/v1/terminals/soak-s{random.randrange(devices)}/jobs", body)
                if st == 202:
                    with lock:
                        pending[json.loads(out)["job_id"]] = time.time()
                        counts["pushed"] += 1
            except OSError:
                pass
            next_t += period
            time.sleep(max(0, next_t - time.time()))

    def churner():
        k = 0
        while not stop.is_set():
            k += 1
            p = simulator(f"soak-c{k % 3}-", churn, random.randint(3, 8), f"{work}/churn.log")
            procs.append(p)
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
            procs.remove(p)
            with lock:
                counts["churn"] += 1

    def latency():
        text = open(f"{work}/steady.log").read()
        at = text.rfind("stats t=")
        if at < 0:
            return "", ""
        kv = dict(f.split("=", 1) for f in text[at:].split("\n")[0].split() if "=" in f)
        return kv.get("latency_p50_ms", ""), kv.get("latency_p99_ms", "")

    def connections():
        try:
            _, out = call("GET", "/metrics")
            return sum(float(l.split()[-1]) for l in out.decode().splitlines()
                       if l.startswith("tether_cluster_connections"))
        except OSError:
            return -1

    def settle():
        """Polls the pending jobs; returns how many are older than 10 s."""
        with lock:
            jobs = list(pending.items())
        stuck = 0
        for job, t in jobs:
            try:
                st, out = call("GET", "/v1/jobs/" + job)
            except OSError:
                continue
            if st == 200 and json.loads(out)["status"] == "done":
                with lock:
                    del pending[job]
                    counts["done"] += 1
            elif time.time() - t > 10:
                stuck += 1
        return stuck

    threading.Thread(target=pusher, daemon=True).start()
    threading.Thread(target=churner, daemon=True).start()
    t0 = time.time()
    with open(csv, "w") as out:
        out.write("t_s,rss_kb,fds,connections,pushed,done,stuck,lat_p50_ms,lat_p99_ms,churn_cycles\n")
        while time.time() - t0 < duration:
            time.sleep(max(0, interval - ((time.time() - t0) % interval)))
            if server.poll() is not None and not heaptrack:
                sys.exit("tetherd exited: " + open(f"{work}/tetherd.log").read()[-2000:])
            rss = next(l.split()[1] for l in open(f"/proc/{server_pid}/status") if l.startswith("VmRSS"))
            fds = len(os.listdir(f"/proc/{server_pid}/fd"))
            stuck = settle()
            p50, p99 = latency()
            with lock:
                line = (f"{int(time.time() - t0)},{rss},{fds},{connections():.0f},{counts['pushed']},"
                        f"{counts['done']},{stuck},{p50},{p99},{counts['churn']}")
            out.write(line + "\n")
            out.flush()
            print(line, flush=True)
    stop.set()
    if heaptrack:  # what is live now is what heaptrack reports as leaked
        os.kill(server_pid, signal.SIGKILL)
        server.wait(timeout=600)
finally:
    cleanup()
PY
