#!/usr/bin/env python3
"""Golden file for the whole LLaVA pipeline (tests/unit/vision/whole_model_logits_test.cpp).

Hugging Face transformers' LlavaForConditionalGeneration is the reference: the tiny random
tests/golden/convert_mmproj/tiny-llava/ folder (CLIP vision tower, mlp projector, a one-layer
Llama), asked about a real photo from ../shared/data/media-images/. Its logits at the prompt's
last position (the first generated token's distribution) are what braid must reproduce with
  - the mmproj that llama.cpp's converter writes for that folder
    (tests/golden/convert_mmproj/tiny-llava.mmproj.gguf), and
  - the folder's language model, saved here as a plain LlamaForCausalLM folder (text/), which
    braid's Model::load reads natively.
The mmproj stores 2-D and 4-D vision weights as F16 (as the converter does), so the reference
runs with those weights rounded to F16 too: the comparison is then float32 accuracy.

Writes tests/golden/llava_logits/:
  text/            config.json + model.safetensors (F32) of the language model
  pixels.bin       the CLIP image processor's pixel values for the photo, float32 [3, 32, 32]
  logits.bin       float32 [vocab]: LlavaForConditionalGeneration's last-position logits
  case.json        the token ids before and after the image, the image's row count, the photo

Run from the repository root:
    /work/venv/bin/python tests/scripts/make_llava_logits_golden.py
Made with torch 2.15.0, transformers 5.23.0, safetensors, numpy, pillow (CPU).
"""

from __future__ import annotations

import json
import pathlib
import shutil

import numpy as np
import torch
import transformers
from PIL import Image

ROOT = pathlib.Path(__file__).resolve().parents[2]
FOLDER = ROOT / "tests" / "golden" / "convert_mmproj" / "tiny-llava"
OUT = ROOT / "tests" / "golden" / "llava_logits"
PHOTO = "media-images/llama-models-dog.jpg"
# Token ids of the tiny vocabulary (64 ids; 63 is the image token): BOS, a "system" opening,
# then the image, then a "question". Any ids below 63 do.
BEFORE = [1, 5, 17, 29]
AFTER = [40, 8, 51, 3, 12]


def main() -> None:
    torch.manual_seed(0)
    model = transformers.LlavaForConditionalGeneration.from_pretrained(
        FOLDER, dtype=torch.float32).eval()
    cfg = model.config
    # The weights the mmproj holds in F16, rounded the same way.
    with torch.no_grad():
        for module in (model.model.vision_tower, model.model.multi_modal_projector):
            for p in module.parameters():
                if p.ndim >= 2:
                    p.copy_(p.half().float())

    processor = transformers.CLIPImageProcessor.from_pretrained(FOLDER)
    image = Image.open(ROOT.parent / "shared" / "data" / PHOTO).convert("RGB")
    pixels = processor(images=image, return_tensors="pt")["pixel_values"]  # [1, 3, 32, 32]
    n_image = (cfg.vision_config.image_size // cfg.vision_config.patch_size) ** 2  # CLS dropped
    ids = BEFORE + [cfg.image_token_id] * n_image + AFTER
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), pixel_values=pixels)
    logits = out.logits[0, -1].float().numpy()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    text = transformers.LlamaForCausalLM(cfg.text_config).eval()
    text.model.load_state_dict(model.model.language_model.state_dict())
    text.lm_head.load_state_dict(model.lm_head.state_dict())
    text.save_pretrained(OUT / "text")
    (OUT / "text" / "generation_config.json").unlink(missing_ok=True)
    # The text model alone gives the same logits for a prompt without the image: a check that the
    # folder holds the language model unchanged.
    with torch.no_grad():
        a = model(input_ids=torch.tensor([BEFORE + AFTER])).logits[0, -1]
        b = text(input_ids=torch.tensor([BEFORE + AFTER])).logits[0, -1]
    assert torch.allclose(a, b, atol=1e-6), (a - b).abs().max()

    pixels[0].float().numpy().astype(np.float32).tofile(OUT / "pixels.bin")
    logits.astype(np.float32).tofile(OUT / "logits.bin")
    (OUT / "case.json").write_text(json.dumps({
        "photo": PHOTO,
        "mmproj": "convert_mmproj/tiny-llava.mmproj.gguf",
        "before": BEFORE,
        "after": AFTER,
        "image_rows": n_image,
        "pixel_shape": list(pixels.shape[1:]),
        "vocab": int(logits.shape[0]),
    }, indent=2) + "\n")
    print("wrote", OUT, "logits[:4] =", logits[:4])


if __name__ == "__main__":
    main()
