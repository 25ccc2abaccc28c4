#!/usr/bin/env python3
"""Golden files for braid's audio encoders (tests/golden/audio_encoder/).

Run from the repository root:
    /work/pyenv/bin/python tests/scripts/make_audio_encoder_goldens.py

Made with torch 2.15.0, transformers 5.23.0, gguf 0.19.0 (CPU, float32).

Two tiny random models, each written as an mmproj GGUF in llama.cpp's layout (the names and
keys of convert_hf_to_gguf.py's Whisper/Ultravox/Qwen2-Audio mmproj converters), with what the
reference implementations compute for a fixed input:

* whisper_ultravox: transformers' WhisperEncoder (d_model 32, 2 layers, 4 heads, 80 mel bins,
  1500 positions = the full 3000-frame window) and an Ultravox v0.5 projector written below from
  the model card's description (stack 8 frames with zero padding, RMS norm, linear, SwiGLU with
  SiLU on the second half, RMS norm, linear). 1500 frames do not divide by 8: the last group is
  padded. Projector key spelled clip.audio.projector_type (as mixed vision+audio files do).
* qwen2_audio: transformers' Qwen2AudioEncoder (128 mel bins, 100 positions = 200 frames; it
  average-pools pairs of frames before its final LayerNorm) and Qwen2AudioMultiModalProjector
  (a linear layer with bias). Projector key spelled clip.projector_type.

The input features come from splitmix64 (seed in the json), value = (next() >> 40) * 2^-24 * 2
- 1, row-major [n_mel, n_frames]; the C++ test regenerates them bit for bit. Weights are
random (std 1/sqrt(fan_in), norms near 1) and rounded to F16 where the file stores F16, so the
reference runs with exactly the file's values. Outputs are float32 little-endian.
"""
import json
import math
from pathlib import Path

import gguf
import numpy as np
import torch
from transformers import Qwen2AudioConfig, Qwen2AudioEncoderConfig, WhisperConfig
from transformers.models.qwen2_audio.modeling_qwen2_audio import (
    Qwen2AudioEncoder,
    Qwen2AudioMultiModalProjector,
)
from transformers.models.whisper.modeling_whisper import WhisperEncoder

OUT = Path(__file__).resolve().parents[1] / "golden" / "audio_encoder"
MASK64 = (1 << 64) - 1


def splitmix_features(seed, n_mel, n_frames):
    state = seed
    out = np.empty(n_mel * n_frames, dtype=np.float32)
    for i in range(out.size):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        z ^= z >> 31
        out[i] = np.float32(z >> 40) * np.float32(2.0 / 16777216.0) - np.float32(1.0)
    return out.reshape(n_mel, n_frames)


