#!/usr/bin/env python3
"""Reads every GGUF file in ../shared/data with the `gguf` package from PyPI (llama.cpp's own
Python reader, written independently of braid) and records the facts braid's reader and
`braid info` must reproduce, in tests/golden/gguf/facts.json.

Run from the repository root:
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install gguf numpy
    /tmp/venv/bin/python tests/scripts/make_gguf_facts.py
"""
import glob
import importlib.metadata
import json
import os
import sys

import gguf
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
OUT = os.path.join(ROOT, "tests", "golden", "gguf", "facts.json")

TYPE_NAMES = {t.value: t.name.lower().replace("float", "f").replace("uint", "u").replace("int", "i")
              for t in gguf.GGUFValueType}
TYPE_NAMES.update({6: "f32", 12: "f64", 7: "bool", 8: "string", 9: "array"})


def fnv1a64(data: bytes) -> str:
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def scalar(field, part):
    t = field.types[-1]
    raw = field.parts[part]
    if t == gguf.GGUFValueType.STRING:
        return bytes(raw).decode("utf-8", errors="surrogateescape")
    v = raw[0].item()
    if t == gguf.GGUFValueType.BOOL:
        return bool(v)
    return v


def describe_field(field):
    t0 = field.types[0]
    if t0 == gguf.GGUFValueType.ARRAY:
        if len(field.types) > 2 or (len(field.types) == 2 and field.types[1] == gguf.GGUFValueType.ARRAY):
            return {"type": "array", "element_type": "array", "count": len(field.data)}
        items = [scalar(field, i) for i in field.data]
        elem = TYPE_NAMES[field.types[1].value] if len(field.types) > 1 else "u8"
        out = {"type": "array", "element_type": elem, "count": len(items)}
        if items:
            out["first"] = items[0]
            out["last"] = items[-1]
        if elem == "string":
            # length-prefixed concatenation, so the check covers every item
            blob = b"".join(len(s.encode("utf-8", "surrogateescape")).to_bytes(8, "little") +
                            s.encode("utf-8", "surrogateescape") for s in items)
            out["fnv1a64"] = fnv1a64(blob)
        return out
    value = scalar(field, field.data[0])
    if isinstance(value, float):
        value = float(np.float32(value)) if t0 == gguf.GGUFValueType.FLOAT32 else value
    if isinstance(value, str) and len(value) > 200:
        return {"type": "string", "length": len(value.encode("utf-8")),
                "fnv1a64": fnv1a64(value.encode("utf-8"))}
    return {"type": TYPE_NAMES[t0.value], "value": value}


def facts_for(path):
    reader = gguf.GGUFReader(path)
    kv = []
    for name, field in reader.fields.items():
        if name.startswith("GGUF."):
            continue
        kv.append({"key": name, **describe_field(field)})
    tensors = []
    bytes_per_type = {}
    n_params = 0
    with open(path, "rb") as f:
        blob = f.read()
    for t in reader.tensors:
        type_name = gguf.GGMLQuantizationType(t.tensor_type).name
        shape = [int(d) for d in reversed(t.shape.tolist())]  # outermost first
        tensors.append({"name": t.name, "type": type_name, "shape": shape,
                        "file_offset": int(t.data_offset), "n_bytes": int(t.n_bytes),
                        "fnv1a64": fnv1a64(blob[t.data_offset:t.data_offset + t.n_bytes])})
        bytes_per_type[type_name] = bytes_per_type.get(type_name, 0) + int(t.n_bytes)
        n_params += int(t.n_elements)
    version = int(reader.fields["GGUF.version"].parts[-1][0])
    return {
        "file": os.path.relpath(path, SHARED),
        "version": version,
        "alignment": int(reader.alignment),
        "data_offset": int(reader.data_offset),
        "kv_count": len(kv),
        "metadata": kv,
        "tensor_count": len(tensors),
        "tensors": tensors,
        "bytes_per_type": bytes_per_type,
        "n_params": n_params,
    }


def main():
    paths = sorted(glob.glob(os.path.join(SHARED, "tinyllama-stories260K", "*.gguf")) +
                   glob.glob(os.path.join(SHARED, "llamacpp-vocab", "*.gguf")))
    if not paths:
        sys.exit(f"no GGUF files under {SHARED}")
    facts = {"generator": f"gguf {importlib.metadata.version('gguf')} (PyPI), numpy {np.__version__}",
             "files": [facts_for(p) for p in paths]}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump(facts, f, ensure_ascii=False, indent=1)
    print(f"wrote {OUT}: {len(paths)} files")


if __name__ == "__main__":
    main()
