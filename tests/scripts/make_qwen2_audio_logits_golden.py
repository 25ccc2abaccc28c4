#!/usr/bin/env python3
"""Golden file for the whole Qwen2-Audio pipeline (tests/unit/audio/qwen2_audio_logits_test.cpp).

Hugging Face transformers' Qwen2AudioForConditionalGeneration is the reference: a tiny random
model (the audio tower and projector of make_audio_encoder_goldens.py's qwen2_audio case: 128
mel bins, 100 positions = 200 frames, 2 layers of width 32; a one-layer Qwen2 language model of
width 48 with a 128-id vocabulary). Its logits at the prompt's last position (the first
generated token's distribution) are what braid must reproduce with
  - the mmproj as llama.cpp's converter lays out Qwen2-Audio (written here with the `gguf`
    package by the same functions as make_audio_encoder_goldens.py), and
  - the language model, saved as a plain Qwen2ForCausalLM folder (text/), read natively.
The input features are splitmix64 values (seed in case.json; the C++ test regenerates them bit
for bit): log-mel features are checked on their own (tests/golden/audio_mel). The mmproj stores
matrices as F16, so the reference runs with those weights rounded to F16 too.

Writes tests/golden/qwen2_audio_logits/: mmproj.gguf, text/ (config.json + model.safetensors),
logits.bin (float32 [vocab]), case.json (token ids around the audio, its row count, the seed).

Run from the repository root:
    /work/venv/bin/python tests/scripts/make_qwen2_audio_logits_golden.py
Made with torch 2.15.0, transformers 5.23.0, gguf 0.19.0, safetensors, numpy (CPU).
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sys

import gguf
import numpy as np
import torch
import transformers

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_audio_encoder_goldens import (  # noqa: E402  (the shared mmproj writers)
    add_audio_keys,
    add_whisper_tensors,
    f16,
    f32,
    randomize,
    round_f16_,
    round_matrices_,
    splitmix_features,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "qwen2_audio_logits"
AUDIO_TOKEN = 127
SEED = 777
# Token ids (any below 127): an opening, then <|audio_bos|> would go here in a real vocabulary;
# the tiny one has no such tokens, so plain ids stand around the audio's rows.
BEFORE = [3, 14, 15, 92]
AFTER = [65, 35, 89, 79, 32]


def main() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(23)
    acfg = transformers.Qwen2AudioEncoderConfig(
        d_model=32, encoder_layers=2, encoder_attention_heads=4, encoder_ffn_dim=64,
        num_mel_bins=128, max_source_positions=100, activation_function="gelu")
    text_width = 48
    cfg = transformers.Qwen2AudioConfig(
        audio_config=acfg.to_dict(),
        text_config={"model_type": "qwen2", "hidden_size": text_width, "num_hidden_layers": 1,
                     "num_attention_heads": 4, "num_key_value_heads": 2,
                     "intermediate_size": 64, "vocab_size": 128, "rms_norm_eps": 1e-6,
                     "tie_word_embeddings": False},
        audio_token_index=AUDIO_TOKEN)
    cfg._attn_implementation = "eager"
    cfg.audio_config._attn_implementation = "eager"
    cfg.text_config._attn_implementation = "eager"
    model = transformers.Qwen2AudioForConditionalGeneration(cfg).eval()
    randomize(model, gen)
    tower = model.model.audio_tower
    with torch.no_grad():
        tower.embed_positions.weight.copy_(
            torch.randn(tower.embed_positions.weight.shape, generator=gen) * 0.5)
    round_matrices_(tower)
    proj = model.model.multi_modal_projector
    round_f16_(proj.linear.weight)

    n_frames = 2 * acfg.max_source_positions
    features = torch.from_numpy(splitmix_features(SEED, acfg.num_mel_bins, n_frames))[None]
    n_audio = n_frames // 4  # conv stride 2, then average pooling by 2
    ids = BEFORE + [AUDIO_TOKEN] * n_audio + AFTER
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), input_features=features,
                    feature_attention_mask=torch.ones(1, n_frames, dtype=torch.long))
    logits = out.logits[0, -1].float().numpy()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    w = gguf.GGUFWriter(str(OUT / "mmproj.gguf"), "clip")
    w.add_name("tiny random qwen2-audio (braid golden)")
    add_audio_keys(w, acfg, "clip.projector_type", "qwen2a", text_width)
    add_whisper_tensors(w, tower, acfg.encoder_layers)
    w.add_tensor("mm.a.fc.weight", f16(proj.linear.weight))
    w.add_tensor("mm.a.fc.bias", f32(proj.linear.bias))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()

    text = transformers.Qwen2ForCausalLM(cfg.text_config).eval()
    text.model.load_state_dict(model.model.language_model.state_dict())
    text.lm_head.load_state_dict(model.lm_head.state_dict())
    text.save_pretrained(OUT / "text")
    (OUT / "text" / "generation_config.json").unlink(missing_ok=True)
    with torch.no_grad():  # the folder holds the language model unchanged
        a = model(input_ids=torch.tensor([BEFORE + AFTER])).logits[0, -1]
        b = text(input_ids=torch.tensor([BEFORE + AFTER])).logits[0, -1]
    assert torch.allclose(a, b, atol=1e-6), (a - b).abs().max()

    logits.astype(np.float32).tofile(OUT / "logits.bin")
    (OUT / "case.json").write_text(json.dumps({
        "seed": SEED, "n_mel": acfg.num_mel_bins, "n_frames": n_frames,
        "before": BEFORE, "after": AFTER, "audio_rows": n_audio,
        "vocab": int(logits.shape[0]),
    }, indent=2) + "\n")
    print("wrote", OUT, "logits[:4] =", logits[:4])


if __name__ == "__main__":
    main()
