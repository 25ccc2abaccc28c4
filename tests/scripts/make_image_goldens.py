#!/usr/bin/env python3
"""Golden references for image decoding and per-family preprocessing.

Run from the repository root (reads ../shared/data/media-images, never copies it):

    /work/pyenv/bin/python tests/scripts/make_image_goldens.py

Made with: transformers 5.23.0 (the PIL-backend image processors: CLIPImageProcessorPil,
SiglipImageProcessorPil, Gemma3ImageProcessorPil, Idefics3ImageProcessorPil,
LlavaNextImageProcessorPil), Pillow 13.0.0, numpy 2.4.6.

Writes
  tests/golden/image_preprocess/<image>.txt  per shared image and family: the tile shapes, the
      per-tile per-channel means and 256 sampled values at pseudo-random (tile, c, y, x)
      positions of the processor's pixel_values.
  tests/golden/image_preprocess/resize.txt  Pillow's resize of a synthetic pattern with every
      filter, in full (the resampler must match exactly).
  tests/golden/image_decode/files/*          small images made here, one per format / pixel
      layout the decoder must handle (grey, alpha, 16-bit, palette, CMYK, EXIF orientation,
      WebP, BMP, TIFF, GIF).
  tests/golden/image_decode/expected.txt     what the Hugging Face processors start from for
      each: ImageOps.exif_transpose(Image.open(f)) then transformers' convert_to_rgb (alpha or
      transparency composited over white, else .convert("RGB")); the generated files in full
      (hex), the shared images as 256 sampled pixels plus per-channel means.

One deliberate deviation: Pillow converts 16-bit greyscale ("I;16") to RGB by clipping at 255
(a nearly white image); the expected value here is the high byte (v >> 8), as Pillow itself
does for 16-bit RGB PNGs.
"""
import io
import os
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps

from transformers.image_processing_utils import select_best_resolution
from transformers.image_transforms import convert_to_rgb
from transformers.models.clip.image_processing_pil_clip import CLIPImageProcessorPil
from transformers.models.gemma3.image_processing_pil_gemma3 import Gemma3ImageProcessorPil
from transformers.models.idefics3.image_processing_pil_idefics3 import Idefics3ImageProcessorPil
from transformers.models.llava_next.image_processing_pil_llava_next import LlavaNextImageProcessorPil
from transformers.models.siglip.image_processing_pil_siglip import SiglipImageProcessorPil

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, "..", "shared", "data", "media-images")
OUT_PRE = os.path.join(ROOT, "tests", "golden", "image_preprocess")
OUT_DEC = os.path.join(ROOT, "tests", "golden", "image_decode")
N_SAMPLES = 256
CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073]


def hf_input(path_or_bytes):
    """The RGB array a Hugging Face processor starts from."""
    im = Image.open(path_or_bytes)
    im = ImageOps.exif_transpose(im)
    if im.mode == "I;16":
        return (np.array(im).astype(np.uint32) >> 8).astype(np.uint8)[..., None].repeat(3, -1)
    return convert_to_rgb(im, return_numpy=True)


def expand2square(rgb, background):
    """LLaVA's expand2square on an RGB array."""
    h, w, _ = rgb.shape
    if w == h:
        return rgb
    side = max(w, h)
    out = np.empty((side, side, 3), np.uint8)
    out[:] = np.array(background, np.uint8)
    y, x = (side - h) // 2, (side - w) // 2
    out[y:y + h, x:x + w] = rgb
    return out


def families():
    return {
        # LLaVA-1.5: expand2square with int(mean * 255), then CLIPImageProcessor at 336.
        "clip": (CLIPImageProcessorPil(size={"shortest_edge": 336},
                                       crop_size={"height": 336, "width": 336}),
                 lambda a: expand2square(a, tuple(int(x * 255) for x in CLIP_MEAN)),
                 CLIP_MEAN),
        "siglip": (SiglipImageProcessorPil(size={"height": 384, "width": 384},
                                           image_mean=[0.5] * 3, image_std=[0.5] * 3),
                   None, [0.5] * 3),
        "gemma3": (Gemma3ImageProcessorPil(size={"height": 896, "width": 896},
                                           image_mean=[0.5] * 3, image_std=[0.5] * 3,
                                           resample=2),
                   None, [0.5] * 3),
        "idefics3": (Idefics3ImageProcessorPil(), None, [0.5] * 3),
        "llava_next": (LlavaNextImageProcessorPil(
            size={"shortest_edge": 336}, crop_size={"height": 336, "width": 336},
            image_grid_pinpoints=[[336, 672], [672, 336], [672, 672], [1008, 336], [336, 1008]]),
            None, CLIP_MEAN),
    }


def tiles_of(name, proc, rgb):
    out = proc(images=[rgb], return_tensors="np", **({"return_row_col_info": True}
                                                     if name == "idefics3" else {}))
    pv = np.asarray(out["pixel_values"], dtype=np.float32)
    rows = cols = 0
    if name == "idefics3":
        pv = pv[0]
        rows, cols = int(out["rows"][0][0]), int(out["cols"][0][0])
    elif name == "llava_next":
        pv = pv[0]
        # HF reports no grid; the grid is the chosen pinpoint in tiles (what the model unpads).
        best = select_best_resolution(rgb.shape[:2], proc.image_grid_pinpoints)
        rows, cols = best[0] // pv.shape[-2], best[1] // pv.shape[-1]
    return pv, rows, cols


