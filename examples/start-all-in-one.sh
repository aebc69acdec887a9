#!/usr/bin/env bash
# One command for a newcomer: installs what is missing, builds, and starts
# the all-in-one deployment (embedded default topology) in the foreground.
# Extra arguments go to tetherd, e.g. --http 127.0.0.1:9090 --data /var/lib/tether
set -euo pipefail
cd "$(dirname "$0")/.."
bash .ci/build
exec ./build/net/tetherd "$@"
