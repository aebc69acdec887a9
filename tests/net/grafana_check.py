#!/usr/bin/env python3
"""examples/grafana/tether.json uses only metrics Tether writes.

Every metric name in a panel's query (histogram suffixes _bucket, _sum and
_count taken off) must be a family documented in docs/OPERATORS.md
("Metrics") and written by the code (a string literal under actors/).
Exits 1 naming each name that is not.
"""
import json
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1])
dash = json.loads((root / "examples/grafana/tether.json").read_text())
docs = (root / "docs/OPERATORS.md").read_text()
code = "".join(p.read_text() for p in (root / "actors").rglob("*.cpp"))

problems = []
names = set()
if not dash.get("panels"):
    problems.append("no panels")
for panel in dash.get("panels", []):
    targets = panel.get("targets") or []
    if not targets:
        problems.append(f"panel {panel.get('title')!r} has no query")
    for t in targets:
        names.update(re.findall(r"\b(tether_[a-z0-9_]+|process_[a-z0-9_]+)",
                                t.get("expr", "")))
for name in sorted(names):
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    family = base if f"`{base}`" in docs else name
    if f"| `{family}`" not in docs:
        problems.append(f"{name}: not documented in docs/OPERATORS.md")
    if f'"{family}"' not in code:
        problems.append(f"{name}: no code writes {family}")
for p in problems:
    print("grafana_check:", p)
print(f"grafana_check: {len(names)} metric names, {len(problems)} problems")
sys.exit(1 if problems else 0)
