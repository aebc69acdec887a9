#!/usr/bin/env python3
"""Instructions and call counts from a callgrind profile, per unit of work.

  callgrind_calls.py FILE N [PATTERN...]

Prints the profile's total instructions per unit (N units: devices, jobs),
then, for every function whose name contains one of the PATTERNs, how often
it was called per unit (summed over its callers) and its inclusive
instructions per call. Call counts are exact and the machine's load does
not move them: a CAF actor's `resume` per unit counts its wake-ups, a
`consume` its messages, the clock's `push` its timer events.
"""
import collections
import re
import sys


def parse(path):
    names = {}
    calls = collections.Counter()
    incl = collections.Counter()
    total = 0
    cfn = None
    pending_calls = None

    def name_of(text):
        m = re.match(r"\((\d+)\)(?: (.*))?", text)
        if not m:
            return text
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), text)

    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("cfn="):
                cfn = name_of(line[4:])
            elif line.startswith("fn="):
                name_of(line[3:])
            elif line.startswith("calls="):
                pending_calls = int(line[6:].split()[0])
            elif line.startswith(("summary:", "totals:")):
                total = max(total, int(line.split()[1]))
            elif pending_calls is not None and line and (line[0].isdigit() or line[0] in "+-*"):
                parts = line.split()
                calls[cfn] += pending_calls
                if len(parts) > 1:
                    incl[cfn] += int(parts[1])
                pending_calls = None
    return total, calls, incl


def main():
    path, n, patterns = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    total, calls, incl = parse(path)
    print(f"instructions per unit: {total / n:,.0f}")
    for pattern in patterns:
        for name, count in sorted(calls.items(), key=lambda kv: -kv[1]):
            if pattern in name:
                short = name if len(name) < 90 else name[:87] + "..."
                print(f"{count / n:10.2f} calls/unit {incl[name] / max(count, 1):12,.0f} instr/call  {short}")


main()
