#!/usr/bin/env bash
# The README's second command (and all CI runs): set up, build everything, run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build.sh
# Each test's output is shown only when it fails; the fuzz targets run for a bounded time.
ctest --test-dir build --output-on-failure --no-tests=error -j "$(nproc)"
