#!/usr/bin/env bash
# The README's first command: set up, build, and run braid's main job on a default model that
# braid makes itself (random weights; see the README for pointing braid at real model files).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh
./scripts/build.sh braid

model=models/default-llama-3.2-1b-tiny-q8_0.gguf
if [ ! -f "$model" ]; then
  mkdir -p models
  ./build/bin/braid make-model llama-3.2-1b --tiny --type Q8_0 -o "$model"
fi
./build/bin/braid info "$model"
echo
echo "The default model has random weights: it exists so braid runs with nothing downloaded."
echo "Point braid at real files the same way: ./build/bin/braid info path/to/model.gguf"
