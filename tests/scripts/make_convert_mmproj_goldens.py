#!/usr/bin/env python3
"""Golden files for `braid convert --mmproj` (tests/apps/convert_mmproj_test.cpp).

Two tiny Hugging Face folders with random weights, and for each the mmproj GGUF that llama.cpp's
converters would write for it, written here with the `gguf` package in the same layout as
tests/scripts/make_vision_encoder_goldens.py (clip_llava) and make_audio_encoder_goldens.py
(whisper_ultravox) write theirs -- the layout braid's mmproj loaders read:

  tiny-llava/            LlavaForConditionalGeneration saved by transformers (F32 weights; CLIP
                         vision tower 3 layers, vision_feature_layer -2, "default" strategy, mlp
                         projector; tiny Llama text model) + preprocessor_config.json (CLIP
                         image processor with its mean/std).
  tiny-llava.mmproj.gguf as the legacy convert_image_encoder_to_gguf.py writes LLaVA-1.5: the
                         last block and post_layernorm dropped (block_count = layers - 1),
                         fc1/fc2 under the swapped names ffn_down/ffn_up, mm.0 / mm.2, 2-D and
                         4-D weights F16, 1-D tensors F32.
  tiny-ultravox/         UltravoxModel. Ultravox is not part of transformers (it ships as remote
                         code), so this folder is BUILT BY HAND: config.json with the model
                         card's keys (audio_config = a Whisper config, text_config, stack_factor,
                         projector_act "swiglu") and model.safetensors (F16) holding the
                         parameter names of Ultravox's checkpoints: audio_tower.* (a transformers
                         WhisperEncoder's own names), multi_modal_projector.{ln_pre, linear_1,
                         ln_mid, linear_2}.weight, and a token embedding standing in for the
                         language model (skipped by the converter).
  tiny-ultravox.mmproj.gguf as convert_hf_to_gguf.py's Ultravox converter writes it: a.* and
                         mm.a.* names, conv biases as [C, 1], clip.projector_type "ultravox",
                         clip.audio.projector.stack_factor, projection_dim = the text width.

general.name is the folder name (braid's choice, as for text models); general.type "mmproj".

Run from the repository root:
    /work/pyenv/bin/python tests/scripts/make_convert_mmproj_goldens.py
Made with torch 2.15.0, transformers 5.23.0, gguf 0.19.0, safetensors, numpy (CPU).
"""

from __future__ import annotations

import json
import math
import pathlib
import shutil

import gguf
import numpy as np
import torch
import transformers
from safetensors.torch import save_file
from transformers.models.whisper.modeling_whisper import WhisperEncoder

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "convert_mmproj"
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def randomize_(module: torch.nn.Module, gen: torch.Generator) -> None:
    with torch.no_grad():
        for name, p in module.named_parameters():
            if p.ndim == 1 and ("norm" in name or "layrnorm" in name or "ln_" in name):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            elif p.ndim == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p[0].numel()))


