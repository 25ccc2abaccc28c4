#!/usr/bin/env python3
"""Golden references for the shared decoder: tiny random-weight Hugging Face models, their GGUF
versions, and the logits transformers computes for them.

Run from the repository root (CPU only, about half a minute):
    /work/pyenv/bin/python tests/scripts/make_decoder_goldens.py
Writes tests/golden/decoder/<model>/ (see tests/golden/decoder/README.md for what each file is).
Made with: python 3, torch 2.15.0 (CPU), transformers 5.23.0, gguf 0.19.0, numpy 2.4.6,
safetensors 0.8.0. Outputs are deterministic for these versions (fixed seeds).

For each model the script:
  1. builds the transformers model with seeded random weights, rounded to F16 so the F16 files
     hold exactly the weights the reference used;
  2. saves the Hugging Face folder (config.json in the form Hub checkpoints use, F16
     model.safetensors) and reloads it with from_pretrained to make sure it reads back the same;
  3. runs the prompt, extends it greedily (argmax, no cache, whole-sequence forward) and records
     the logits of every position;
  4. writes GGUF files laid out as llama.cpp's convert_hf_to_gguf.py does (arch `llama` for Llama
     and Mistral with Q/K rows permuted per head for adjacent-pair RoPE, `rope_freqs` for Llama 3.1
     scaling; arch `qwen2` unpermuted);
  5. proves the layout by an independent path: reads every GGUF back with gguf.GGUFReader and
     runs a numpy float64 forward pass from those tensors (adjacent-pair RoPE for `llama`, halves
     for `qwen2`) that must reproduce the transformers logits; the same forward with the wrong
     RoPE convention must not. Q8_0 files get their own expected logits from that forward.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import sys
from pathlib import Path

import gguf
import numpy as np
import safetensors
import torch
import transformers
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig, MistralForCausalLM,
                          Qwen2Config, Qwen2ForCausalLM)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "decoder"

VOCAB = 270
HIDDEN = 64
INTERMEDIATE = 96
LAYERS = 2
HEADS = 4
KV_HEADS = 2
HEAD_DIM = HIDDEN // HEADS
N_PROMPT = 12
N_GENERATE = 16
MIN_GAP = 0.05

# name, transformers classes, config, GGUF arch, GGUF types written, seed
MODELS = [
    dict(name="llama_gqa", model_cls=LlamaForCausalLM, arch="llama", types=["f16", "q8_0"],
         seed=101,
         config=LlamaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
                            num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                            num_key_value_heads=KV_HEADS, max_position_embeddings=256,
                            rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
                            bos_token_id=1, eos_token_id=2)),
    dict(name="llama31_tied", model_cls=LlamaForCausalLM, arch="llama", types=["f32"], seed=202,
         config=LlamaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
                            num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                            num_key_value_heads=KV_HEADS, max_position_embeddings=512,
                            rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=True,
                            rope_scaling={"rope_type": "llama3", "factor": 8.0,
                                          "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                          "original_max_position_embeddings": 64},
                            bos_token_id=1, eos_token_id=2)),
    dict(name="mistral_swa", model_cls=MistralForCausalLM, arch="llama", types=["f16"], seed=303,
         config=MistralConfig(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
                              num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                              num_key_value_heads=KV_HEADS, max_position_embeddings=256,
                              rms_norm_eps=1e-5, rope_theta=1000000.0, sliding_window=8,
                              tie_word_embeddings=False, bos_token_id=1, eos_token_id=2)),
    dict(name="qwen2", model_cls=Qwen2ForCausalLM, arch="qwen2", types=["f16"], seed=405,
         config=Qwen2Config(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
                            num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                            num_key_value_heads=KV_HEADS, max_position_embeddings=256,
                            rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False,
                            use_sliding_window=False, bos_token_id=1, eos_token_id=2)),
    dict(name="llama_bias", model_cls=LlamaForCausalLM, arch="llama", types=["f16"], seed=507,
         config=LlamaConfig(vocab_size=VOCAB, hidden_size=HIDDEN, intermediate_size=INTERMEDIATE,
                            num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                            num_key_value_heads=KV_HEADS, max_position_embeddings=256,
                            rms_norm_eps=1e-5, rope_theta=10000.0, tie_word_embeddings=False,
                            attention_bias=True, bos_token_id=1, eos_token_id=2)),
]

FILE_TYPES = {
    "f32": gguf.LlamaFileType.ALL_F32,
    "f16": gguf.LlamaFileType.MOSTLY_F16,
    "q8_0": gguf.LlamaFileType.MOSTLY_Q8_0,
}


# ----------------------------------------------------------------------------- the HF model


def randomize(model: torch.nn.Module, seed: int) -> None:
    """Seeded weights with a spread that makes the logits informative (HF's default init, std
    0.02, gives near-uniform logits and greedy ties), rounded to F16."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if name.endswith("norm.weight"):
                value = 1.0 + 0.2 * torch.randn(param.shape, generator=gen)
            elif name.endswith(".bias"):
                value = 0.5 * torch.randn(param.shape, generator=gen)
            elif "embed_tokens" in name:
                value = torch.randn(param.shape, generator=gen)
            else:  # [out, in] projections
                value = torch.randn(param.shape, generator=gen) * (1.5 / math.sqrt(param.shape[1]))
            param.copy_(value.half().float())


