#!/usr/bin/env python3
"""Where the simulators' devices spent their time between two stats lines.

    python3 sim_phases.py BEFORE AFTER [BEFORE AFTER ...]

BEFORE and AFTER are files holding one tether-terminal stats line each
("stats t=... key=value ..."), taken from the same simulator process, one
pair per process. For each connect phase (tether-terminal's stats.hpp:
register_rtt, upgrade_rtt, hello_wait, lost_to_hello, ...) it prints the
samples taken between the two lines over every simulator, and their mean,
exact (from each line's count and mean); and the highest p99 and max of the
simulators' AFTER lines, which count from each simulator's start (a phase
with no sample before BEFORE, as lost_to_hello in a storm from rest, has
them for the window alone). Used by storm.sh. A simulator too old to time a
phase shows none.
"""
import sys

PHASES = [("register_rtt", "register round trip"),
          ("upgrade_rtt", "WebSocket TCP connect + upgrade"),
          ("hello_wait", "open -> hello"),
          ("lost_to_hello", "session lost -> next hello (each device)")]


def fields(path):
    with open(path) as f:
        line = f.read().split("\n")[0]
    out = {}
    for item in line.split():
        key, eq, value = item.partition("=")
        if eq:
            try:
                out[key] = float(value.rstrip("s"))
            except ValueError:
                pass
    return out


def main(paths):
    if not paths or len(paths) % 2:
        sys.exit(__doc__)
    pairs = [(fields(b), fields(a)) for b, a in zip(paths[::2], paths[1::2])]
    for name, what in PHASES:
        count = total_ms = 0.0
        old_samples = 0.0
        p99 = top = 0.0
        for before, after in pairs:
            n0, n1 = before.get(name + "_count", 0), after.get(name + "_count", 0)
            m0, m1 = before.get(name + "_mean_ms", 0), after.get(name + "_mean_ms", 0)
            count += n1 - n0
            total_ms += n1 * m1 - n0 * m0
            old_samples += n0
            p99 = max(p99, after.get(name + "_p99_ms", 0))
            top = max(top, after.get(name + "_max_ms", 0))
        if count <= 0:
            print(f"{what}: no samples")
            continue
        since = "the window alone" if old_samples == 0 else "each simulator's start"
        print(f"{what}: {count:.0f} samples, mean {total_ms / count:.1f} ms;"
              f" p99 {p99:.1f} max {top:.1f} ms (since {since})")


if __name__ == "__main__":
    main(sys.argv[1:])
