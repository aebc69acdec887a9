#!/usr/bin/env python3
"""What a latency histogram of /metrics counted between two scrapes.

    python3 histogram_diff.py BEFORE.txt AFTER.txt FAMILY [FAMILY...]

A FAMILY may name one label's value, FAMILY{label="value"}, to count only
the series that carry it (e.g. one route of
tether_http_request_duration_seconds).

For each histogram FAMILY (e.g. tether_connect_duration_seconds), the
observations made between the two scrapes by every series of it in AFTER
(a series of a process killed meanwhile is left out; one new in AFTER counts
from 0), summed (Prometheus text, cumulative buckets): their count, mean, p50,
p90 and p99 interpolated inside the bucket that holds them (the buckets'
bounds, 1 ms to 10 s, bound the error). Used by storm.sh.
"""
import re
import sys

LINE = re.compile(r'^(\w+?)(_bucket|_sum|_count)(?:\{(.*)\})?\s+(\S+)$')
LE = re.compile(r'le="([^"]+)"')


def read(path, family):
    """{(series labels, bucket bound or "sum"/"count"): value}"""
    out = {}
    family, _, wanted = family.partition("{")
    wanted = wanted.rstrip("}")
    for line in open(path):
        m = LINE.match(line.strip())
        if not m or m.group(1) != family:
            continue
        labels = m.group(3) or ""
        if wanted and wanted not in labels.split(","):
            continue
        if m.group(2) == "_bucket":
            le = LE.search(labels).group(1)
            key = float("inf") if le == "+Inf" else float(le)
            labels = LE.sub("", labels)
        else:
            key = m.group(2)[1:]
        out[(labels, key)] = float(m.group(4))
    return out


def diff(before, after):
    """The buckets and totals counted between the scrapes, summed."""
    buckets, total = {}, {"sum": 0.0, "count": 0.0}
    for (labels, key), value in after.items():
        value -= before.get((labels, key), 0.0)
        if isinstance(key, str):
            total[key] += value
        else:
            buckets[key] = buckets.get(key, 0.0) + value
    return buckets, total


def quantile(cumulative, q):
    count = cumulative[-1][1]
    if count <= 0:
        return float("nan")
    rank, lower, below = q * count, 0.0, 0.0
    for bound, n in cumulative:
        if n >= rank:
            if bound == float("inf"):
                return lower
            return lower + (bound - lower) * (rank - below) / max(n - below, 1)
        lower, below = bound, n
    return lower


def main():
    before, after = sys.argv[1], sys.argv[2]
    for family in sys.argv[3:]:
        buckets, total = diff(read(before, family), read(after, family))
        cum = sorted(buckets.items())
        count = total["count"]
        if not cum or count <= 0:
            print(f"{family}: no observations between the scrapes")
            continue
        mean = total["sum"] / count * 1000
        qs = " ".join(f"p{int(q * 100)} {quantile(cum, q) * 1000:.1f}"
                      for q in (0.5, 0.9, 0.99))
        print(f"{family}: {int(count)} observations, ms mean {mean:.1f} {qs}")


if __name__ == "__main__":
    main()