def write_preprocess(stem, path, rng_seed):
    rgb = hf_input(path)
    lines = [f"# {stem}: HF PIL-backend processors' pixel_values (make_image_goldens.py)",
             f"image {rgb.shape[1]} {rgb.shape[0]}"]
    for name, (proc, pre, _) in families().items():
        src = pre(rgb) if pre else rgb
        pv, rows, cols = tiles_of(name, proc, src)
        n_tiles, c, h, w = pv.shape
        lines.append(f"family {name} tiles {n_tiles} channels {c} height {h} width {w} "
                     f"rows {rows} cols {cols}")
        for t in range(n_tiles):
            means = pv[t].reshape(c, -1).astype(np.float64).mean(axis=1)
            lines.append(f"mean {t} " + " ".join(f"{m:.7g}" for m in means))
        rng = np.random.RandomState(rng_seed)
        ts = rng.randint(0, n_tiles, N_SAMPLES)
        cs = rng.randint(0, c, N_SAMPLES)
        ys = rng.randint(0, h, N_SAMPLES)
        xs = rng.randint(0, w, N_SAMPLES)
        for i in range(0, N_SAMPLES, 8):
            parts = [f"{ts[j]} {cs[j]} {ys[j]} {xs[j]} {pv[ts[j], cs[j], ys[j], xs[j]]:.7g}"
                     for j in range(i, i + 8)]
            lines.append("sample " + " ; ".join(parts))
    with open(os.path.join(OUT_PRE, stem + ".txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def png_16bit_rgb(arr):
    """A 48-bit RGB PNG written by hand (Pillow cannot save one)."""
    h, w, _ = arr.shape
    raw = b"".join(b"\x00" + arr[y].astype(">u2").tobytes() for y in range(h))

    def chunk(tag, data):
        return (struct.pack(">I", len(data)) + tag + data +
                struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pattern(w=24, h=16):
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 11 + y * 3) % 256
    g = (y * 15 + 40) % 256
    b = ((x + y) * 7 + 90) % 256
    return np.stack([r, g, b], -1).astype(np.uint8)


def with_exif(im, orientation, fmt, **kw):
    exif = Image.Exif()
    exif[274] = orientation
    buf = io.BytesIO()
    im.save(buf, format=fmt, exif=exif.tobytes(), **kw)
    return buf.getvalue()


def save(im, fmt, **kw):
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def generated_files():
    rgb = Image.fromarray(pattern())
    alpha = np.tile(np.linspace(0, 255, 24).astype(np.uint8), (16, 1))
    rgba = Image.fromarray(np.dstack([pattern(), alpha]), "RGBA")
    gray = rgb.convert("L")
    pal = rgb.quantize(16)
    pal_trns = pal.copy()
    pal_trns.info["transparency"] = 3
    gray16 = Image.fromarray((np.array(gray).astype(np.uint16) * 257 + 100).astype(np.uint16))
    rgb16 = pattern().astype(np.uint16) * 257 + 55
    frames = [rgb.quantize(32), Image.fromarray(255 - pattern()).quantize(32)]
    gif = io.BytesIO()
    frames[0].save(gif, format="GIF", save_all=True, append_images=frames[1:], duration=100)
    gif_trns = io.BytesIO()
    pal.save(gif_trns, format="GIF", transparency=3)
    files = {
        "rgb.png": (save(rgb, "PNG"), 0),
        "rgba.png": (save(rgba, "PNG"), 0),
        "la.png": (save(rgba.convert("LA"), "PNG"), 0),
        "gray.png": (save(gray, "PNG"), 0),
        "gray16.png": (save(gray16, "PNG"), 0),
        "rgb16.png": (png_16bit_rgb(rgb16), 0),
        "palette.png": (save(pal, "PNG"), 0),
        "palette_trns.png": (save(pal_trns, "PNG", transparency=3), 0),
        "rgb.jpg": (save(rgb, "JPEG", quality=90), 1),
        "progressive.jpg": (save(rgb, "JPEG", quality=90, progressive=True), 1),
        "gray.jpg": (save(gray, "JPEG", quality=90), 1),
        "cmyk.jpg": (save(rgb.convert("CMYK"), "JPEG", quality=95), 1),
        "exif6.jpg": (with_exif(rgb, 6, "JPEG", quality=90), 1),
        "rgb.webp": (save(rgb, "WEBP", lossless=True), 0),
        "rgba.webp": (save(rgba, "WEBP", lossless=True), 0),
        "lossy.webp": (save(rgb, "WEBP", quality=90), 1),
        "rgb.bmp": (save(rgb, "BMP"), 0),
        "palette.bmp": (save(pal, "BMP"), 0),
        "rgb.tiff": (save(rgb, "TIFF", compression="tiff_lzw"), 0),
        # OpenCV reads RGBA TIFF premultiplied (libtiff's RGBA interface): +-1 after undoing it.
        "rgba.tiff": (save(rgba, "TIFF"), 1),
        "animated.gif": (gif.getvalue(), 0),
        "transparent.gif": (gif_trns.getvalue(), 0),
    }
    for orientation in range(2, 9):
        files[f"exif{orientation}.png"] = (with_exif(rgb, orientation, "PNG"), 0)
        files[f"exif{orientation}.tiff"] = (with_exif(rgb, orientation, "TIFF"), 0)
    files["exif6.webp"] = (with_exif(rgb, 6, "WEBP", lossless=True), 0)
    return files


def extra_files():
    """Files for the error and edge tests (decode_errors_test.cpp), not in expected.txt."""
    rgb = Image.fromarray(pattern())
    y, x = np.mgrid[0:20, 0:20000]
    wide = np.stack([x % 256, (x // 256) % 256, y * 12], -1).astype(np.uint8)
    animated = io.BytesIO()
    rgb.save(animated, format="WEBP", save_all=True, lossless=True,
             append_images=[Image.fromarray(255 - pattern())], duration=100)
    return {
        "one.png": save(Image.new("RGB", (1, 1), (10, 200, 30)), "PNG"),
        "wide.png": save(Image.fromarray(wide), "PNG"),
        "animated.webp": animated.getvalue(),
    }


def write_decode():
    lines = ["# what HF processors start from: exif_transpose + convert_to_rgb "
             "(make_image_goldens.py)",
             "# file <name> <width> <height> <tolerance> then hex rows (generated files), or",
             "# shared <name> <width> <height> <tolerance>, mean, sample y x r g b lines"]
    files_dir = os.path.join(OUT_DEC, "files")
    for name, (data, tol) in sorted(generated_files().items()):
        with open(os.path.join(files_dir, name), "wb") as f:
            f.write(data)
        rgb = hf_input(io.BytesIO(data))
        h, w, _ = rgb.shape
        lines.append(f"file {name} {w} {h} {tol}")
        for y in range(h):
            lines.append(rgb[y].tobytes().hex())
    for name, data in extra_files().items():
        with open(os.path.join(files_dir, name), "wb") as f:
            f.write(data)
    rng = np.random.RandomState(7)
    for stem in sorted(os.listdir(SHARED)):
        if not stem.lower().endswith((".png", ".jpg", ".jpeg")):
            continue
        rgb = hf_input(os.path.join(SHARED, stem))
        h, w, _ = rgb.shape
        tol = 1 if stem.lower().endswith((".jpg", ".jpeg")) else 0
        lines.append(f"shared {stem} {w} {h} {tol}")
        lines.append("mean " + " ".join(f"{m:.6f}" for m in
                                        rgb.reshape(-1, 3).astype(np.float64).mean(0)))
        ys, xs = rng.randint(0, h, N_SAMPLES), rng.randint(0, w, N_SAMPLES)
        for i in range(0, N_SAMPLES, 8):
            lines.append("sample " + " ; ".join(
                f"{ys[j]} {xs[j]} {rgb[ys[j], xs[j], 0]} {rgb[ys[j], xs[j], 1]} "
                f"{rgb[ys[j], xs[j], 2]}" for j in range(i, i + 8)))
    with open(os.path.join(OUT_DEC, "expected.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def resize_pattern(w=40, h=30):
    """Reproduced in tests/unit/vision/resample_test.cpp."""
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 37 + y * 11) % 256
    g = (x * x + y * 7) % 256
    b = ((x ^ y) * 29) % 256
    return np.stack([r, g, b], -1).astype(np.uint8)


def write_resize():
    """Pillow's Image.resize of a sharp-edged pattern: every filter, up and down, one or both
    axes; the C++ resampler must match byte for byte."""
    src = Image.fromarray(resize_pattern())
    lines = ["# Pillow Image.resize of resize_pattern() 40x30 (make_image_goldens.py)",
             "# resize <pil filter id> <width> <height> then hex rows"]
    for filt in (1, 2, 3, 4, 5):
        for w, h in ((17, 11), (64, 48), (40, 13), (9, 30), (5, 3), (123, 7), (1, 1), (39, 10),
                     (60, 12)):
            out = np.array(src.resize((w, h), resample=filt))
            lines.append(f"resize {filt} {w} {h}")
            lines.extend(out[y].tobytes().hex() for y in range(h))
    with open(os.path.join(OUT_PRE, "resize.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main():
    if not os.path.isdir(SHARED):
        sys.exit(f"missing {SHARED}")
    os.makedirs(OUT_PRE, exist_ok=True)
    os.makedirs(os.path.join(OUT_DEC, "files"), exist_ok=True)
    write_resize()
    write_decode()
    for i, stem in enumerate(sorted(os.listdir(SHARED))):
        if stem.lower().endswith((".png", ".jpg", ".jpeg")):
            write_preprocess(stem, os.path.join(SHARED, stem), 1000 + i)


if __name__ == "__main__":
    main()
