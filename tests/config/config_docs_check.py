#!/usr/bin/env python3
"""docs/CONFIG.md through the real command lines: the complete example is
accepted by `tetherd --check-config` (exit 0, "FILE: ok", no warning) and by
`tetherctl check-config`; the file under "What a wrong file gives" is refused
with exactly the text the document quotes (exit 2, and 1 for tetherctl).
tests/config/config_docs_test.cpp holds the keys to the reader.

    python3 tests/config/config_docs_check.py --doc docs/CONFIG.md \
        --tetherd build/net/tetherd [--tetherctl build/net/tetherctl/tetherctl]
"""
import argparse
import os
import subprocess
import sys
import tempfile


def block(doc, heading, info):
    """The first block fenced as ```INFO after the line HEADING."""
    at = doc.index("\n" + heading)
    start = doc.index("\n```" + info + "\n", at) + len(info) + 5
    end = doc.index("\n```\n", start - 1)
    return doc[start:end + 1]


def run(argv, cwd):
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--doc", required=True)
    ap.add_argument("--tetherd", required=True)
    ap.add_argument("--tetherctl")
    a = ap.parse_args()
    with open(a.doc, encoding="utf-8") as f:
        doc = f.read()
    example = block(doc, "## Complete example", "toml")
    bad = block(doc, "## What a wrong file gives", "toml bad")
    said = block(doc, "## What a wrong file gives", "text bad")
    failures = []
    with tempfile.TemporaryDirectory() as d:
        for name, text in (("example.toml", example), ("bad.toml", bad)):
            with open(os.path.join(d, name), "w", encoding="utf-8") as f:
                f.write(text)
        checks = [("tetherd", [a.tetherd, "--check-config"], 2)]
        if a.tetherctl:
            checks.append(("tetherctl", [a.tetherctl, "check-config"], 1))
        for tool, argv, refused in checks:
            r = run(argv + ["example.toml"], d)
            if (r.returncode, r.stdout, r.stderr) != (0, "example.toml: ok\n",
                                                      ""):
                failures.append(f"{tool}: the complete example: exit "
                                f"{r.returncode}\n{r.stdout}{r.stderr}")
            r = run(argv + ["bad.toml"], d)
            if (r.returncode, r.stderr) != (refused, said):
                failures.append(f"{tool}: bad.toml: exit {r.returncode} "
                                f"(expected {refused}), said:\n{r.stderr}"
                                f"docs/CONFIG.md quotes:\n{said}")
    for f in failures:
        print("FAIL " + f, file=sys.stderr)
    print(f"{len(checks) * 2 - len(failures)} of {len(checks) * 2} checks "
          "passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
