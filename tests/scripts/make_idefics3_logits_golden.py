#!/usr/bin/env python3
"""Golden file for the whole Idefics3 / SmolVLM pipeline (tests/unit/vision/whole_model_logits_test.cpp).

Hugging Face transformers' Idefics3ForConditionalGeneration is the reference: the tiny random
model of make_vision_encoder_goldens.py's idefics3 case (SigLIP-style vision transformer, 64 px
in patches of 8, pixel shuffle by 2 and a linear connector: 16 rows; a one-layer Llama), asked
about a real photo as one tile. Its vision weights are exactly those of
tests/golden/vision_encoder/idefics3.gguf (same seeds; the connector and block matrices rounded
to F16 as that file stores them); its language model is given larger random weights here and
saved as a plain LlamaForCausalLM folder (text/), which braid's Model::load reads natively.

The prompt is SmolVLM's layout for an image that is not split: <fake_token_around_image>
<global-img> the image's rows <fake_token_around_image>, between text tokens; the tiny
vocabulary has no such tokens, so plain ids stand for them (what matters is that the rows sit
where the image tokens were).

Writes tests/golden/idefics3_logits/: text/, pixels.bin (float32 [3, 64, 64], the SigLIP
processor's values), logits.bin (float32 [vocab], the last position), case.json.

Run from the repository root:
    /work/venv/bin/python tests/scripts/make_idefics3_logits_golden.py
Made with torch 2.15.0, transformers 5.23.0, numpy, pillow (CPU).
"""

from __future__ import annotations

import json
import pathlib
import shutil
import sys

import numpy as np
import torch
import transformers
from PIL import Image

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from make_vision_encoder_goldens import IMAGES, randomize_, tiny_idefics3  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "idefics3_logits"
PHOTO = "llava-extreme_ironing.jpg"
BEFORE = [1, 9, 21, 33, 7, 8]   # BOS, "User:", ..., then <fake_token_around_image><global-img>
AFTER = [7, 44, 12, 30, 5]      # <fake_token_around_image>, the question, "Assistant:"


def main() -> None:
    model, vt, conn, vcfg = tiny_idefics3()
    cfg = model.config
    gen = torch.Generator().manual_seed(29)
    randomize_(model.model.text_model, gen)
    randomize_(model.lm_head, gen)

    proc = transformers.SiglipImageProcessor(size={"height": 64, "width": 64})
    image = Image.open(IMAGES / PHOTO).convert("RGB")
    pixels = proc(images=image, return_tensors="pt")["pixel_values"]  # [1, 3, 64, 64]
    n_image = (vcfg.image_size // vcfg.patch_size) ** 2 // cfg.scale_factor ** 2
    ids = BEFORE + [cfg.image_token_id] * n_image + AFTER
    with torch.no_grad():
        out = model(input_ids=torch.tensor([ids]), pixel_values=pixels[:, None])
    logits = out.logits[0, -1].float().numpy()

    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    text = transformers.LlamaForCausalLM(cfg.text_config).eval()
    text.model.load_state_dict(model.model.text_model.state_dict())
    text.lm_head.load_state_dict(model.lm_head.state_dict())
    text.save_pretrained(OUT / "text")
    (OUT / "text" / "generation_config.json").unlink(missing_ok=True)
    with torch.no_grad():  # the folder holds the language model unchanged
        a = model(input_ids=torch.tensor([BEFORE + AFTER])).logits[0, -1]
        b = text(input_ids=torch.tensor([BEFORE + AFTER])).logits[0, -1]
    assert torch.allclose(a, b, atol=1e-5), (a - b).abs().max()

    pixels[0].float().numpy().astype(np.float32).tofile(OUT / "pixels.bin")
    logits.astype(np.float32).tofile(OUT / "logits.bin")
    (OUT / "case.json").write_text(json.dumps({
        "photo": "media-images/" + PHOTO,
        "mmproj": "vision_encoder/idefics3.gguf",
        "before": BEFORE, "after": AFTER, "image_rows": n_image,
        "pixel_shape": list(pixels.shape[1:]), "vocab": int(logits.shape[0]),
    }, indent=2) + "\n")
    print("wrote", OUT, "logits[:4] =", logits[:4], "max", np.abs(logits).max())


if __name__ == "__main__":
    main()
