#!/usr/bin/env bash
# Copies what a BRAID_MINIMAL build needs from this machine's Debian packages into third_party/
# (git-ignored), so that it can travel with the working tree to the GPU machine, which has the
# CUDA toolkit but none of our packages: nlohmann-json's headers, GoogleTest's sources, Google
# Benchmark's headers and shared library. Idempotent; run scripts/setup.sh first.
set -euo pipefail
cd "$(dirname "$0")/../.."

dest=third_party
rm -rf "$dest"
mkdir -p "$dest/nlohmann_json/include" "$dest/benchmark/include" "$dest/benchmark/lib"
cp -r /usr/include/nlohmann "$dest/nlohmann_json/include/"
cp -r /usr/src/googletest "$dest/googletest"
cp -r /usr/include/benchmark "$dest/benchmark/include/"
cp -L /usr/lib/x86_64-linux-gnu/libbenchmark.so.1debian "$dest/benchmark/lib/libbenchmark.so.1debian"
du -sh "$dest"
