#!/usr/bin/env python3
"""Writes tests/golden/quant/: reference quantize/dequantize results for braid's quant tests.

Run (from the repository root):
    /work/pyenv/bin/python tests/scripts/make_quant_golden.py --ggml-lib /path/to/libggml-base.so

References:
  * gguf (PyPI, numpy code in gguf.quants; 0.19.0 used) quantizes F16, BF16 and the legacy types
    (Q8_0, Q4_0, Q4_1, Q5_0, Q5_1) and dequantizes every type.
  * gguf.quants has no quantizer for the K-quants, so their bytes come from llama.cpp's own C
    reference, ggml_quantize_chunk() in libggml-base (no importance matrix, i.e. the
    quantize_row_*_ref path that llama-quantize takes). The library used was built from the
    llama.cpp vendored in the PyPI sdist llama-cpp-python 0.3.36 (llama.cpp commit
    0c1e57098bba43ac29e6e3b677cdceebdd22334f):
        pip download llama-cpp-python==0.3.36 --no-deps --no-binary :all:
        tar xzf llama_cpp_python-0.3.36.tar.gz
        cmake -S llama_cpp_python-0.3.36/vendor/llama.cpp -B build -G Ninja \
            -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=ON -DGGML_NATIVE=OFF \
            -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TOOLS=OFF \
            -DLLAMA_BUILD_SERVER=OFF -DLLAMA_CURL=OFF -DGGML_OPENMP=OFF
        ninja -C build ggml-base      # -> build/bin/libggml-base.so
    The library also cross-checks gguf: its legacy-type bytes and all dequantized values must agree
    with gguf's bit for bit, or this script stops.

Output, per type folder (e.g. q4_k/), all little-endian:
  input.f32              the f32 values that were quantized (deterministic, seeded)
  quantized.bin          the reference encoding of input.f32
  dequantized.f32        gguf's decoding of quantized.bin
  random.bin             (block types) random block bytes with finite fp16 scales: bit patterns a
                         quantizer would never produce (negative Q6_K scales, high 6-bit scales…)
  random_dequantized.f32 gguf's decoding of random.bin
and stress.txt: for 65536 values from a SplitMix64 generator that the test re-implements, the
FNV-1a 64 digest of llama.cpp's bytes per block type (too many bytes to commit in full).
"""

from __future__ import annotations

import argparse
import ctypes
import importlib.metadata
import pathlib
import sys

import gguf
import numpy as np
from gguf import GGMLQuantizationType as T
from gguf.quants import dequantize, quantize

LEGACY = {"q8_0": T.Q8_0, "q4_0": T.Q4_0, "q4_1": T.Q4_1, "q5_0": T.Q5_0, "q5_1": T.Q5_1}
K_QUANTS = {"q4_k": T.Q4_K, "q5_k": T.Q5_K, "q6_k": T.Q6_K}

# Byte offsets of the fp16 fields in each block (everything else may be any byte).
FP16_FIELDS = {
    T.Q8_0: [0], T.Q4_0: [0], T.Q4_1: [0, 2], T.Q5_0: [0], T.Q5_1: [0, 2],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}


def legacy_input(rng: np.random.Generator) -> np.ndarray:
    """12 blocks of 32 that reach every branch of the legacy quantizers."""
    blocks = [
        np.zeros(32),                                  # d = 0
        np.full(32, 0.75),                             # constant (Q4_1/Q5_1: max == min)
        np.full(32, -1.25),                            # negative constant
        rng.standard_normal(32),                       # typical
        np.where(np.arange(32) == 7, 40.0, rng.standard_normal(32)),  # one outlier
        rng.uniform(0.0, 2.0, 32),                     # all positive
        rng.standard_normal(32) * 1e-6,                # scale in the fp16 subnormal range
        np.concatenate([[-3.0, 3.0], rng.uniform(-3, 3, 30)]),  # +-max tie: the first one wins
        (np.arange(32) - 16) * 0.125,                  # exact grid
        rng.standard_normal(32) * 1000.0,              # large values
        # Exact rounding ties: with amax 127, Q8_0 has d = 1, so x·id = k + 0.5 (roundf goes away
        # from zero); with max -8 and min/max -8/7, Q4_0 and Q4_1 get d = 1 and truncate k + 1.0.
        np.concatenate([[127.0], (np.arange(31) % 16) - 7.5]),
        np.concatenate([[-8.0, 7.0], (np.arange(30) % 15) - 7.5]),
    ]
    return np.concatenate(blocks).astype(np.float32)


