#!/usr/bin/env python3
"""Golden files for braid's vision encoders and projectors (tests/golden/vision_encoder/).

For each case, a tiny Hugging Face model with random weights is built from its transformers
class, a real image from ../shared/data/media-images/ is preprocessed by the family's HF image
processor, and the image features after the projector (the rows the decoder receives) are
computed by transformers itself. The same weights are written as an mmproj GGUF in the layout
llama.cpp's converters give those families, so the C++ test checks both our graph and our
reading of the file:

  clip_llava      CLIPVisionModel inside LlavaForConditionalGeneration (quick-GELU, class token,
                  pre-LN, vision_feature_layer -2, "default" strategy, mlp projector with exact
                  GELU). Written as the legacy convert_image_encoder_to_gguf.py writes LLaVA-1.5:
                  the last block and post_layernorm dropped (block_count = n_layers - 1),
                  clip.has_llava_projector, fc1/fc2 stored under the swapped names ffn_down/ffn_up,
                  2-D and 4-D tensors (position_embd included) as F16.
  clip_llava_interp  the same model and file on a 48x80 image (6x10 patches instead of the 8x8
                  it was trained on): position embeddings interpolated bicubically
                  (interpolate_pos_encoding=True in transformers).
  clip_llava_layer1  the same model and file with the feature layer overridden to hidden state
                  1 (the test passes "feature_layers" from index.json).
  clip_feature_layers  a file with clip.vision.feature_layer = [0, 2] (Granite-style: hidden
                  states concatenated, block_count = the deepest index), F32 projector.
  siglip_gemma3   Gemma3ForConditionalGeneration's vision tower (SigLIP: no class token,
                  GELU-tanh, post-LN) and Gemma3MultiModalProjector (4x4 average pool, Gemma RMS
                  norm, projection). Written as convert_hf_to_gguf.py's Gemma3VisionModel does:
                  soft_emb_norm stored as 1 + w, input_projection kept [vision, text] in F16,
                  embeddings F32.
  idefics3        Idefics3ForConditionalGeneration's vision model and connector (pixel shuffle by
                  2, linear). Written as convert_hf_to_gguf.py's SmolVLM model does
                  (clip.vision.projector.scale_factor).

Weights that the file stores as F16 are rounded to F16 in the torch model before the reference
is computed, so file and reference hold exactly the same numbers and the outputs must agree to
float32 accuracy.

Files per case: <case>.gguf (the mmproj), <case>.pixels.bin (F32 CHW), <case>.expected.bin (F32
[n_rows, n_embd]), and one index.json with shapes and provenance.

Run from the repository root (CPU only, a few seconds):
    /work/venv/bin/python tests/scripts/make_vision_encoder_goldens.py
Written with torch 2.15.0, transformers 5.23.0, gguf 0.19.0, numpy, pillow.
"""

from __future__ import annotations

import json
import pathlib
import sys

import gguf
import numpy as np
import torch
import transformers
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "vision_encoder"
IMAGES = ROOT.parent / "shared" / "data" / "media-images"
TEXT_WIDTH = 48
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]
CLIP_STD = [0.26862954, 0.26130258, 0.27577711]


def f16_round_(tensor: torch.Tensor) -> None:
    with torch.no_grad():
        tensor.copy_(tensor.half().float())


