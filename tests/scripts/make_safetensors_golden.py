#!/usr/bin/env python3
"""Writes the safetensors golden files under tests/golden/safetensors/.

The files are written by the reference implementation, the `safetensors` package from PyPI
(Hugging Face's Rust library behind a Python binding), so braid's reader is checked against
files it did not write itself. expected.json records, for every tensor, what numpy put in:
dtype, shape, the exact data bytes (hex) and the values, so the C++ tests can check the reader
byte for byte and value for value.

Run from the repository root:
    /work/pyenv/bin/python tests/scripts/make_safetensors_golden.py
Written with: Python 3.11, safetensors 0.8.0, numpy 2.4.6 (see README.md beside the output).
The output is deterministic: rerunning it must not change any file.
"""

import json
import pathlib
import sys

import numpy as np
import safetensors
import safetensors.numpy
from safetensors import TensorSpec

OUT = pathlib.Path(__file__).resolve().parents[1] / "golden" / "safetensors"


def f32_to_bf16_bits(values):
    """bfloat16 bits of float32 values that bfloat16 holds exactly (asserted)."""
    f32 = np.asarray(values, dtype=np.float32)
    bits = (f32.view(np.uint32) >> 16).astype(np.uint16)
    back = (bits.astype(np.uint32) << 16).view(np.float32)
    assert np.array_equal(back, f32), "value not exact in bfloat16"
    return bits


class Tensor:
    """An array plus the safetensors dtype name to store it as (for types numpy lacks)."""

    def __init__(self, array, st_dtype=None, values=None):
        # np.ascontiguousarray would turn a 0-d scalar into shape (1,); a C-order copy keeps it.
        self.array = np.array(array, order="C", copy=True)
        self.st_dtype = st_dtype  # e.g. "bfloat16": store array's bytes under this dtype
        self.values = values  # the values the bytes mean, when they are not array's own


def write_with_specs(path, tensors, metadata=None):
    """Writes through safetensors.serialize_file, which takes raw bytes plus a dtype name.

    This is what safetensors.numpy.save_file does inside; calling it directly lets us store
    bfloat16 and float8 data, which numpy has no dtype for.
    """
    specs = {}
    for name, t in tensors.items():
        dtype = t.st_dtype or t.array.dtype.name
        shape = list(t.array.shape)  # bf16 bits are stored one uint16 per value
        specs[name] = TensorSpec(
            dtype=dtype, shape=shape, data_ptr=t.array.ctypes.data, data_len=t.array.nbytes
        )
    safetensors.serialize_file(specs, str(path), metadata=metadata)


ST_NAMES = {
    "bool": "BOOL", "uint8": "U8", "int8": "I8", "uint16": "U16", "int16": "I16",
    "uint32": "U32", "int32": "I32", "uint64": "U64", "int64": "I64", "float16": "F16",
    "float32": "F32", "float64": "F64", "bfloat16": "BF16", "float8_e4m3fn": "F8_E4M3",
}


def describe(tensors):
    out = {}
    for name, t in tensors.items():
        entry = {
            "dtype": ST_NAMES[t.st_dtype or t.array.dtype.name],
            "shape": list(t.array.shape),
            "hex": t.array.tobytes().hex(),
        }
        if t.values is not None:
            entry["values"] = [float(v) for v in np.asarray(t.values).reshape(-1)]
        elif t.st_dtype is None:
            flat = t.array.reshape(-1)
            if t.array.dtype.kind == "f":
                entry["values"] = [float(v) for v in flat]
            elif t.array.dtype.kind == "b":
                entry["values"] = [bool(v) for v in flat]
            else:
                entry["values"] = [int(v) for v in flat]
        out[name] = entry
    return out


def check_round_trip(path, tensors):
    """Reads the file back with the reference reader and compares every tensor's bytes."""
    loaded = dict(safetensors.deserialize(path.read_bytes()))
    assert sorted(loaded) == sorted(tensors), (path, sorted(loaded))
    for name, t in tensors.items():
        assert bytes(loaded[name]["data"]) == t.array.tobytes(), (path, name)
        assert list(loaded[name]["shape"]) == list(t.array.shape), (path, name)