def f16(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy().astype(np.float16)


def f32(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy().astype(np.float32)


def finish(w: gguf.GGUFWriter) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def tiny_llava() -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(11)
    vcfg = transformers.CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                         num_attention_heads=4, image_size=32, patch_size=8,
                                         projection_dim=24, hidden_act="quick_gelu",
                                         layer_norm_eps=1e-5)
    tcfg = transformers.LlamaConfig(hidden_size=48, intermediate_size=64, num_hidden_layers=1,
                                    num_attention_heads=4, num_key_value_heads=2, vocab_size=64)
    cfg = transformers.LlavaConfig(vision_config=vcfg, text_config=tcfg, vision_feature_layer=-2,
                                   vision_feature_select_strategy="default",
                                   projector_hidden_act="gelu", image_token_id=63)
    model = transformers.LlavaForConditionalGeneration(cfg).eval()
    randomize_(model, gen)
    folder = OUT / "tiny-llava"
    shutil.rmtree(folder, ignore_errors=True)
    model.save_pretrained(folder)
    for extra in ("generation_config.json",):
        (folder / extra).unlink(missing_ok=True)
    proc = transformers.CLIPImageProcessor(size={"shortest_edge": 32},
                                           crop_size={"height": 32, "width": 32},
                                           image_mean=CLIP_MEAN, image_std=CLIP_STD)
    proc.save_pretrained(folder)

    vt = getattr(model.model.vision_tower, "vision_model", model.model.vision_tower)
    proj = model.model.multi_modal_projector
    n_blocks = vcfg.num_hidden_layers - 1
    w = gguf.GGUFWriter(str(OUT / "tiny-llava.mmproj.gguf"), "clip")
    w.add_type("mmproj")
    w.add_name("tiny-llava")
    w.add_file_type(1)
    w.add_bool("clip.has_text_encoder", False)
    w.add_bool("clip.has_vision_encoder", True)
    w.add_bool("clip.has_llava_projector", True)
    w.add_string("clip.projector_type", "mlp")
    w.add_uint32("clip.vision.image_size", vcfg.image_size)
    w.add_uint32("clip.vision.patch_size", vcfg.patch_size)
    w.add_uint32("clip.vision.embedding_length", vcfg.hidden_size)
    w.add_uint32("clip.vision.feed_forward_length", vcfg.intermediate_size)
    w.add_uint32("clip.vision.projection_dim", vcfg.projection_dim)
    w.add_uint32("clip.vision.attention.head_count", vcfg.num_attention_heads)
    w.add_float32("clip.vision.attention.layer_norm_epsilon", vcfg.layer_norm_eps)
    w.add_uint32("clip.vision.block_count", n_blocks)
    w.add_array("clip.vision.image_mean", CLIP_MEAN)
    w.add_array("clip.vision.image_std", CLIP_STD)
    w.add_bool("clip.use_gelu", False)
    emb = vt.embeddings
    w.add_tensor("v.class_embd", f32(emb.class_embedding))
    w.add_tensor("v.patch_embd.weight", f16(emb.patch_embedding.weight))
    w.add_tensor("v.position_embd.weight", f16(emb.position_embedding.weight))
    w.add_tensor("v.pre_ln.weight", f32(vt.pre_layrnorm.weight))
    w.add_tensor("v.pre_ln.bias", f32(vt.pre_layrnorm.bias))
    for i in range(n_blocks):
        layer = vt.encoder.layers[i]
        p = f"v.blk.{i}."
        att = layer.self_attn
        for name, lin in (("attn_q", att.q_proj), ("attn_k", att.k_proj), ("attn_v", att.v_proj),
                          ("attn_out", att.out_proj)):
            w.add_tensor(p + name + ".weight", f16(lin.weight))
            w.add_tensor(p + name + ".bias", f32(lin.bias))
        w.add_tensor(p + "ln1.weight", f32(layer.layer_norm1.weight))
        w.add_tensor(p + "ln1.bias", f32(layer.layer_norm1.bias))
        w.add_tensor(p + "ln2.weight", f32(layer.layer_norm2.weight))
        w.add_tensor(p + "ln2.bias", f32(layer.layer_norm2.bias))
        # The legacy converter's name map: fc1 -> ffn_down, fc2 -> ffn_up.
        w.add_tensor(p + "ffn_down.weight", f16(layer.mlp.fc1.weight))
        w.add_tensor(p + "ffn_down.bias", f32(layer.mlp.fc1.bias))
        w.add_tensor(p + "ffn_up.weight", f16(layer.mlp.fc2.weight))
        w.add_tensor(p + "ffn_up.bias", f32(layer.mlp.fc2.bias))
    w.add_tensor("mm.0.weight", f16(proj.linear_1.weight))
    w.add_tensor("mm.0.bias", f32(proj.linear_1.bias))
    w.add_tensor("mm.2.weight", f16(proj.linear_2.weight))
    w.add_tensor("mm.2.bias", f32(proj.linear_2.bias))
    finish(w)


def tiny_ultravox() -> None:
    gen = torch.Generator().manual_seed(12)
    acfg = transformers.WhisperConfig(d_model=32, encoder_layers=2, encoder_attention_heads=4,
                                      encoder_ffn_dim=64, num_mel_bins=80,
                                      max_source_positions=100, activation_function="gelu")
    enc = WhisperEncoder(acfg).eval()
    randomize_(enc, gen)
    stack, hidden, text_width = 8, 64, 48
    tensors = {f"audio_tower.{k}": v.detach().half().contiguous()
               for k, v in enc.state_dict().items()}
    d_in = acfg.d_model * stack
    tensors["multi_modal_projector.ln_pre.weight"] = \
        (1.0 + 0.2 * torch.randn(d_in, generator=gen)).half()
    tensors["multi_modal_projector.linear_1.weight"] = \
        (torch.randn(hidden, d_in, generator=gen) / math.sqrt(d_in)).half()
    tensors["multi_modal_projector.ln_mid.weight"] = \
        (1.0 + 0.2 * torch.randn(hidden // 2, generator=gen)).half()
    tensors["multi_modal_projector.linear_2.weight"] = \
        (torch.randn(text_width, hidden // 2, generator=gen) / math.sqrt(hidden // 2)).half()
    tensors["language_model.model.embed_tokens.weight"] = \
        torch.randn(16, text_width, generator=gen).half()

    folder = OUT / "tiny-ultravox"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    save_file(tensors, str(folder / "model.safetensors"), metadata={"format": "pt"})
    audio_config = {k: v for k, v in acfg.to_dict().items()
                    if k in ("d_model", "encoder_layers", "encoder_attention_heads",
                             "encoder_ffn_dim", "num_mel_bins", "max_source_positions",
                             "activation_function", "model_type")}
    config = {
        "architectures": ["UltravoxModel"],
        "model_type": "ultravox",
        "audio_config": audio_config,
        "text_config": {"model_type": "llama", "hidden_size": text_width,
                        "intermediate_size": 64, "num_hidden_layers": 1,
                        "num_attention_heads": 4, "vocab_size": 16},
        "stack_factor": stack,
        "projector_act": "swiglu",
        "hidden_size": hidden,
        "audio_model_id": "openai/whisper-large-v3-turbo",
        "text_model_id": "meta-llama/Llama-3.2-1B-Instruct",
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")

    def t(name: str) -> torch.Tensor:
        return tensors[name].float()

    w = gguf.GGUFWriter(str(OUT / "tiny-ultravox.mmproj.gguf"), "clip")
    w.add_type("mmproj")
    w.add_name("tiny-ultravox")
    w.add_file_type(1)
    w.add_bool("clip.has_vision_encoder", False)
    w.add_bool("clip.has_audio_encoder", True)
    w.add_string("clip.projector_type", "ultravox")
    w.add_uint32("clip.audio.num_mel_bins", acfg.num_mel_bins)
    w.add_uint32("clip.audio.embedding_length", acfg.d_model)
    w.add_uint32("clip.audio.feed_forward_length", acfg.encoder_ffn_dim)
    w.add_uint32("clip.audio.block_count", acfg.encoder_layers)
    w.add_uint32("clip.audio.attention.head_count", acfg.encoder_attention_heads)
    w.add_float32("clip.audio.attention.layer_norm_epsilon", 1e-5)
    w.add_uint32("clip.audio.projection_dim", text_width)
    w.add_uint32("clip.audio.projector.stack_factor", stack)
    a = "audio_tower."
    w.add_tensor("a.conv1d.1.weight", f16(t(a + "conv1.weight")))
    w.add_tensor("a.conv1d.1.bias", f32(t(a + "conv1.bias").unsqueeze(-1)))
    w.add_tensor("a.conv1d.2.weight", f16(t(a + "conv2.weight")))
    w.add_tensor("a.conv1d.2.bias", f32(t(a + "conv2.bias").unsqueeze(-1)))
    w.add_tensor("a.position_embd.weight", f16(t(a + "embed_positions.weight")))
    for i in range(acfg.encoder_layers):
        s = f"{a}layers.{i}."
        p = f"a.blk.{i}."
        for hf, name in (("self_attn.q_proj", "attn_q"), ("self_attn.k_proj", "attn_k"),
                         ("self_attn.v_proj", "attn_v"), ("self_attn.out_proj", "attn_out"),
                         ("fc1", "ffn_up"), ("fc2", "ffn_down")):
            w.add_tensor(p + name + ".weight", f16(t(s + hf + ".weight")))
            if s + hf + ".bias" in tensors:
                w.add_tensor(p + name + ".bias", f32(t(s + hf + ".bias")))
        for hf, name in (("self_attn_layer_norm", "ln1"), ("final_layer_norm", "ln2")):
            w.add_tensor(p + name + ".weight", f32(t(s + hf + ".weight")))
            w.add_tensor(p + name + ".bias", f32(t(s + hf + ".bias")))
    w.add_tensor("a.post_ln.weight", f32(t(a + "layer_norm.weight")))
    w.add_tensor("a.post_ln.bias", f32(t(a + "layer_norm.bias")))
    m = "multi_modal_projector."
    w.add_tensor("mm.a.norm_pre.weight", f32(t(m + "ln_pre.weight")))
    w.add_tensor("mm.a.mlp.1.weight", f16(t(m + "linear_1.weight")))
    w.add_tensor("mm.a.norm_mid.weight", f32(t(m + "ln_mid.weight")))
    w.add_tensor("mm.a.mlp.2.weight", f16(t(m + "linear_2.weight")))
    finish(w)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    tiny_llava()
    tiny_ultravox()
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            print(f"{p.relative_to(OUT)}: {p.stat().st_size} bytes")


if __name__ == "__main__":
    main()