def randomize_(module: torch.nn.Module, gen: torch.Generator) -> None:
    """Weights large enough that every layer matters (HF's init leaves activations near zero)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("layer_norm1.weight") or name.endswith("layer_norm2.weight") or \
                    "layernorm" in name or "layrnorm" in name or name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=gen))
            elif p.ndim == 1:
                p.copy_(0.1 * torch.randn(p.shape, generator=gen))
            else:
                fan_in = p[0].numel() if p.ndim > 1 else p.numel()
                p.copy_(torch.randn(p.shape, generator=gen) / np.sqrt(fan_in))


def np32(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy().astype(np.float32)


def np16(t: torch.Tensor) -> np.ndarray:
    return t.detach().float().numpy().astype(np.float16)


def common_vision_keys(w: gguf.GGUFWriter, cfg, mean, std) -> None:
    w.add_bool("clip.has_vision_encoder", True)
    w.add_uint32("clip.vision.image_size", cfg.image_size)
    w.add_uint32("clip.vision.patch_size", cfg.patch_size)
    w.add_uint32("clip.vision.embedding_length", cfg.hidden_size)
    w.add_uint32("clip.vision.feed_forward_length", cfg.intermediate_size)
    w.add_uint32("clip.vision.attention.head_count", cfg.num_attention_heads)
    w.add_float32("clip.vision.attention.layer_norm_epsilon", cfg.layer_norm_eps)
    w.add_array("clip.vision.image_mean", mean)
    w.add_array("clip.vision.image_std", std)


def add_blocks(w: gguf.GGUFWriter, layers, n_blocks: int, swapped_ffn: bool, weight_np) -> None:
    for i in range(n_blocks):
        layer = layers[i]
        p = f"v.blk.{i}."
        att = layer.self_attn
        for gguf_name, lin in (("attn_q", att.q_proj), ("attn_k", att.k_proj),
                               ("attn_v", att.v_proj), ("attn_out", att.out_proj)):
            w.add_tensor(p + gguf_name + ".weight", weight_np(lin.weight))
            w.add_tensor(p + gguf_name + ".bias", np32(lin.bias))
        w.add_tensor(p + "ln1.weight", np32(layer.layer_norm1.weight))
        w.add_tensor(p + "ln1.bias", np32(layer.layer_norm1.bias))
        w.add_tensor(p + "ln2.weight", np32(layer.layer_norm2.weight))
        w.add_tensor(p + "ln2.bias", np32(layer.layer_norm2.bias))
        # The legacy converter's name map sends fc1 to "ffn_down" and fc2 to "ffn_up".
        fc1, fc2 = ("ffn_down", "ffn_up") if swapped_ffn else ("ffn_up", "ffn_down")
        w.add_tensor(p + fc1 + ".weight", weight_np(layer.mlp.fc1.weight))
        w.add_tensor(p + fc1 + ".bias", np32(layer.mlp.fc1.bias))
        w.add_tensor(p + fc2 + ".weight", weight_np(layer.mlp.fc2.weight))
        w.add_tensor(p + fc2 + ".bias", np32(layer.mlp.fc2.bias))


def round_linears_(layers, n_blocks: int) -> None:
    for i in range(n_blocks):
        att = layers[i].self_attn
        for lin in (att.q_proj, att.k_proj, att.v_proj, att.out_proj,
                    layers[i].mlp.fc1, layers[i].mlp.fc2):
            f16_round_(lin.weight)


def save_case(name: str, w: gguf.GGUFWriter, pixels: torch.Tensor, expected: torch.Tensor,
              meta: dict, index: dict) -> None:
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    px = np32(pixels[0])
    exp = np32(expected.reshape(-1, expected.shape[-1]))
    px.tofile(OUT / f"{name}.pixels.bin")
    exp.tofile(OUT / f"{name}.expected.bin")
    entry = {"mmproj": f"{name}.gguf", "pixels": f"{name}.pixels.bin",
             "pixel_shape": list(px.shape), "expected": f"{name}.expected.bin",
             "expected_shape": list(exp.shape), "text_width": TEXT_WIDTH}
    entry.update(meta)
    index[name] = entry
    print(f"{name}: pixels {px.shape}, expected {exp.shape}, |want|max {np.abs(exp).max():.3f}")


def clip_llava(index: dict) -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(1)
    vcfg = transformers.CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                         num_attention_heads=4, image_size=64, patch_size=8,
                                         hidden_act="quick_gelu", layer_norm_eps=1e-5)
    tcfg = transformers.LlamaConfig(hidden_size=TEXT_WIDTH, intermediate_size=64,
                                    num_hidden_layers=1, num_attention_heads=4,
                                    num_key_value_heads=2, vocab_size=64)
    cfg = transformers.LlavaConfig(vision_config=vcfg, text_config=tcfg, vision_feature_layer=-2,
                                   vision_feature_select_strategy="default",
                                   projector_hidden_act="gelu", image_token_id=63)
    model = transformers.LlavaForConditionalGeneration(cfg).eval()
    vt = getattr(model.model.vision_tower, "vision_model", model.model.vision_tower)
    proj = model.model.multi_modal_projector
    randomize_(vt, gen)
    randomize_(proj, gen)
    n_blocks = vcfg.num_hidden_layers - 1  # what the legacy converter keeps
    # What the legacy converter stores as F16: 4-D patch_embd, 2-D weights (position_embd too).
    f16_round_(vt.embeddings.patch_embedding.weight)
    f16_round_(vt.embeddings.position_embedding.weight)
    round_linears_(vt.encoder.layers, n_blocks)
    f16_round_(proj.linear_1.weight)
    f16_round_(proj.linear_2.weight)

    path = OUT / "clip_llava.gguf"
    w = gguf.GGUFWriter(str(path), "clip")
    w.add_bool("clip.has_text_encoder", False)
    w.add_bool("clip.has_llava_projector", True)
    w.add_file_type(1)
    w.add_name("tiny random CLIP + LLaVA mlp (braid golden)")
    w.add_string("clip.projector_type", "mlp")
    common_vision_keys(w, vcfg, CLIP_MEAN, CLIP_STD)
    w.add_uint32("clip.vision.projection_dim", 24)
    w.add_uint32("clip.vision.block_count", n_blocks)
    w.add_bool("clip.use_gelu", False)
    w.add_tensor("mm.0.weight", np16(proj.linear_1.weight))
    w.add_tensor("mm.0.bias", np32(proj.linear_1.bias))
    w.add_tensor("mm.2.weight", np16(proj.linear_2.weight))
    w.add_tensor("mm.2.bias", np32(proj.linear_2.bias))
    emb = vt.embeddings
    w.add_tensor("v.class_embd", np32(emb.class_embedding))
    w.add_tensor("v.patch_embd.weight", np16(emb.patch_embedding.weight))
    w.add_tensor("v.position_embd.weight", np16(emb.position_embedding.weight))
    w.add_tensor("v.pre_ln.weight", np32(vt.pre_layrnorm.weight))
    w.add_tensor("v.pre_ln.bias", np32(vt.pre_layrnorm.bias))
    add_blocks(w, vt.encoder.layers, n_blocks, swapped_ffn=True, weight_np=np16)

    proc = transformers.CLIPImageProcessor(size={"shortest_edge": 64},
                                           crop_size={"height": 64, "width": 64},
                                           image_mean=CLIP_MEAN, image_std=CLIP_STD)
    image = Image.open(IMAGES / "llava-waterview.jpg").convert("RGB")
    pixels = proc(images=image, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        out = model.model.get_image_features(pixel_values=pixels, vision_feature_layer=-2,
                                             vision_feature_select_strategy="default")
        expected = out.pooler_output[0]
    save_case("clip_llava", w, pixels, expected,
              {"image": "llava-waterview.jpg", "reference": "LlavaModel.get_image_features",
               "causal": True}, index)

    # A size it was not trained on: interpolated position embeddings (HF's bicubic).
    proc2 = transformers.CLIPImageProcessor(do_center_crop=False, size={"height": 48, "width": 80},
                                            image_mean=CLIP_MEAN, image_std=CLIP_STD)
    pixels2 = proc2(images=image, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        hs = model.model.vision_tower(pixels2, output_hidden_states=True,
                                      interpolate_pos_encoding=True).hidden_states
        expected2 = proj(hs[-2][:, 1:])[0]
    px = np32(pixels2[0])
    exp = np32(expected2)
    px.tofile(OUT / "clip_llava_interp.pixels.bin")
    exp.tofile(OUT / "clip_llava_interp.expected.bin")
    index["clip_llava_interp"] = {
        "mmproj": "clip_llava.gguf", "pixels": "clip_llava_interp.pixels.bin",
        "pixel_shape": list(px.shape), "expected": "clip_llava_interp.expected.bin",
        "expected_shape": list(exp.shape), "text_width": TEXT_WIDTH,
        "image": "llava-waterview.jpg",
        "reference": "CLIPVisionModel(interpolate_pos_encoding=True).hidden_states[-2][:, 1:] "
                     "-> LlavaMultiModalProjector", "causal": True}
    print(f"clip_llava_interp: pixels {px.shape}, expected {exp.shape}")
    clip_llava_layer1(index, model, pixels)


def clip_feature_layers(index: dict) -> None:
    """Explicit feature layers: a file with clip.vision.feature_layer = [0, 2] (as the legacy
    converter writes Granite-style lists: block_count = the deepest, hidden states concatenated),
    and an override of the default on the clip_llava file (hidden state 1)."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(4)
    vcfg = transformers.CLIPVisionConfig(hidden_size=32, intermediate_size=64, num_hidden_layers=3,
                                         num_attention_heads=4, image_size=32, patch_size=8,
                                         hidden_act="quick_gelu", layer_norm_eps=1e-5)
    tcfg = transformers.LlamaConfig(hidden_size=TEXT_WIDTH, intermediate_size=64,
                                    num_hidden_layers=1, num_attention_heads=4,
                                    num_key_value_heads=2, vocab_size=64)
    layers = [0, 2]
    cfg = transformers.LlavaConfig(vision_config=vcfg, text_config=tcfg, vision_feature_layer=layers,
                                   vision_feature_select_strategy="default",
                                   projector_hidden_act="gelu", image_token_id=63)
    model = transformers.LlavaForConditionalGeneration(cfg).eval()
    vt = getattr(model.model.vision_tower, "vision_model", model.model.vision_tower)
    proj = model.model.multi_modal_projector
    randomize_(vt, gen)
    randomize_(proj, gen)
    n_blocks = max(layers)
    round_linears_(vt.encoder.layers, n_blocks)

    w = gguf.GGUFWriter(str(OUT / "clip_feature_layers.gguf"), "clip")
    w.add_bool("clip.has_text_encoder", False)
    w.add_bool("clip.has_llava_projector", True)
    w.add_file_type(1)
    w.add_name("tiny random CLIP, feature layers [0, 2] (braid golden)")
    w.add_string("clip.projector_type", "mlp")
    common_vision_keys(w, vcfg, CLIP_MEAN, CLIP_STD)
    w.add_uint32("clip.vision.block_count", n_blocks)
    w.add_array("clip.vision.feature_layer", layers)
    w.add_bool("clip.use_gelu", False)
    w.add_tensor("mm.0.weight", np32(proj.linear_1.weight))
    w.add_tensor("mm.0.bias", np32(proj.linear_1.bias))
    w.add_tensor("mm.2.weight", np32(proj.linear_2.weight))
    w.add_tensor("mm.2.bias", np32(proj.linear_2.bias))
    emb = vt.embeddings
    w.add_tensor("v.class_embd", np32(emb.class_embedding))
    w.add_tensor("v.patch_embd.weight", np32(emb.patch_embedding.weight))
    w.add_tensor("v.position_embd.weight", np32(emb.position_embedding.weight))
    w.add_tensor("v.pre_ln.weight", np32(vt.pre_layrnorm.weight))
    w.add_tensor("v.pre_ln.bias", np32(vt.pre_layrnorm.bias))
    add_blocks(w, vt.encoder.layers, n_blocks, swapped_ffn=True, weight_np=np16)

    proc = transformers.CLIPImageProcessor(size={"shortest_edge": 32},
                                           crop_size={"height": 32, "width": 32},
                                           image_mean=CLIP_MEAN, image_std=CLIP_STD)
    image = Image.open(IMAGES / "mtmd-test-1.jpeg").convert("RGB")
    pixels = proc(images=image, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        expected = model.model.get_image_features(
            pixel_values=pixels, vision_feature_layer=layers,
            vision_feature_select_strategy="default").pooler_output[0]
    save_case("clip_feature_layers", w, pixels, expected,
              {"image": "mtmd-test-1.jpeg", "reference": "LlavaModel.get_image_features, "
               "vision_feature_layer [0, 2]", "causal": True}, index)


def clip_llava_layer1(index: dict, model, pixels) -> None:
    with torch.no_grad():
        expected = model.model.get_image_features(pixel_values=pixels, vision_feature_layer=1,
                                                  vision_feature_select_strategy="default")
        expected = expected.pooler_output[0]
    exp = np32(expected)
    exp.tofile(OUT / "clip_llava_layer1.expected.bin")
    px = np32(pixels[0])
    index["clip_llava_layer1"] = {
        "mmproj": "clip_llava.gguf", "pixels": "clip_llava.pixels.bin",
        "pixel_shape": list(px.shape), "expected": "clip_llava_layer1.expected.bin",
        "expected_shape": list(exp.shape), "text_width": TEXT_WIDTH,
        "image": "llava-waterview.jpg", "feature_layers": [1],
        "reference": "LlavaModel.get_image_features, vision_feature_layer 1 (an override of "
                     "the file's default)", "causal": True}
    print(f"clip_llava_layer1: expected {exp.shape}")


def siglip_gemma3(index: dict) -> None:
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(2)
    vcfg = transformers.SiglipVisionConfig(hidden_size=32, intermediate_size=64,
                                           num_hidden_layers=2, num_attention_heads=4,
                                           image_size=64, patch_size=8, layer_norm_eps=1e-6,
                                           vision_use_head=False)
    tcfg = transformers.Gemma3TextConfig(hidden_size=TEXT_WIDTH, intermediate_size=64,
                                         num_hidden_layers=1, num_attention_heads=4,
                                         num_key_value_heads=2, head_dim=12, vocab_size=300)
    cfg = transformers.Gemma3Config(vision_config=vcfg, text_config=tcfg, mm_tokens_per_image=4,
                                    image_token_index=299, boi_token_index=297,
                                    eoi_token_index=298)
    model = transformers.Gemma3ForConditionalGeneration(cfg).eval()
    vt = getattr(model.model.vision_tower, "vision_model", model.model.vision_tower)
    proj = model.model.multi_modal_projector
    randomize_(vt, gen)
    randomize_(proj, gen)
    with torch.no_grad():  # Gemma's norm weight is an offset from 1
        proj.mm_soft_emb_norm.weight.copy_(0.2 * torch.randn(vcfg.hidden_size, generator=gen))
    round_linears_(vt.encoder.layers, vcfg.num_hidden_layers)
    f16_round_(proj.mm_input_projection_weight)

    w = gguf.GGUFWriter(str(OUT / "siglip_gemma3.gguf"), "clip")
    w.add_file_type(1)
    w.add_name("tiny random SigLIP + Gemma 3 projector (braid golden)")
    w.add_string("clip.projector_type", "gemma3")
    common_vision_keys(w, vcfg, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    w.add_uint32("clip.vision.projection_dim", TEXT_WIDTH)
    w.add_uint32("clip.vision.block_count", vcfg.num_hidden_layers)
    w.add_bool("clip.use_gelu", True)
    emb = vt.embeddings
    w.add_tensor("v.patch_embd.weight", np32(emb.patch_embedding.weight))
    w.add_tensor("v.patch_embd.bias", np32(emb.patch_embedding.bias))
    w.add_tensor("v.position_embd.weight", np32(emb.position_embedding.weight))
    add_blocks(w, vt.encoder.layers, vcfg.num_hidden_layers, swapped_ffn=False, weight_np=np16)
    w.add_tensor("v.post_ln.weight", np32(vt.post_layernorm.weight))
    w.add_tensor("v.post_ln.bias", np32(vt.post_layernorm.bias))
    # convert_hf_to_gguf adds 1 (Gemma3RMSNorm multiplies by 1 + w) and keeps [vision, text].
    w.add_tensor("mm.soft_emb_norm.weight", np32(proj.mm_soft_emb_norm.weight + 1.0))
    w.add_tensor("mm.input_projection.weight", np16(proj.mm_input_projection_weight))

    proc = transformers.SiglipImageProcessor(size={"height": 64, "width": 64})
    image = Image.open(IMAGES / "chelsea.png").convert("RGB")
    pixels = proc(images=image, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        expected = model.model.get_image_features(pixel_values=pixels).pooler_output[0]
    save_case("siglip_gemma3", w, pixels, expected,
              {"image": "chelsea.png", "reference": "Gemma3Model.get_image_features",
               "causal": False}, index)


def tiny_idefics3():
    """The tiny random Idefics3ForConditionalGeneration of the idefics3 case, its vision
    transformer and connector (linear weights rounded to F16 as the mmproj stores them), and its
    vision config. Also used by make_idefics3_logits_golden.py."""
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(3)
    vcfg = transformers.Idefics3VisionConfig(hidden_size=32, intermediate_size=64,
                                             num_hidden_layers=2, num_attention_heads=4,
                                             image_size=64, patch_size=8, layer_norm_eps=1e-5)
    tcfg = transformers.LlamaConfig(hidden_size=TEXT_WIDTH, intermediate_size=64,
                                    num_hidden_layers=1, num_attention_heads=4,
                                    num_key_value_heads=2, vocab_size=64)
    cfg = transformers.Idefics3Config(vision_config=vcfg, text_config=tcfg, scale_factor=2,
                                      image_token_id=63)
    model = transformers.Idefics3ForConditionalGeneration(cfg).eval()
    vt = getattr(model.model.vision_model, "vision_model", model.model.vision_model)
    conn = model.model.connector
    randomize_(vt, gen)
    randomize_(conn, gen)
    round_linears_(vt.encoder.layers, vcfg.num_hidden_layers)
    f16_round_(conn.modality_projection.proj.weight)
    return model, vt, conn, vcfg


def idefics3(index: dict) -> None:
    model, vt, conn, vcfg = tiny_idefics3()
    w = gguf.GGUFWriter(str(OUT / "idefics3.gguf"), "clip")
    w.add_file_type(1)
    w.add_name("tiny random Idefics3 vision + connector (braid golden)")
    w.add_bool("clip.has_audio_encoder", False)
    w.add_string("clip.vision.projector_type", "idefics3")
    common_vision_keys(w, vcfg, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
    w.add_uint32("clip.vision.projection_dim", TEXT_WIDTH)
    w.add_uint32("clip.vision.block_count", vcfg.num_hidden_layers)
    w.add_uint32("clip.vision.projector.scale_factor", 2)
    w.add_bool("clip.use_gelu", True)
    emb = vt.embeddings
    w.add_tensor("v.patch_embd.weight", np32(emb.patch_embedding.weight))
    w.add_tensor("v.patch_embd.bias", np32(emb.patch_embedding.bias))
    w.add_tensor("v.position_embd.weight", np32(emb.position_embedding.weight))
    add_blocks(w, vt.encoder.layers, vcfg.num_hidden_layers, swapped_ffn=False, weight_np=np16)
    w.add_tensor("v.post_ln.weight", np32(vt.post_layernorm.weight))
    w.add_tensor("v.post_ln.bias", np32(vt.post_layernorm.bias))
    w.add_tensor("mm.model.fc.weight", np16(conn.modality_projection.proj.weight))

    proc = transformers.SiglipImageProcessor(size={"height": 64, "width": 64})
    image = Image.open(IMAGES / "coffee.png").convert("RGB")
    pixels = proc(images=image, return_tensors="pt")["pixel_values"]
    with torch.no_grad():
        hidden = vt(pixel_values=pixels).last_hidden_state
        expected = conn(hidden)[0]
    save_case("idefics3", w, pixels, expected,
              {"image": "coffee.png",
               "reference": "Idefics3VisionTransformer -> Idefics3Connector", "causal": True},
              index)


def main() -> int:
    if not IMAGES.exists():
        print(f"missing {IMAGES}", file=sys.stderr)
        return 1
    OUT.mkdir(parents=True, exist_ok=True)
    index: dict = {}
    clip_llava(index)
    clip_feature_layers(index)
    siglip_gemma3(index)
    idefics3(index)
    index["_provenance"] = {
        "script": "tests/scripts/make_vision_encoder_goldens.py",
        "torch": torch.__version__, "transformers": transformers.__version__,
        "gguf": getattr(gguf, "__version__", "0.19"), "numpy": np.__version__}
    (OUT / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