def single_folder(rng):
    bf16_values = np.array([[1.0, -2.5], [3.140625, 1.0e-3]], dtype=np.float32)
    bf16_values[1, 1] = (np.float32(1.0e-3).view(np.uint32) & 0xFFFF0000).view(np.float32)
    f8_bytes = np.array([0x38, 0xB8, 0x7E, 0x00, 0x01, 0x40], dtype=np.uint8)  # e4m3fn bits
    tensors = {
        "embed.weight": Tensor(rng.standard_normal((3, 4)).astype(np.float32)),
        "block.0.conv.weight": Tensor(rng.standard_normal((2, 2, 3)).astype(np.float32)),
        "half.values": Tensor(
            np.array([0.0, -0.0, 1.0, -2.0, 65504.0, 6.103515625e-05, 5.960464477539063e-08,
                      0.333251953125], dtype=np.float16)),
        "bf16.weight": Tensor(f32_to_bf16_bits(bf16_values), "bfloat16", bf16_values),
        "f64.scalar": Tensor(np.array(2.718281828459045, dtype=np.float64)),
        "i8.values": Tensor(np.array([-128, -1, 0, 127], dtype=np.int8)),
        "u8.values": Tensor(np.array([0, 1, 200, 255], dtype=np.uint8)),
        "i16.values": Tensor(np.array([-32768, 12345, 32767], dtype=np.int16)),
        "u16.values": Tensor(np.array([0, 65535], dtype=np.uint16)),
        "i32.values": Tensor(np.array([[-2147483648, -1], [0, 2147483647]], dtype=np.int32)),
        "u32.values": Tensor(np.array([4294967295, 7], dtype=np.uint32)),
        "i64.values": Tensor(np.array([-9223372036854775808, 9223372036854775807, 42],
                                      dtype=np.int64)),
        "u64.values": Tensor(np.array([18446744073709551615, 3], dtype=np.uint64)),
        "mask": Tensor(np.array([True, False, True], dtype=np.bool_)),
        "f8.values": Tensor(f8_bytes, "float8_e4m3fn"),
        "empty.rows": Tensor(np.zeros((0, 3), dtype=np.float32)),
    }
    folder = OUT / "single"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.safetensors"
    # One key only: the library keeps metadata in a hash map, so the order of several would
    # change from run to run and the file would not be reproducible byte for byte.
    metadata = {"format": "pt"}
    write_with_specs(path, tensors, metadata)
    check_round_trip(path, tensors)
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 4,
        "num_hidden_layers": 1,
        "rms_norm_eps": 1e-05,
        "rope_theta": 10000.0,
        "tie_word_embeddings": True,
        "torch_dtype": "float32",
        "rope_scaling": {"rope_type": "linear", "factor": 2.0},
        "text_config": {"hidden_size": 4, "vocab_size": 3},
        "bos_token_id": 1,
        "eos_token_id": [2, 3],
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    return {"single/model.safetensors": {"metadata": metadata, "tensors": describe(tensors)}}


def sharded_folder(rng):
    norm = np.array([1.0, 0.5, -0.25, 2.0], dtype=np.float32)
    shard1 = {
        "model.embed_tokens.weight": Tensor(rng.standard_normal((6, 4)).astype(np.float32)),
        "model.layers.0.self_attn.q_proj.weight":
            Tensor(rng.standard_normal((4, 4)).astype(np.float16)),
    }
    shard2 = {
        "model.layers.0.input_layernorm.weight": Tensor(f32_to_bf16_bits(norm), "bfloat16", norm),
        "model.norm.weight": Tensor(np.array([1.0, 1.0, 0.75, 1.25], dtype=np.float32)),
        "lm_head.weight": Tensor(rng.standard_normal((6, 4)).astype(np.float32)),
    }
    folder = OUT / "sharded"
    folder.mkdir(parents=True, exist_ok=True)
    names = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
    # Shard 1 has only numpy dtypes: write it the ordinary way.
    safetensors.numpy.save_file({k: t.array for k, t in shard1.items()}, str(folder / names[0]),
                                metadata={"format": "pt"})
    write_with_specs(folder / names[1], shard2, {"format": "pt"})
    check_round_trip(folder / names[0], shard1)
    check_round_trip(folder / names[1], shard2)

    weight_map = {}
    for name, shard in zip(names, (shard1, shard2)):
        for tensor in shard:
            weight_map[tensor] = name
    total = sum(t.array.nbytes for shard in (shard1, shard2) for t in shard.values())
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    (folder / "model.safetensors.index.json").write_text(json.dumps(index, indent=2) + "\n")
    config = {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "hidden_size": 4,
        "intermediate_size": 8,
        "num_attention_heads": 2,
        "num_hidden_layers": 1,
        "max_position_embeddings": 64,
        "rms_norm_eps": 1e-06,
        "rope_scaling": None,
        "tie_word_embeddings": False,
        "vocab_size": 6,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    expected = {}
    for name, shard in zip(names, (shard1, shard2)):
        meta = {"format": "pt"}
        expected["sharded/" + name] = {"metadata": meta, "tensors": describe(shard)}
    return expected


def main():
    rng = np.random.default_rng(20240611)
    expected = {"generator": {"safetensors": safetensors.__version__, "numpy": np.__version__,
                              "python": sys.version.split()[0]}}
    expected.update(single_folder(rng))
    expected.update(sharded_folder(rng))
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
