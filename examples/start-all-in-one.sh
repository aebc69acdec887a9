#!/usr/bin/env bash
# One command for a newcomer: installs what is missing, builds, and starts
# the all-in-one deployment (embedded default topology) in the foreground.
# Extra arguments go to tetherd, e.g. --http 127.0.0.1:9090 --data /var/lib/tether
set -euo pipefail
cd "$(dirname "$0")/.."
# Only what the README's walkthrough uses (the tests are built by .ci/test).
bash .ci/build tetherd tether-terminal tether-print-service
exec ./build/net/tetherd "$@"