def hub_style_config(path: Path, config: transformers.PretrainedConfig) -> None:
    """transformers 5 writes `rope_parameters`; Hub checkpoints (Llama 3.1, Mistral, Qwen2.5) carry
    `rope_theta` and `rope_scaling` at the top level. Write that form, which transformers still
    reads, so the C++ loader is tested against what real folders contain."""
    data = json.loads((path / "config.json").read_text())
    rope = data.pop("rope_parameters", None) or {}
    data["rope_theta"] = rope.get("rope_theta", 10000.0)
    scaling = {k: v for k, v in rope.items() if k != "rope_theta"}
    if scaling.get("rope_type", "default") != "default":
        data["rope_scaling"] = scaling
    data["torch_dtype"] = "float16"
    data.pop("dtype", None)
    (path / "config.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def hf_logits(model: torch.nn.Module, tokens: list[int]) -> np.ndarray:
    with torch.no_grad():
        out = model(input_ids=torch.tensor([tokens]), use_cache=False)
    return out.logits[0].float().numpy()


def greedy_sequence(model: torch.nn.Module, prompt: list[int]) -> tuple[list[int], float]:
    """Greedy extension by full recompute; returns the tokens and the smallest top-1/top-2 gap."""
    tokens = list(prompt)
    min_gap = math.inf
    for _ in range(N_GENERATE):
        last = hf_logits(model, tokens)[-1]
        top2 = np.sort(last)[-2:]
        min_gap = min(min_gap, float(top2[1] - top2[0]))
        tokens.append(int(np.argmax(last)))
    return tokens, min_gap


# ----------------------------------------------------------------------------- GGUF writing


def permute_for_adjacent_rope(weight: np.ndarray, n_head: int) -> np.ndarray:
    """Hugging Face stores each head's Q/K rows as [first halves of the pairs | second halves]
    (RoPE rotates x[i] with x[i + d/2]); GGUF `llama` wants the pair members next to each other
    (rows 2i and 2i+1), because ggml's normal RoPE rotates adjacent elements. Row j of the result
    is row (j % 2) * d/2 + j // 2 of the input, within each head. A bias (1-D) moves the same way,
    as the converter does it."""
    if weight.ndim == 1:
        return permute_for_adjacent_rope(weight[:, None], n_head)[:, 0]
    rows, cols = weight.shape
    d = rows // n_head
    return (weight.reshape(n_head, 2, d // 2, cols).transpose(0, 2, 1, 3).reshape(rows, cols))


def llama3_rope_factors(config: dict) -> np.ndarray:
    """Per-frequency divisors for Llama 3.1 RoPE scaling (llama.cpp's `rope_freqs` tensor): ggml
    divides the angle of frequency i by factors[i], matching transformers' llama3 inv_freq."""
    scaling = config["rope_scaling"]
    base = config["rope_theta"]
    dim = config["head_dim"]
    factor = scaling["factor"]
    low, high = scaling["low_freq_factor"], scaling["high_freq_factor"]
    old_context = scaling["original_max_position_embeddings"]
    low_freq_wavelen, high_freq_wavelen = old_context / low, old_context / high
    freqs = 1.0 / (base ** (np.arange(0, dim, 2, dtype=np.float32) / dim))
    factors = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_freq_wavelen:
            factors.append(1.0)
        elif wavelen > low_freq_wavelen:
            factors.append(factor)
        else:
            smooth = (old_context / wavelen - low) / (high - low)
            factors.append(1.0 / ((1.0 - smooth) / factor + smooth))
    return np.array(factors, dtype=np.float32)


HF_TO_GGUF = {
    "self_attn.q_proj": "attn_q", "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v",
    "self_attn.o_proj": "attn_output", "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up",
    "mlp.down_proj": "ffn_down", "input_layernorm": "attn_norm",
    "post_attention_layernorm": "ffn_norm",
}


def gguf_tensor_name(hf_name: str) -> str:
    if hf_name == "model.embed_tokens.weight":
        return "token_embd.weight"
    if hf_name == "model.norm.weight":
        return "output_norm.weight"
    if hf_name == "lm_head.weight":
        return "output.weight"
    parts = hf_name.split(".")  # model.layers.N.<module>.<sub>.weight|bias
    assert parts[0] == "model" and parts[1] == "layers", hf_name
    module = ".".join(parts[3:-1])
    return f"blk.{parts[2]}.{HF_TO_GGUF[module]}.{parts[-1]}"


def spm_vocab(n_vocab: int):
    """A tiny SentencePiece-style vocabulary (unk, bos, eos, 256 byte pieces, then words) so the
    files carry the tokenizer keys a loader expects. The goldens use token ids only."""
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    types = [2, 3, 3] + [6] * 256
    letters = "etaoinshrdlucmfwypvbgk"
    i = 0
    while len(tokens) < n_vocab:
        piece = "\u2581" + letters[i % len(letters)] + (letters[i // len(letters)] if i >= len(letters) else "")
        tokens.append(piece)
        types.append(1)
        i += 1
    scores = [0.0] * 259 + [-float(k) for k in range(n_vocab - 259)]
    return tokens, scores, types


def write_gguf(path: Path, name: str, arch: str, config: dict, state: dict[str, np.ndarray],
               ftype: str) -> None:
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(name)
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_rope_freq_base(config["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_key_length(config["head_dim"])
    writer.add_value_length(config["head_dim"])
    writer.add_file_type(FILE_TYPES[ftype])
    writer.add_vocab_size(config["vocab_size"])
    writer.add_rope_dimension_count(config["head_dim"])
    if config.get("sliding_window"):
        # llama.cpp's converter writes Mistral as `llama` without the window (it ignores it);
        # braid honours it, so the file says so under the key other architectures use.
        writer.add_sliding_window(config["sliding_window"])
    writer.add_quantization_version(gguf.GGML_QUANT_VERSION)
    tokens, scores, types = spm_vocab(config["vocab_size"])
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)

    tensors: list[tuple[str, np.ndarray]] = []
    if config.get("rope_scaling", {}).get("rope_type") == "llama3":
        tensors.append(("rope_freqs.weight", llama3_rope_factors(config)))
    for hf_name, value in state.items():
        if hf_name == "lm_head.weight" and config["tie_word_embeddings"]:
            continue
        gname = gguf_tensor_name(hf_name)
        value = value.astype(np.float32)
        if arch == "llama" and gname.endswith(("attn_q.weight", "attn_q.bias")):
            value = permute_for_adjacent_rope(value, config["num_attention_heads"])
        elif arch == "llama" and gname.endswith(("attn_k.weight", "attn_k.bias")):
            value = permute_for_adjacent_rope(value, config["num_key_value_heads"])
        tensors.append((gname, value))
    for gname, value in tensors:
        # As the converter: 1-D tensors (norms, biases, rope_freqs) stay F32.
        if value.ndim == 1 or ftype == "f32":
            writer.add_tensor(gname, value)
        elif ftype == "f16":
            writer.add_tensor(gname, value.astype(np.float16))
        else:
            qtype = gguf.GGMLQuantizationType.Q8_0
            writer.add_tensor(gname, gguf.quants.quantize(value, qtype), raw_dtype=qtype)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


# ----------------------------------------------------------------------------- numpy reference


def read_gguf(path: Path):
    reader = gguf.GGUFReader(str(path))
    fields = {}
    for key, field in reader.fields.items():
        if key.startswith("tokenizer."):
            continue
        if len(field.types) == 1 and field.types[0] != gguf.GGUFValueType.STRING:
            fields[key] = field.parts[field.data[0]][0].item()
        elif field.types and field.types[0] == gguf.GGUFValueType.STRING:
            fields[key] = bytes(field.parts[field.data[0]]).decode()
    tensors = {}
    for t in reader.tensors:
        shape = tuple(int(x) for x in reversed(t.shape.tolist()))  # GGUF lists ne0 first
        data = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float64)
        tensors[t.name] = data.reshape(shape)
    n_tokens = len(reader.fields["tokenizer.ggml.tokens"].data)
    return fields, tensors, n_tokens


def rope(x: np.ndarray, positions: np.ndarray, base: float, factors: np.ndarray | None,
         adjacent: bool) -> np.ndarray:
    """x: [n_tokens, n_head, d]. Rotates pairs (2i, 2i+1) when `adjacent` (ggml normal mode, the
    permuted GGUF layout), else (i, i + d/2) (Hugging Face / ggml NEOX)."""
    d = x.shape[-1]
    inv_freq = base ** (-np.arange(0, d, 2, dtype=np.float64) / d)
    if factors is not None:
        inv_freq = inv_freq / factors.astype(np.float64)
    angle = positions[:, None].astype(np.float64) * inv_freq[None, :]  # [n_tokens, d/2]
    cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
    out = np.empty_like(x)
    if adjacent:
        a, b = x[..., 0::2], x[..., 1::2]
        out[..., 0::2] = a * cos - b * sin
        out[..., 1::2] = a * sin + b * cos
    else:
        a, b = x[..., : d // 2], x[..., d // 2:]
        out[..., : d // 2] = a * cos - b * sin
        out[..., d // 2:] = a * sin + b * cos
    return out


def numpy_forward(fields: dict, w: dict, tokens: list[int], adjacent: bool) -> np.ndarray:
    arch = fields["general.architecture"]
    g = lambda key: fields[f"{arch}.{key}"]  # noqa: E731
    n_head, n_head_kv = g("attention.head_count"), g("attention.head_count_kv")
    eps, base = g("attention.layer_norm_rms_epsilon"), g("rope.freq_base")
    window = fields.get(f"{arch}.attention.sliding_window")
    factors = w.get("rope_freqs.weight")
    n = len(tokens)
    pos = np.arange(n)
    x = w["token_embd.weight"][tokens]

    def rms_norm(v, weight):
        return v / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + eps) * weight

    mask = np.tril(np.ones((n, n), dtype=bool))
    if window:
        mask &= (pos[:, None] - pos[None, :]) < window  # key within the last `window` positions
    for layer in range(g("block_count")):
        p = f"blk.{layer}."
        h = rms_norm(x, w[p + "attn_norm.weight"])
        q = h @ w[p + "attn_q.weight"].T + w.get(p + "attn_q.bias", 0.0)
        k = h @ w[p + "attn_k.weight"].T + w.get(p + "attn_k.bias", 0.0)
        v = h @ w[p + "attn_v.weight"].T + w.get(p + "attn_v.bias", 0.0)
        d = q.shape[1] // n_head
        q = rope(q.reshape(n, n_head, d), pos, base, factors, adjacent)
        k = rope(k.reshape(n, n_head_kv, d), pos, base, factors, adjacent)
        v = v.reshape(n, n_head_kv, d)
        out = np.empty((n, n_head, d))
        for head in range(n_head):
            kv = head // (n_head // n_head_kv)  # consecutive query heads share a KV head
            scores = q[:, head] @ k[:, kv].T / math.sqrt(d)
            scores = np.where(mask, scores, -np.inf)
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            out[:, head] = (scores / scores.sum(axis=1, keepdims=True)) @ v[:, kv]
        x = x + out.reshape(n, -1) @ w[p + "attn_output.weight"].T + w.get(p + "attn_output.bias", 0.0)
        h = rms_norm(x, w[p + "ffn_norm.weight"])
        gate = h @ w[p + "ffn_gate.weight"].T
        up = h @ w[p + "ffn_up.weight"].T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w[p + "ffn_down.weight"].T
    x = rms_norm(x, w["output_norm.weight"])
    return x @ w.get("output.weight", w["token_embd.weight"]).T


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


# ----------------------------------------------------------------------------- main


def make(spec: dict) -> dict:
    name, arch = spec["name"], spec["arch"]
    folder = OUT / name
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "hf").mkdir(parents=True)

    config = spec["config"]
    config._attn_implementation = "eager"
    # Seeds are tried in a fixed order until every greedy step has a clear winner (top-2 gap
    # > MIN_GAP), so an implementation within tolerance cannot pick another token.
    for attempt in range(50):
        seed = spec["seed"] + 1000 * attempt
        torch.manual_seed(seed)
        model = spec["model_cls"](config).eval()
        randomize(model, seed)
        rng = np.random.default_rng(seed)
        prompt = [1] + [int(t) for t in rng.integers(3, VOCAB, size=N_PROMPT - 1)]
        tokens, min_gap = greedy_sequence(model, prompt)
        if min_gap > MIN_GAP:
            break
    else:
        raise RuntimeError(f"{name}: no seed gave clear greedy steps")
    if config.tie_word_embeddings:
        assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr()
    logits = hf_logits(model, tokens)  # [n_prompt + n_generate, vocab]; causal, so per position

    # The Hugging Face folder, F16 weights, config in the Hub's form; must read back the same.
    model.half().save_pretrained(folder / "hf", safe_serialization=True)
    model.float()
    hub_style_config(folder / "hf", config)
    reloaded = spec["model_cls"].from_pretrained(folder / "hf", dtype=torch.float32,
                                                 attn_implementation="eager").eval()
    reload_err = rel_err(hf_logits(reloaded, tokens), logits)
    assert reload_err < 1e-6, f"{name}: reloaded folder gives other logits ({reload_err})"
    with safetensors.safe_open(folder / "hf" / "model.safetensors", "np") as f:
        state = {k: f.get_tensor(k) for k in f.keys()}
    hf_config = json.loads((folder / "hf" / "config.json").read_text())
    hf_config.setdefault("head_dim", hf_config["hidden_size"] // hf_config["num_attention_heads"])

    logits.astype("<f4").tofile(folder / "logits.bin")
    record = {
        "model": name,
        "seed": seed,
        "transformers_class": spec["model_cls"].__name__,
        "tokens": tokens,
        "n_prompt": N_PROMPT,
        "n_generated": N_GENERATE,
        "greedy": tokens[N_PROMPT:],
        "min_greedy_top2_gap": round(min_gap, 6),
        "logits": {"file": "logits.bin", "dtype": "f32le", "shape": [len(tokens), VOCAB],
                   "rows": "position p holds the logits after tokens[0..p]"},
        "gguf": {},
    }

    for ftype in spec["types"]:
        path = folder / f"model-{ftype}.gguf"
        write_gguf(path, name, arch, hf_config, state, ftype)
        fields, tensors, n_tokens = read_gguf(path)  # loads in the gguf package's reader
        assert n_tokens == VOCAB
        adjacent = arch == "llama"
        ref = numpy_forward(fields, tensors, tokens, adjacent)
        wrong = numpy_forward(fields, tensors, tokens, not adjacent)
        entry = {"file": path.name, "numpy_vs_transformers_rel": rel_err(ref, logits),
                 "wrong_rope_convention_rel": rel_err(wrong, logits)}
        assert entry["wrong_rope_convention_rel"] > 1e-2, f"{path}: RoPE convention not tested"
        if fields.get(f"{arch}.attention.sliding_window"):
            # The window must matter for these tokens, or the golden would not test it.
            full = dict(fields)
            del full[f"{arch}.attention.sliding_window"]
            entry["without_sliding_window_rel"] = rel_err(
                numpy_forward(full, tensors, tokens, adjacent), logits)
            assert entry["without_sliding_window_rel"] > 1e-2, (path, entry)
        if ftype in ("f32", "f16"):
            # F16 holds the reference weights exactly, so both must match transformers.
            assert entry["numpy_vs_transformers_rel"] < 1e-4, (path, entry)
            entry["expected_logits"] = "logits.bin"
        else:
            ref.astype("<f4").tofile(folder / f"logits-{ftype}.bin")
            entry["expected_logits"] = f"logits-{ftype}.bin"
            entry["greedy_matches_f32"] = [int(t) for t in np.argmax(ref[N_PROMPT - 1:-1], 1)] == \
                tokens[N_PROMPT:]
        record["gguf"][ftype] = entry
        print(f"  {path.relative_to(ROOT)}: numpy vs transformers {entry['numpy_vs_transformers_rel']:.2e}, "
              f"wrong RoPE {entry['wrong_rope_convention_rel']:.2e}")

    # The folder itself through the same numpy forward (halves RoPE, unpermuted), as a check of
    # the name mapping independent of the GGUF writer.
    hf_fields = {"general.architecture": "hf", "hf.attention.head_count": hf_config["num_attention_heads"],
                 "hf.attention.head_count_kv": hf_config["num_key_value_heads"],
                 "hf.attention.layer_norm_rms_epsilon": hf_config["rms_norm_eps"],
                 "hf.rope.freq_base": hf_config["rope_theta"], "hf.block_count": hf_config["num_hidden_layers"],
                 "hf.attention.sliding_window": hf_config.get("sliding_window")}
    hf_tensors = {gguf_tensor_name(k): v.astype(np.float64) for k, v in state.items()}
    if hf_config.get("rope_scaling", {}).get("rope_type") == "llama3":
        hf_tensors["rope_freqs.weight"] = llama3_rope_factors(hf_config)
    record["hf_folder_numpy_vs_transformers_rel"] = rel_err(
        numpy_forward(hf_fields, hf_tensors, tokens, adjacent=False), logits)
    assert record["hf_folder_numpy_vs_transformers_rel"] < 1e-4, record

    text = json.dumps(record, indent=1)
    text = re.sub(r"\[\s*([-0-9.e, \n]+?)\s*\]",
                  lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)
    (folder / "expected.json").write_text(text + "\n")
    return record


def layout_note(path: Path) -> str:
    """What the gguf package's reader sees in one file: the keys (tokenizer arrays summarised)
    and every tensor's name, type and shape (ne0 first, as GGUF stores it)."""
    reader = gguf.GGUFReader(str(path))
    lines = [f"### {path.parent.name}/{path.name}", "", "```"]
    for key, field in reader.fields.items():
        if key.startswith("GGUF."):
            continue
        vtype = field.types[0] if field.types else None
        if vtype == gguf.GGUFValueType.ARRAY:
            lines.append(f"{key}: array[{len(field.data)}] of {field.types[-1].name}")
        elif vtype == gguf.GGUFValueType.STRING:
            lines.append(f"{key}: {bytes(field.parts[field.data[0]]).decode()!r}")
        else:
            lines.append(f"{key}: {field.parts[field.data[0]][0].item()}")
    lines.append("")
    for t in reader.tensors:
        lines.append(f"{t.name:28s} {t.tensor_type.name:5s} ne={[int(x) for x in t.shape]}")
    lines += ["```", ""]
    return "\n".join(lines)


def gguf_version() -> str:
    from importlib.metadata import version
    return version("gguf")


def main() -> int:
    torch.set_num_threads(2)
    OUT.mkdir(parents=True, exist_ok=True)
    notes = ["# GGUF layout as the gguf package reads it back", "",
             "Generated by tests/scripts/make_decoder_goldens.py: every file below loaded in",
             f"gguf.GGUFReader (gguf {gguf_version()}) and ran through the numpy forward pass.", ""]
    for spec in MODELS:
        print(spec["name"])
        make(spec)
        for ftype in spec["types"]:
            notes.append(layout_note(OUT / spec["name"] / f"model-{ftype}.gguf"))
    (OUT / "LAYOUT.md").write_text("\n".join(notes))
    total = sum(p.stat().st_size for p in OUT.rglob("*") if p.is_file())
    print(f"total {total / 1024:.0f} KiB in {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
