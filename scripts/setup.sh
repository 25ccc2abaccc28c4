#!/usr/bin/env bash
# Installs every Debian package braid needs to build, run and test.
# Non-interactive and idempotent: when everything is already installed it only
# asks dpkg and returns in well under a second.
set -euo pipefail

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git
  # clang + its runtime: the libFuzzer targets for the model-file parsers
  clang libclang-rt-14-dev
  # compute: oneDNN for the cpu backend (Debian ships 2.6, threaded with GNU OpenMP); its CMake
  # config looks for OpenCL (the GPU runtime it was built with), whose -dev package it lacks
  libdnnl-dev ocl-icd-opencl-dev
  # media: OpenCV for images (only the components vision/io uses), FFmpeg for audio
  libopencv-core-dev libopencv-imgproc-dev libopencv-imgcodecs-dev
  libavformat-dev libavcodec-dev libavutil-dev libswresample-dev libswscale-dev
  # header-only helpers: Boost, and nlohmann-json for config.json / safetensors headers
  # (header-only, so it also travels to the GPU machine, which has no Debian packages)
  libboost-dev nlohmann-json3-dev
  # ICU: Unicode character classes for the byte-level BPE pre-tokenizers
  libicu-dev
  # line editing and history for `braid chat` (libedit: BSD licensed, unlike GNU readline)
  libedit-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root or sudo to install packages" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
