#!/usr/bin/env python3
"""Trains a tiny byte-level BPE tokenizer with Hugging Face `tokenizers` (the Rust library behind
transformers, written independently of braid and llama.cpp), saves its tokenizer.json and the ids
it gives for a list of texts. braid's tokenizer.json importer plus its BPE encoder must give the
same ids (tests/unit/text/hf_golden_test.cpp).

Outputs, in tests/golden/tokenizer/:
  tiny_bpe.tokenizer.json   the trained tokenizer, as tokenizers writes it
  tiny_bpe_cases.json       {"tokenizers_version", "cases": [{"text", "ids"}]}

The texts are the 46 strings of llama.cpp's tokenizer tests (read from
../shared/data/llamacpp-vocab/ggml-vocab-gpt-2.gguf.inp when this script runs) plus a few with
added tokens. Ids come from Tokenizer.encode(text, add_special_tokens=False); added tokens
(special or not) are matched in the text, as braid does with parse_special=true.

Run from the repository root (tested with tokenizers 0.23.3):
    python3 -m venv /tmp/venv && /tmp/venv/bin/pip install tokenizers
    /tmp/venv/bin/python tests/scripts/make_tokenizer_golden.py
"""
import json
import os

import tokenizers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, trainers

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.normpath(os.path.join(ROOT, "..", "shared", "data"))
OUT_DIR = os.path.join(ROOT, "tests", "golden", "tokenizer")

# A small training corpus (written for this script): English prose and code, digits, a little
# German, Russian, Chinese and emoji, so the merges cover several scripts.
CORPUS = [
    "The quick brown fox jumps over the lazy dog while the cat watches from the window.",
    "Hello world! Hello, world. How are you doing today? I'm fine, thanks; and you?",
    "We'll see whether they've read the manual: it's long, but it's worth reading.",
    "def tokenize(text):\n    return [piece for piece in text.split()]\n",
    "for (int i = 0; i < 10; ++i) { total += values[i] * 2; }",
    "In 2024 there were 1314151 requests, 33 errors and 3333 retries.",
    "Grüße aus München, schöne Äpfel und Führerschein.",
    "Привет, мир! Это простой текст на русском языке.",
    "我想在苹果工作。今天天气很好。",
    "Emoji: 🚀 🦙 😀 ✅ and more 🚀🚀 here.",
    "    indented line\n\tTabbed line\n\n\nthree newlines above",
    "Tokenizers split text into pieces, then merge frequent pairs of pieces into new ones.",
] * 20

EXTRA_TEXTS = [
    "<|im_start|>user\nHello there<|im_end|>",
    "Call <tool> now, then <tool>again.",
    "<|endoftext|>The end.<|endoftext|>",
    "plain text without any added token",
]


def read_llamacpp_texts():
    path = os.path.join(SHARED, "llamacpp-vocab", "ggml-vocab-gpt-2.gguf.inp")
    with open(path, encoding="utf-8") as f:
        parts = f.read().split("\n__ggml_vocab_test__\n")
    return parts[:-1]  # the file ends with a separator


def main():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(CORPUS, trainer)
    tok.add_tokens([AddedToken("<tool>", special=False)])
    tok.add_special_tokens(["<|im_start|>", "<|im_end|>"])

    texts = read_llamacpp_texts() + EXTRA_TEXTS
    cases = [{"text": t, "ids": tok.encode(t, add_special_tokens=False).ids} for t in texts]

    os.makedirs(OUT_DIR, exist_ok=True)
    tok.save(os.path.join(OUT_DIR, "tiny_bpe.tokenizer.json"))
    with open(os.path.join(OUT_DIR, "tiny_bpe_cases.json"), "w", encoding="utf-8") as f:
        json.dump({"tokenizers_version": tokenizers.__version__, "cases": cases}, f,
                  ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases, vocab {tok.get_vocab_size()}, written to {OUT_DIR}")


if __name__ == "__main__":
    main()
