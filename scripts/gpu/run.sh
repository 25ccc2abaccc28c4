#!/usr/bin/env bash
# The whole GPU run, on the GPU machine (CUDA toolkit, CMake, Ninja; no Debian packages): build
# the minimal configuration for sm_90, run the unit and parity suites (the cuda backend against
# the reference), run the CUDA kernel benchmarks, and print a table last. Results go to
# $OUT (or build-gpu/results). Prepare third_party/ on the development machine first
# (scripts/gpu/vendor.sh) and carry it with the tree.
set -uo pipefail
cd "$(dirname "$0")/../.."
out="${OUT:-build-gpu/results}"
mkdir -p "$out"
jobs="$(nproc)"

echo "== GPU"; nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true

echo "== configure and build (BRAID_MINIMAL, sm_90)"
cmake -S . -B build-gpu -G Ninja -DBRAID_MINIMAL=ON -DBRAID_ENABLE_CUDA=ON \
  -DBRAID_CUDA_ARCHITECTURES=90 -DBRAID_BUILD_FUZZ=OFF -DCMAKE_BUILD_TYPE=Release \
  > "$out/configure.log" 2>&1 || { tail -30 "$out/configure.log"; exit 1; }
ninja -C build-gpu -j"$jobs" > "$out/build.log" 2>&1 || { grep -m20 -B2 -A8 error "$out/build.log"; exit 1; }

echo "== tests"
ctest --test-dir build-gpu -j"$jobs" --output-on-failure > "$out/ctest.log" 2>&1
tests_rc=$?
tail -5 "$out/ctest.log"
build-gpu/bin/parity_ops_test --gtest_filter='*cuda*' > "$out/parity_cuda.log" 2>&1
grep -E "^\[  (PASSED|FAILED|SKIPPED) " "$out/parity_cuda.log" | sort | uniq -c | head -40

echo "== kernel benchmarks"
bench=build-gpu/bin/braid_cuda_kernels_bench
if [ -x "$bench" ]; then
  "$bench" --benchmark_format=json --benchmark_out="$out/cuda_kernels.json" \
    --benchmark_out_format=json > /dev/null 2> "$out/bench.log"
  python3 - "$out/cuda_kernels.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))["benchmarks"]
print(f"{'benchmark':48} {'time us':>10} {'GB/s':>9} {'TFLOP/s':>8} {'of copy bw':>10}")
for r in rows:
    if r.get("error_occurred"):
        print(f"{r['name']:48} error: {r.get('error_message')}"); continue
    t = r["real_time"] * {"ns": 1e-3, "us": 1, "ms": 1e3}.get(r["time_unit"], 1)
    gb = r.get("GB/s", 0) / 1e9
    tf = r.get("TFLOP/s", 0)
    frac = r.get("of_copy_bw", 0)
    print(f"{r['name']:48} {t:10.1f} {gb:9.1f} {tf:8.1f} {frac:10.2%}")
PY
else
  echo "benchmarks were not built (see $out/build.log)"
fi
exit $tests_rc