def k_input(rng: np.random.Generator) -> np.ndarray:
    """4 super-blocks of 256 that reach every branch of the K-quant quantizers."""
    sub = lambda values: np.asarray(values, dtype=np.float64)  # noqa: E731
    mixed = np.concatenate([
        sub(np.zeros(32)),                                    # zero sub-block
        sub(np.full(32, 0.5)),                                # constant sub-block
        sub(np.where(np.arange(32) == 5, -9.0, rng.standard_normal(32) * 0.3)),  # outlier
        sub(rng.uniform(0.1, 1.0, 32)),                       # all positive (min clamps to 0)
        sub(-rng.uniform(0.1, 1.0, 32)),                      # all negative
        sub(rng.standard_normal(32) * 1e-7),                  # tiny: scale codes round to 0
        sub(rng.standard_normal(32) * 10.0),                  # large
        sub((np.arange(32) - 16) * 0.0625),                   # exact grid
    ])
    outlier = rng.standard_normal(256)
    outlier[100] = 100.0
    blocks = [
        rng.standard_normal(256) * 0.05,  # weight-like
        mixed,
        outlier,
        np.zeros(256),                    # all-zero super-block
    ]
    return np.concatenate(blocks).astype(np.float32)


def half_input(rng: np.random.Generator) -> np.ndarray:
    """Special values and rounding edges for F16/BF16, then random values over many scales."""
    bits = np.array([
        0x00000000, 0x80000000, 0x3F800000, 0xBF800000,  # +-0, +-1
        0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FFFFF,  # 65504, just below/at/above the inf tie
        0x47C35000, 0x7F7FFFFF, 0x7F800000, 0xFF800000,  # 1e5, FLT_MAX, +-inf
        0x7FC00000, 0xFFC00000, 0x7FC12345,              # quiet NaNs (one with a payload)
        0x33800000, 0x33000000, 0x33000001, 0x33400000,  # 2^-24, 2^-25 (tie to 0), above, 1.5*2^-25
        0x387FC000, 0x38800000, 0x387FE000, 0x00000001,  # subnormal/normal boundary, f32 denormal
        0x3F801000, 0x3F803000, 0x3F808000, 0x3F818000,  # fp16 and bf16 ties to even
    ], dtype=np.uint32).view(np.float32)
    scales = np.repeat(np.float32([1e-7, 1e-5, 1e-3, 1.0, 100.0, 3e4, 1e30]), 32)
    randoms = (rng.standard_normal(scales.size).astype(np.float32) * scales).astype(np.float32)
    return np.concatenate([bits, randoms]).astype(np.float32)


class SplitMix64:
    """The PRNG that quant_test.cpp re-implements, so both sides build the same stress input."""

    MASK = (1 << 64) - 1

    def __init__(self, seed: int):
        self.state = seed & self.MASK

    def next(self) -> int:
        self.state = (self.state + 0x9E3779B97F4A7C15) & self.MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & self.MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & self.MASK
        return z ^ (z >> 31)


def stress_input(n_values: int, seed: int) -> np.ndarray:
    """x = u1·u2·2^e with u exact 24-bit uniforms in [-1, 1) and e drawn per 32 values in
    [-10, 5]: every step is one f32 rounding that C++ reproduces exactly."""
    rng = SplitMix64(seed)
    out = np.empty(n_values, dtype=np.float32)
    for start in range(0, n_values, 32):
        scale = np.float32(2.0 ** (rng.next() % 16 - 10))
        for i in range(start, start + 32):
            u1 = np.float32((rng.next() >> 40) - (1 << 23)) * np.float32(2.0 ** -23)
            u2 = np.float32((rng.next() >> 40) - (1 << 23)) * np.float32(2.0 ** -23)
            out[i] = np.float32(u1 * u2) * scale
    return out


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & ((1 << 64) - 1)
    return h


# Large stress sets, stored only as a digest of llama.cpp's bytes (see stress.txt).
STRESS_VALUES = 65536
STRESS_SEED = 20240611


def random_blocks(rng: np.random.Generator, qtype: T, n_blocks: int) -> np.ndarray:
    block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
    raw = rng.integers(0, 256, size=(n_blocks, type_size), dtype=np.uint8)
    for offset in FP16_FIELDS[qtype]:
        scale = (rng.standard_normal(n_blocks) * 0.1).astype(np.float16)
        raw[:, offset:offset + 2] = scale.view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(-1)


