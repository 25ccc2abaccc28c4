#!/usr/bin/env bash
# Configures (once) and builds braid into build/. Arguments are ninja targets (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/build.ninja ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release
fi
ninja -C build "$@"
