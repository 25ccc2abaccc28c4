#!/usr/bin/env python3
"""Writes the seed corpus of the GGUF fuzz target (tests/fuzz/corpus/gguf/) with the `gguf`
package from PyPI, llama.cpp's own writer: small files that cover every value type, nested
arrays, tensors of several types and a non-default alignment.

    /tmp/venv/bin/pip install gguf numpy && /tmp/venv/bin/python tests/scripts/make_fuzz_seeds.py
"""
import os

import gguf
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, "tests", "fuzz", "corpus", "gguf")


def write(name, build):
    path = os.path.join(OUT, name)
    w = gguf.GGUFWriter(path, "llama")
    build(w)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def every_type(w):
    w.add_uint8("t.u8", 7)
    w.add_int8("t.i8", -7)
    w.add_uint16("t.u16", 700)
    w.add_int16("t.i16", -700)
    w.add_uint32("llama.block_count", 2)
    w.add_int32("t.i32", -70000)
    w.add_float32("t.f32", 0.5)
    w.add_bool("t.bool", True)
    w.add_string("general.name", "seed")
    w.add_uint64("t.u64", 1 << 40)
    w.add_int64("t.i64", -(1 << 40))
    w.add_float64("t.f64", 0.25)
    w.add_array("t.strings", ["a", "bc", "\u2581x"])
    w.add_array("t.ints", [1, 2, 3])
    w.add_array("t.nested", [[1, 2], [3]])


def tensors(w):
    w.add_uint32("llama.embedding_length", 32)
    w.add_tensor("token_embd.weight", np.arange(64, dtype=np.float32).reshape(2, 32))
    w.add_tensor("norm.weight", np.ones(32, dtype=np.float16))
    q8 = np.zeros((2, 34), dtype=np.uint8)
    w.add_tensor("blk.0.attn_q.weight", q8, raw_dtype=gguf.GGMLQuantizationType.Q8_0)


def aligned(w):
    w.add_uint32("general.alignment", 64)
    w.data_alignment = 64
    w.add_tensor("a", np.ones((3, 5), dtype=np.float32))
    w.add_tensor("b", np.ones(7, dtype=np.float32))


def main():
    os.makedirs(OUT, exist_ok=True)
    write("every_value_type.gguf", every_type)
    write("tensors.gguf", tensors)
    write("alignment_64.gguf", aligned)
    print("wrote", sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