class Ggml:
    """llama.cpp's reference routines through ctypes (libggml-base)."""

    class TypeTraits(ctypes.Structure):
        _fields_ = [
            ("type_name", ctypes.c_char_p),
            ("blck_size", ctypes.c_int64),
            ("blck_size_interleave", ctypes.c_int64),
            ("type_size", ctypes.c_size_t),
            ("is_quantized", ctypes.c_bool),
            ("to_float", ctypes.c_void_p),
            ("from_float_ref", ctypes.c_void_p),
        ]

    def __init__(self, path: str):
        self.lib = ctypes.CDLL(path)
        self.lib.ggml_quantize_chunk.restype = ctypes.c_size_t
        self.lib.ggml_quantize_chunk.argtypes = [
            ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64, ctypes.c_int64,
            ctypes.c_int64, ctypes.c_void_p]
        self.lib.ggml_get_type_traits.restype = ctypes.POINTER(Ggml.TypeTraits)
        self.lib.ggml_get_type_traits.argtypes = [ctypes.c_int]

    def quantize(self, qtype: T, values: np.ndarray) -> np.ndarray:
        values = np.ascontiguousarray(values, dtype=np.float32)
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        out = np.zeros(values.size // block_size * type_size, dtype=np.uint8)
        written = self.lib.ggml_quantize_chunk(int(qtype), values.ctypes.data, out.ctypes.data,
                                               0, 1, values.size, None)
        assert written == out.size, (qtype.name, written, out.size)
        return out

    def dequantize(self, qtype: T, raw: np.ndarray) -> np.ndarray:
        block_size, type_size = gguf.GGML_QUANT_SIZES[qtype]
        raw = np.ascontiguousarray(raw, dtype=np.uint8)
        n = raw.size // type_size * block_size
        out = np.zeros(n, dtype=np.float32)
        fn_type = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int64)
        to_float = fn_type(self.lib.ggml_get_type_traits(int(qtype)).contents.to_float)
        to_float(raw.ctypes.data, out.ctypes.data, n)
        return out


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.tobytes() == b.tobytes()


def write_case(folder: pathlib.Path, **arrays: np.ndarray) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for name, array in arrays.items():
        ext = "f32" if array.dtype == np.float32 else "bin"
        path = folder / f"{name}.{ext}"
        path.write_bytes(array.tobytes())
        total += path.stat().st_size
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ggml-lib", required=True, help="path to llama.cpp's libggml-base.so")
    parser.add_argument("--out", default=str(pathlib.Path(__file__).resolve().parents[1] /
                                             "golden" / "quant"))
    parser.add_argument("--dump-stress", action="store_true",
                        help="also write the full stress bytes (for debugging; do not commit)")
    args = parser.parse_args()
    out = pathlib.Path(args.out)
    ggml = Ggml(args.ggml_lib)
    rng = np.random.default_rng(20240611)
    total = 0

    # F16 / BF16: numpy's float16 cast and gguf's BF16 (the same rounding as ggml's).
    halves = half_input(rng)
    with np.errstate(over="ignore"):  # values beyond 65504 become inf, as they should
        f16 = halves.astype(np.float16)
    total += write_case(out / "f16", input=halves, quantized=f16.view(np.uint8),
                        dequantized=f16.astype(np.float32))
    bf16 = quantize(halves, T.BF16)
    total += write_case(out / "bf16", input=halves, quantized=bf16,
                        dequantized=dequantize(bf16, T.BF16).astype(np.float32))

    for name, qtype in {**LEGACY, **K_QUANTS}.items():
        values = legacy_input(rng) if qtype in LEGACY.values() else k_input(rng)
        reference = ggml.quantize(qtype, values)
        if qtype in LEGACY.values():
            from_gguf = quantize(values, qtype).reshape(-1)
            if not same_bits(from_gguf, reference):
                print(f"{name}: gguf and ggml quantize differently", file=sys.stderr)
                return 1
        n_random = 8 if qtype in LEGACY.values() else 2
        random = random_blocks(rng, qtype, n_random)
        arrays = dict(input=values, quantized=reference,
                      dequantized=dequantize(reference, qtype).reshape(-1).astype(np.float32),
                      random=random,
                      random_dequantized=dequantize(random, qtype).reshape(-1).astype(np.float32))
        for key, raw in (("dequantized", reference), ("random_dequantized", random)):
            if not same_bits(arrays[key], ggml.dequantize(qtype, raw)):
                print(f"{name}: gguf and ggml dequantize {key} differently", file=sys.stderr)
                return 1
        total += write_case(out / name, **arrays)

    # Stress: many blocks of varied scale; only a digest is committed (the test rebuilds the input
    # with the same SplitMix64 and compares the digest of its own bytes).
    stress = stress_input(STRESS_VALUES, STRESS_SEED)
    lines = ["# type n_values seed fnv1a64(llama.cpp bytes); written by make_quant_golden.py"]
    for name, qtype in {**LEGACY, **K_QUANTS}.items():
        reference = ggml.quantize(qtype, stress)
        if qtype in LEGACY.values() and not same_bits(quantize(stress, qtype).reshape(-1), reference):
            print(f"{name}: gguf and ggml quantize the stress set differently", file=sys.stderr)
            return 1
        lines.append(f"{name} {STRESS_VALUES} {STRESS_SEED} {fnv1a64(reference.tobytes()):016x}")
        if args.dump_stress:
            (out / name / "stress_quantized.bin").write_bytes(reference.tobytes())
    (out / "stress.txt").write_text("\n".join(lines) + "\n")

    print(f"wrote {out} ({total} bytes) with gguf {importlib.metadata.version('gguf')}, "
          f"numpy {np.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
