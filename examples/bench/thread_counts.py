#!/usr/bin/env python3
"""Per-thread wake-ups and CPU of a process, for the connect profile.

  thread_counts.py snap PID FILE        write PID's threads' counters to FILE
                                        (merged: threads gone keep their last)
  thread_counts.py diff BEFORE AFTER N  print, per thread name, the context
                                        switches (voluntary, involuntary)
                                        and user and system CPU per unit of
                                        work (N units), and the time the
                                        threads were runnable but waited for
                                        a CPU (the run queue, schedstat)

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
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                queued_ns = int(f.read().split()[1])
        except OSError:
            continue  # the thread ended meanwhile
        out[tid] = {
            "name": status["Name"].strip(),
            "vol": int(status["voluntary_ctxt_switches"]),
            "invol": int(status["nonvoluntary_ctxt_switches"]),
            "user_ms": int(fields[11]) * 1000.0 / hz,
            "sys_ms": int(fields[12]) * 1000.0 / hz,
            "queued_ms": queued_ns / 1e6,
        }
    return out


def diff(before, after, n):
    keys = ("vol", "invol", "user_ms", "sys_ms", "queued_ms")
    zero = dict.fromkeys(keys, 0)
    rows = collections.defaultdict(lambda: [0, 0, 0, 0.0, 0.0, 0.0])
    for tid, a in after.items():
        b = before.get(tid, zero)
        row = rows[a["name"]]
        row[0] += 1
        for i, key in enumerate(keys, 1):
            row[i] += a.get(key, 0) - b.get(key, 0)
    total = [0, 0, 0.0, 0.0, 0.0]
    print(f"{'thread':<18}{'count':>6}{'vol/unit':>10}{'invol/unit':>12}"
          f"{'user us/unit':>14}{'sys us/unit':>13}{'queued us/unit':>16}")
    for name, row in sorted(rows.items(), key=lambda r: -r[1][1]):
        total = [t + x for t, x in zip(total, row[1:])]
        print(f"{name:<18}{row[0]:>6}{row[1] / n:>10.2f}{row[2] / n:>12.2f}"
              f"{row[3] * 1000 / n:>14.1f}{row[4] * 1000 / n:>13.1f}"
              f"{row[5] * 1000 / n:>16.1f}")
    print(f"{'all':<18}{'':>6}{total[0] / n:>10.2f}{total[1] / n:>12.2f}"
          f"{total[2] * 1000 / n:>14.1f}{total[3] * 1000 / n:>13.1f}"
          f"{total[4] * 1000 / n:>16.1f}")


def main():
    if sys.argv[1] == "snap":
        # Merged into FILE's earlier snapshot: a thread that ended (or the
        # process, being stopped) keeps the counts it had at the last poll.
        counts = {}
        if os.path.exists(sys.argv[3]):
            with open(sys.argv[3]) as f:
                counts = json.load(f)
        counts.update(snap(sys.argv[2]))
        with open(sys.argv[3] + ".tmp", "w") as f:
            json.dump(counts, f)
        os.replace(sys.argv[3] + ".tmp", sys.argv[3])
    else:
        with open(sys.argv[2]) as f, open(sys.argv[3]) as g:
            diff(json.load(f), json.load(g), int(sys.argv[4]))


main()
