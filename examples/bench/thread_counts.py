#!/usr/bin/env python3
"""Per-thread wake-ups and CPU of a process, for the connect profile.

  thread_counts.py snap PID FILE        write PID's threads' counters to FILE
  thread_counts.py diff BEFORE AFTER N  print, per thread name, the context
                                        switches (voluntary + involuntary)
                                        and CPU per unit of work (N units)

The counters are the kernel's (/proc/PID/task/TID/status and stat): they
count wake-ups, which the machine's load barely moves, where rates do not.
Threads of one name (CAF's workers, say) are summed.
"""
import collections
import json
import os
import sys


def snap(pid):
    hz = os.sysconf("SC_CLK_TCK")
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the thread ended meanwhile
        out[tid] = {
            "name": status["Name"].strip(),
            "vol": int(status["voluntary_ctxt_switches"]),
            "invol": int(status["nonvoluntary_ctxt_switches"]),
            "cpu_ms": (int(fields[11]) + int(fields[12])) * 1000.0 / hz,
        }
    return out


def diff(before, after, n):
    rows = collections.defaultdict(lambda: [0, 0, 0, 0.0])
    for tid, a in after.items():
        b = before.get(tid, {"vol": 0, "invol": 0, "cpu_ms": 0.0})
        row = rows[a["name"]]
        row[0] += 1
        row[1] += a["vol"] - b["vol"]
        row[2] += a["invol"] - b["invol"]
        row[3] += a["cpu_ms"] - b["cpu_ms"]
    total = [0, 0, 0.0]
    print(f"{'thread':<18}{'count':>6}{'vol/unit':>10}{'invol/unit':>12}{'cpu us/unit':>13}")
    for name, (count, vol, invol, cpu) in sorted(rows.items(), key=lambda r: -r[1][1]):
        total = [total[0] + vol, total[1] + invol, total[2] + cpu]
        print(f"{name:<18}{count:>6}{vol / n:>10.2f}{invol / n:>12.2f}{cpu * 1000 / n:>13.1f}")
    print(f"{'all':<18}{'':>6}{total[0] / n:>10.2f}{total[1] / n:>12.2f}{total[2] * 1000 / n:>13.1f}")


def main():
    if sys.argv[1] == "snap":
        counts = snap(sys.argv[2])  # fails once the process is gone:
        with open(sys.argv[3] + ".tmp", "w") as f:  # the last file stays
            json.dump(counts, f)
        os.replace(sys.argv[3] + ".tmp", sys.argv[3])
    else:
        with open(sys.argv[2]) as f, open(sys.argv[3]) as g:
            diff(json.load(f), json.load(g), int(sys.argv[4]))


main()
