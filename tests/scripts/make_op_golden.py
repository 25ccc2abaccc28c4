#!/usr/bin/env python3
"""Writes tests/golden/ops/cases.json: op results computed with numpy, independently of braid,
to check the reference backend (tests/unit/reference/ops_golden_test.cpp).

Run (from the repository root):
    /work/pyenv/bin/python tests/scripts/make_op_golden.py

Versions used: numpy 2.4.6, gguf 0.19.0 (PyPI; its numpy code in gguf.quants quantizes the
legacy block types and dequantizes every type). No torch: each op is written out below in numpy,
in float64, from its definition (the formulas of the ABI header plugins/include/braid/backend.h):
  matmul    y = x @ W.T + b, W dequantized by gguf.quants;
  rms_norm  x / sqrt(mean(x^2) + eps) * w;  layer_norm (x - mean) / sqrt(var + eps) * w + b;
  rope      theta_i = pos * freq_scale * base^(-2i/n_rot) / factor_i, pairs (2i, 2i+1) or
            (i, i + n_rot/2);
  softmax   of x * scale + mask;  attention softmax(q k^T * scale + mask) v with GQA, causal by
            position, valid length;
  gelu      0.5 x (1 + erf(x / sqrt 2)) (math.erf), gelu_tanh, silu, quick_gelu, swiglu;
  conv1d / conv2d by explicit sums over padded inputs; avg_pool2d by reshaping;
  get_rows, add with broadcasting, concat, permute, set_rows.

Inputs are drawn from numpy's PCG64 with fixed seeds and stored in the file (float32 values, or
block bytes as hex), so the C++ test needs no random generator. Expected outputs are float64
results rounded to float32. K-quant weights are random block bytes with sane fp16 scales (gguf
has no K-quant quantizer), dequantized by gguf.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
from pathlib import Path

import numpy as np
from gguf import GGMLQuantizationType as T
from gguf import quants

OUT = Path(__file__).resolve().parents[1] / "golden" / "ops" / "cases.json"
rng = np.random.default_rng(20240611)


def f32(a) -> list:
    """float32 values as the shortest decimals that read back to the same float32; the JSON
    has no infinities, so those are the strings "inf" / "-inf"."""
    out = []
    for v in np.asarray(a, dtype=np.float32).ravel():
        out.append(float(str(v)) if np.isfinite(v) else ("inf" if v > 0 else "-inf"))
    return out


def tensor(values: np.ndarray, dtype: str = "F32") -> dict:
    """An input: float values (stored as the f32 the test uploads) or I32."""
    values = np.asarray(values)
    if dtype == "I32":
        return {"dtype": "I32", "shape": list(values.shape), "data": [int(v) for v in values.ravel()]}
    if dtype == "F16":
        values = values.astype(np.float16).astype(np.float32)  # exactly representable
    return {"dtype": dtype, "shape": list(values.shape), "data": f32(values)}


def quantized(values: np.ndarray, qtype: T) -> tuple[dict, np.ndarray]:
    """Quantizes with gguf; returns the input record and the dequantized float64 weights."""
    q = quants.quantize(values.astype(np.float32), qtype)
    deq = quants.dequantize(q, qtype).astype(np.float64)
    return {"dtype": qtype.name, "shape": list(values.shape), "hex": q.tobytes().hex()}, deq


def random_kquant(rows: int, cols: int, qtype: T) -> tuple[dict, np.ndarray]:
    """Random K-quant blocks with the fp16 super-block scales set to small finite values."""
    block_bytes = {T.Q4_K: 144, T.Q5_K: 176, T.Q6_K: 210}[qtype]
    n_blocks = rows * cols // 256
    raw = rng.integers(0, 256, size=(n_blocks, block_bytes), dtype=np.uint8)
    d = np.frombuffer(np.float16(0.004).tobytes(), dtype=np.uint8)
    dmin = np.frombuffer(np.float16(0.002).tobytes(), dtype=np.uint8)
    if qtype == T.Q6_K:
        raw[:, 208:210] = d  # d is the last field
    else:
        raw[:, 0:2] = d
        raw[:, 2:4] = dmin
    raw = raw.reshape(rows, cols // 256 * block_bytes)
    deq = quants.dequantize(raw, qtype).astype(np.float64)
    return {"dtype": qtype.name, "shape": [rows, cols], "hex": raw.tobytes().hex()}, deq


def uniform(*shape, lo=-1.0, hi=1.0) -> np.ndarray:
    return rng.uniform(lo, hi, size=shape).astype(np.float32).astype(np.float64)


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


cases: list[dict] = []


def add(name, op, inputs, out_shape, expected, params=None, out_dtype="F32", initial=None):
    record = {"name": name, "op": op, "params": params or {}, "inputs": inputs,
              "output": {"dtype": out_dtype, "shape": list(out_shape)},
              "expected": f32(expected)}
    if initial is not None:
        record["output"]["initial"] = initial
    cases.append(record)


# ---- matmul ------------------------------------------------------------------------------
x = uniform(3, 64)
w = uniform(5, 64)
b = uniform(5)
add("matmul_f32_bias", "matmul", [tensor(x), tensor(w), tensor(b)], (3, 5), x @ w.T + b)
w16 = w.astype(np.float16).astype(np.float64)
add("matmul_f16", "matmul", [tensor(x), tensor(w, "F16")], (3, 5), x @ w16.T)
for qtype in (T.Q8_0, T.Q4_0, T.Q5_1):
    rec, deq = quantized(uniform(4, 64), qtype)
    add(f"matmul_{qtype.name.lower()}", "matmul", [tensor(x), rec], (3, 4), x @ deq.T)
xk = uniform(2, 512)
for qtype in (T.Q4_K, T.Q5_K, T.Q6_K):
    rec, deq = random_kquant(3, 512, qtype)
    add(f"matmul_{qtype.name.lower()}", "matmul", [tensor(xk), rec], (2, 3), xk @ deq.T)

# ---- element-wise and normalization -------------------------------------------------------
a = uniform(2, 3, 8)
bb = uniform(3, 1)
add("add_broadcast", "add", [tensor(a), tensor(bb)], a.shape, a + bb[None, :, :])
m8 = uniform(8)
add("mul_broadcast", "mul", [tensor(a), tensor(m8)], a.shape, a * m8)
add("scale", "scale", [tensor(a)], a.shape, a * 0.75 - 0.5, {"scale": 0.75, "bias": -0.5})
g = uniform(4, 9, lo=-5, hi=5)
add("silu", "silu", [tensor(g)], g.shape, g * sigmoid(g))
erf = np.vectorize(math.erf)
add("gelu", "gelu", [tensor(g)], g.shape, 0.5 * g * (1 + erf(g / math.sqrt(2))))
add("gelu_tanh", "gelu_tanh", [tensor(g)], g.shape,
    0.5 * g * (1 + np.tanh(math.sqrt(2 / math.pi) * (g + 0.044715 * g**3))))
add("quick_gelu", "quick_gelu", [tensor(g)], g.shape, g * sigmoid(1.702 * g))
up = uniform(4, 9)
add("swiglu", "swiglu", [tensor(g), tensor(up)], g.shape, g * sigmoid(g) * up)

n = uniform(3, 40, lo=-2, hi=3)
nw = uniform(40, lo=0.5, hi=1.5)
nb = uniform(40)
add("rms_norm", "rms_norm", [tensor(n), tensor(nw)], n.shape,
    n / np.sqrt((n**2).mean(-1, keepdims=True) + 1e-5) * nw, {"eps": 1e-5})
mu = n.mean(-1, keepdims=True)
var = ((n - mu) ** 2).mean(-1, keepdims=True)
add("layer_norm", "layer_norm", [tensor(n), tensor(nw), tensor(nb)], n.shape,
    (n - mu) / np.sqrt(var + 1e-6) * nw + nb, {"eps": 1e-6})

# ---- rope ------------------------------------------------------------------------------------
def rope(x, pos, n_rot, base, scale, mode, factors=None):
    out = x.copy()
    half = n_rot // 2
    i = np.arange(half)
    freq = base ** (-2.0 * i / n_rot)
    if factors is not None:
        freq = freq / factors
    theta = pos[:, None] * scale * freq[None, :]  # [tokens, half]
    c, s = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
    if mode == "adjacent":
        i0, i1 = 2 * i, 2 * i + 1
    else:
        i0, i1 = i, i + half
    x0, x1 = x[:, :, i0], x[:, :, i1]
    out[:, :, i0] = x0 * c - x1 * s
    out[:, :, i1] = x0 * s + x1 * c
    return out


rx = uniform(5, 3, 16)
pos = np.array([0, 1, 7, 300, 4095])
add("rope_adjacent", "rope", [tensor(rx), tensor(pos, "I32")], rx.shape,
    rope(rx, pos, 16, 10000.0, 1.0, "adjacent"),
    {"mode": 0, "n_rot": 16, "freq_base": 10000.0, "freq_scale": 1.0})
factors = uniform(4, lo=1.0, hi=8.0)
add("rope_half_split_partial_factors", "rope", [tensor(rx), tensor(pos, "I32"), tensor(factors)],
    rx.shape, rope(rx, pos, 8, 500000.0, 0.5, "half_split", factors),
    {"mode": 1, "n_rot": 8, "freq_base": 500000.0, "freq_scale": 0.5})

# ---- softmax and attention --------------------------------------------------------------------
sx = uniform(2, 3, 7, lo=-4, hi=4)
mask = uniform(3, 7)
mask[0, 5:] = -np.inf
z = sx * 0.5 + mask
z = np.exp(z - z.max(-1, keepdims=True))
add("softmax_masked", "softmax", [tensor(sx), tensor(mask)], sx.shape,
    z / z.sum(-1, keepdims=True), {"scale": 0.5})


def attention(q, k, v, scale, positions=None, mask=None, n_valid=None):
    n_q, n_head, _ = q.shape
    n_kv, n_head_kv, dv = v.shape
    n_valid = n_kv if n_valid is None else n_valid
    out = np.zeros((n_q, n_head, dv))
    for i in range(n_q):
        for h in range(n_head):
            hk = h // (n_head // n_head_kv)
            s = k[:n_valid, hk, :] @ q[i, h, :] * scale
            if mask is not None:
                s = s + mask[i, :n_valid]
            if positions is not None:
                s = np.where(np.arange(n_valid) <= positions[i], s, -np.inf)
            if np.all(np.isneginf(s)):
                continue
            p = np.exp(s - s.max())
            out[i, h] = (p / p.sum()) @ v[:n_valid, hk, :]
    return out


q = uniform(3, 4, 32, lo=-2, hi=2)
k = uniform(6, 2, 32, lo=-2, hi=2).astype(np.float16).astype(np.float64)
v = uniform(6, 2, 32).astype(np.float16).astype(np.float64)
qpos = np.array([3, 4, 5])
amask = uniform(3, 6)
amask[1, 2] = -np.inf
add("attention_gqa_causal_mask_f16", "attention",
    [tensor(q), tensor(k, "F16"), tensor(v, "F16"), tensor(qpos, "I32"), tensor(amask)],
    q.shape, attention(q, k, v, 0.125, qpos, amask), {"scale": 0.125, "causal": 1})
add("attention_valid_length", "attention",
    [tensor(q), tensor(k, "F16"), tensor(v, "F16"), tensor(np.array([0, 1, 2]), "I32"), None,
     tensor(np.array([4]), "I32")],
    q.shape, attention(q, k, v, 0.2, np.array([0, 1, 2]), None, 4), {"scale": 0.2, "causal": 1})

# ---- convolutions and pooling -----------------------------------------------------------------
cx = uniform(3, 11)
cw = uniform(4, 3, 3).astype(np.float16).astype(np.float64)
cb = uniform(4)
stride, pad = 2, 1
xp = np.pad(cx, ((0, 0), (pad, pad)))
l_out = (11 + 2 * pad - 3) // stride + 1
conv1 = np.array([[np.sum(cw[o] * xp[:, t * stride:t * stride + 3]) + cb[o] for t in range(l_out)]
                  for o in range(4)])
add("conv1d_stride2_pad1_f16", "conv1d", [tensor(cx), tensor(cw, "F16"), tensor(cb)], conv1.shape,
    conv1, {"stride": 2, "padding": 1})
ix = uniform(3, 8, 8)
iw = uniform(5, 3, 4, 4)
ib = uniform(5)
patches = ix.reshape(3, 2, 4, 2, 4).transpose(1, 3, 0, 2, 4)  # [py, px, c, ky, kx]
conv2 = np.einsum("yxcij,ocij->oyx", patches, iw) + ib[:, None, None]
add("conv2d_patch", "conv2d", [tensor(ix), tensor(iw), tensor(ib)], conv2.shape, conv2,
    {"stride": 4, "padding": 0})
px = uniform(2, 7, 9)
pooled = px[:, :6, :9].reshape(2, 2, 3, 3, 3).mean(axis=(2, 4))
add("avg_pool2d_drops_remainder", "avg_pool2d", [tensor(px)], pooled.shape, pooled, {"kernel": 3})

# ---- gathers and layout ----------------------------------------------------------------------
table_rec, table = quantized(uniform(6, 32, lo=-3, hi=3), T.Q8_0)
rows = np.array([5, 0, 5, 2])
add("get_rows_q8_0", "get_rows", [table_rec, tensor(rows, "I32")], (4, 32), table[rows])
c0, c1 = uniform(2, 3, 4), uniform(2, 5, 4)
add("concat_axis1", "concat", [tensor(c0), tensor(c1)], (2, 8, 4), np.concatenate([c0, c1], 1),
    {"axis": 1})
pp = uniform(2, 3, 4, 5)
add("permute_rank4", "permute", [tensor(pp)], (5, 3, 2, 4), pp.transpose(3, 1, 0, 2),
    {"axes": [3, 1, 0, 2]})
cache = uniform(6, 2, 8).astype(np.float16).astype(np.float64)
new = uniform(2, 2, 8)
updated = cache.copy()
for i, r in enumerate([4, 1]):
    updated[r] = new[i].astype(np.float16).astype(np.float64)
add("set_rows_f16", "set_rows", [tensor(new), tensor(np.array([4, 1]), "I32")], cache.shape,
    updated, out_dtype="F16", initial=tensor(cache, "F16"))

doc = {
    "generator": "tests/scripts/make_op_golden.py",
    "numpy": np.__version__,
    "gguf": importlib.metadata.version("gguf"),
    "cases": cases,
}
OUT.parent.mkdir(parents=True, exist_ok=True)
# One case per line: small, and a diff shows which case changed.
header = json.dumps({k: v for k, v in doc.items() if k != "cases"})[:-1]
body = ",\n".join(json.dumps(c, separators=(",", ":"), allow_nan=False) for c in cases)
OUT.write_text(header + ', "cases": [\n' + body + "\n]}\n")
print(f"wrote {len(cases)} cases to {OUT} ({OUT.stat().st_size} bytes)")