def randomize(module, gen):
    """Uniform weights with std 1/sqrt(fan_in); 1-D parameters: norms near 1, biases small."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.dim() == 1:
                if "layer_norm" in name or "ln_" in name or name.endswith("norm.weight"):
                    base = 1.0 if name.endswith("weight") else 0.0
                    p.copy_(base + 0.2 * (torch.rand(p.shape, generator=gen) - 0.5))
                else:
                    p.copy_(0.2 * (torch.rand(p.shape, generator=gen) - 0.5))
            else:
                fan_in = p[0].numel()
                half = math.sqrt(3.0 / fan_in)
                p.copy_((torch.rand(p.shape, generator=gen) * 2 - 1) * half)
        for name, b in module.named_buffers():
            pass


def round_f16_(tensor):
    with torch.no_grad():
        tensor.copy_(tensor.half().float())


def f16(t):
    return t.detach().numpy().astype(np.float16)


def f32(t):
    return t.detach().numpy().astype(np.float32)


def add_whisper_tensors(w, enc, layers):
    """The encoder tensors as convert_hf_to_gguf.py names and shapes them."""
    w.add_tensor("a.conv1d.1.weight", f16(enc.conv1.weight))
    w.add_tensor("a.conv1d.1.bias", f32(enc.conv1.bias.unsqueeze(-1)))
    w.add_tensor("a.conv1d.2.weight", f16(enc.conv2.weight))
    w.add_tensor("a.conv1d.2.bias", f32(enc.conv2.bias.unsqueeze(-1)))
    w.add_tensor("a.position_embd.weight", f16(enc.embed_positions.weight))
    for i in range(layers):
        l = enc.layers[i]
        p = f"a.blk.{i}."
        w.add_tensor(p + "attn_q.weight", f16(l.self_attn.q_proj.weight))
        w.add_tensor(p + "attn_q.bias", f32(l.self_attn.q_proj.bias))
        w.add_tensor(p + "attn_k.weight", f16(l.self_attn.k_proj.weight))
        w.add_tensor(p + "attn_v.weight", f16(l.self_attn.v_proj.weight))
        w.add_tensor(p + "attn_v.bias", f32(l.self_attn.v_proj.bias))
        w.add_tensor(p + "attn_out.weight", f16(l.self_attn.out_proj.weight))
        w.add_tensor(p + "attn_out.bias", f32(l.self_attn.out_proj.bias))
        w.add_tensor(p + "ln1.weight", f32(l.self_attn_layer_norm.weight))
        w.add_tensor(p + "ln1.bias", f32(l.self_attn_layer_norm.bias))
        w.add_tensor(p + "ln2.weight", f32(l.final_layer_norm.weight))
        w.add_tensor(p + "ln2.bias", f32(l.final_layer_norm.bias))
        w.add_tensor(p + "ffn_up.weight", f16(l.fc1.weight))
        w.add_tensor(p + "ffn_up.bias", f32(l.fc1.bias))
        w.add_tensor(p + "ffn_down.weight", f16(l.fc2.weight))
        w.add_tensor(p + "ffn_down.bias", f32(l.fc2.bias))
    w.add_tensor("a.post_ln.weight", f32(enc.layer_norm.weight))
    w.add_tensor("a.post_ln.bias", f32(enc.layer_norm.bias))


def round_matrices_(enc):
    """Round every tensor the file stores as F16 (conv kernels, matrices, positions)."""
    for name, p in enc.named_parameters():
        if p.dim() >= 2:
            round_f16_(p)


def add_audio_keys(w, cfg, projector_key, projector, text_width):
    w.add_bool("clip.has_vision_encoder", False)
    w.add_bool("clip.has_audio_encoder", True)
    w.add_string(projector_key, projector)
    w.add_uint32("clip.audio.num_mel_bins", cfg.num_mel_bins)
    w.add_uint32("clip.audio.embedding_length", cfg.d_model)
    w.add_uint32("clip.audio.feed_forward_length", cfg.encoder_ffn_dim)
    w.add_uint32("clip.audio.block_count", cfg.encoder_layers)
    w.add_uint32("clip.audio.attention.head_count", cfg.encoder_attention_heads)
    w.add_float32("clip.audio.attention.layer_norm_epsilon", 1e-5)
    w.add_uint32("clip.audio.projection_dim", text_width)


class UltravoxProjector(torch.nn.Module):
    """Ultravox v0.5's projector as its model card describes it (written here, not imported):
    stack `stack` frames (zero-padding the time axis up to a multiple), RMS norm, linear without
    bias, SwiGLU (the first half of the features times SiLU of the second half), RMS norm,
    linear without bias. RMS norms: x / sqrt(mean(x^2) + 1e-6) * weight."""

    def __init__(self, d_audio, stack, hidden, d_text):
        super().__init__()
        self.stack = stack
        self.norm_pre = torch.nn.Parameter(torch.ones(d_audio * stack))
        self.linear_1 = torch.nn.Linear(d_audio * stack, hidden, bias=False)
        self.norm_mid = torch.nn.Parameter(torch.ones(hidden // 2))
        self.linear_2 = torch.nn.Linear(hidden // 2, d_text, bias=False)

    @staticmethod
    def rms(x, weight):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-6) * weight

    def forward(self, x):  # x [T, C]
        t, c = x.shape
        t_pad = (t + self.stack - 1) // self.stack * self.stack
        x = torch.nn.functional.pad(x, (0, 0, 0, t_pad - t))
        x = x.reshape(t_pad // self.stack, c * self.stack)
        x = self.rms(x, self.norm_pre)
        x = self.linear_1(x)
        value, gate = x.chunk(2, dim=-1)
        x = torch.nn.functional.silu(gate) * value
        x = self.rms(x, self.norm_mid)
        return self.linear_2(x)


def write_bin(name, array):
    data = np.ascontiguousarray(array, dtype="<f4")
    (OUT / name).write_bytes(data.tobytes())
    return list(data.shape)


def whisper_ultravox():
    gen = torch.Generator().manual_seed(7)
    cfg = WhisperConfig(
        d_model=32,
        encoder_layers=2,
        encoder_attention_heads=4,
        encoder_ffn_dim=64,
        num_mel_bins=80,
        max_source_positions=1500,
        activation_function="gelu",
        attn_implementation="eager",
    )
    enc = WhisperEncoder(cfg).eval()
    randomize(enc, gen)
    with torch.no_grad():
        enc.embed_positions.weight.copy_(torch.randn(enc.embed_positions.weight.shape,
                                                     generator=gen) * 0.5)
    round_matrices_(enc)
    stack, hidden, text_width = 8, 64, 48
    proj = UltravoxProjector(cfg.d_model, stack, hidden, text_width).eval()
    randomize(proj, gen)
    with torch.no_grad():
        proj.norm_pre.copy_(1.0 + 0.2 * (torch.rand(proj.norm_pre.shape, generator=gen) - 0.5))
        proj.norm_mid.copy_(1.0 + 0.2 * (torch.rand(proj.norm_mid.shape, generator=gen) - 0.5))
    round_f16_(proj.linear_1.weight)
    round_f16_(proj.linear_2.weight)

    seed = 20261123
    features = splitmix_features(seed, cfg.num_mel_bins, 2 * cfg.max_source_positions)
    with torch.no_grad():
        hidden_states = enc(torch.from_numpy(features)[None]).last_hidden_state[0]
        projected = proj(hidden_states)

    w = gguf.GGUFWriter(str(OUT / "whisper_ultravox.gguf"), "clip")
    w.add_name("tiny random whisper + ultravox (braid golden)")
    add_audio_keys(w, cfg, "clip.audio.projector_type", "ultravox", text_width)
    w.add_uint32("clip.audio.projector.stack_factor", stack)
    add_whisper_tensors(w, enc, cfg.encoder_layers)
    w.add_tensor("mm.a.norm_pre.weight", f32(proj.norm_pre))
    w.add_tensor("mm.a.mlp.1.weight", f16(proj.linear_1.weight))
    w.add_tensor("mm.a.norm_mid.weight", f32(proj.norm_mid))
    w.add_tensor("mm.a.mlp.2.weight", f16(proj.linear_2.weight))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    # Every third encoder row (and the last) keeps the file small and still covers the whole
    # range of positions.
    rows = list(range(0, hidden_states.shape[0], 3))
    if rows[-1] != hidden_states.shape[0] - 1:
        rows.append(hidden_states.shape[0] - 1)
    return {
        "file": "whisper_ultravox.gguf",
        "seed": seed,
        "n_mel": cfg.num_mel_bins,
        "n_frames": 2 * cfg.max_source_positions,
        "hidden_rows": rows,
        "hidden_shape": [hidden_states.shape[0], cfg.d_model],
        "hidden": "whisper_ultravox.hidden.bin",
        "hidden_stored_shape": write_bin("whisper_ultravox.hidden.bin", f32(hidden_states)[rows]),
        "projected": "whisper_ultravox.projected.bin",
        "projected_shape": write_bin("whisper_ultravox.projected.bin", f32(projected)),
    }


def qwen2_audio():
    gen = torch.Generator().manual_seed(11)
    acfg = Qwen2AudioEncoderConfig(
        d_model=32,
        encoder_layers=2,
        encoder_attention_heads=4,
        encoder_ffn_dim=64,
        num_mel_bins=128,
        max_source_positions=100,
        activation_function="gelu",
    )
    acfg._attn_implementation = "eager"
    text_width = 48
    cfg = Qwen2AudioConfig(audio_config=acfg.to_dict(),
                           text_config={"model_type": "qwen2", "hidden_size": text_width,
                                        "num_hidden_layers": 1, "num_attention_heads": 4,
                                        "num_key_value_heads": 2, "intermediate_size": 64,
                                        "vocab_size": 128})
    cfg.audio_config._attn_implementation = "eager"
    enc = Qwen2AudioEncoder(cfg.audio_config).eval()
    randomize(enc, gen)
    with torch.no_grad():
        enc.embed_positions.weight.copy_(torch.randn(enc.embed_positions.weight.shape,
                                                     generator=gen) * 0.5)
    round_matrices_(enc)
    proj = Qwen2AudioMultiModalProjector(cfg).eval()
    randomize(proj, gen)
    round_f16_(proj.linear.weight)

    seed = 424242
    n_frames = 2 * acfg.max_source_positions
    features = splitmix_features(seed, acfg.num_mel_bins, n_frames)
    with torch.no_grad():
        hidden_states = enc(torch.from_numpy(features)[None]).last_hidden_state[0]
        projected = proj(hidden_states[None])[0]

    w = gguf.GGUFWriter(str(OUT / "qwen2_audio.gguf"), "clip")
    w.add_name("tiny random qwen2-audio encoder (braid golden)")
    add_audio_keys(w, acfg, "clip.projector_type", "qwen2a", text_width)
    add_whisper_tensors(w, enc, acfg.encoder_layers)
    w.add_tensor("mm.a.fc.weight", f16(proj.linear.weight))
    w.add_tensor("mm.a.fc.bias", f32(proj.linear.bias))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return {
        "file": "qwen2_audio.gguf",
        "seed": seed,
        "n_mel": acfg.num_mel_bins,
        "n_frames": n_frames,
        "hidden": "qwen2_audio.hidden.bin",
        "hidden_shape": write_bin("qwen2_audio.hidden.bin", f32(hidden_states)),
        "projected": "qwen2_audio.projected.bin",
        "projected_shape": write_bin("qwen2_audio.projected.bin", f32(projected)),
    }


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    cases = {"whisper_ultravox": whisper_ultravox(), "qwen2_audio": qwen2_audio()}
    meta = {
        "generator": "tests/scripts/make_audio_encoder_goldens.py",
        "versions": {"torch": torch.__version__, "transformers": __import__("transformers").__version__,
                     "gguf": "0.19.0", "numpy": np.__version__},
        "cases": cases,
    }
    (OUT / "cases.json").write_text(json.dumps(meta, indent=1) + "\n")
    for p in sorted(OUT.iterdir()):
        print(f"{p.name}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
