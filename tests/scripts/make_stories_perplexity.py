#!/usr/bin/env python3
"""Reference perplexity of stories260K for braid's decoder tests (tests/golden/perplexity/).

An independent forward pass in float64 numpy over the GGUF tensors as stored (llama.cpp's Llama
layout: Q/K rows permuted, so rope rotates adjacent pairs), scored the way llama.cpp's
llama-perplexity does: windows of n_ctx tokens (the first replaced by BOS), the second half of
each window scored (the NLL of token j+1 from the logits at j, n_ctx/2 <= j <= n_ctx-2).
The tokens are given in the output too, so the test checks the tokenizer separately from the
model.

Run:  /work/pyenv/bin/python tests/scripts/make_stories_perplexity.py \
          ../shared/data/tinyllama-stories260K/stories260K.gguf \
          ../shared/data/tinyllama-stories260K/expected_greedy_200steps.txt 64 \
          > tests/golden/perplexity/stories260k_greedy_c64.json
Versions used: numpy 2.x, gguf 0.19 (the PyPI package, reader only).
The token ids come from the derived_greedy_200_token_ids.txt file beside the model, with BOS
(id 1) in front, which is what a SentencePiece tokenizer gives for that text.
"""
import json
import sys

import numpy as np
from gguf import GGUFReader


def main():
    model_path, text_path, n_ctx = sys.argv[1], sys.argv[2], int(sys.argv[3])
    r = GGUFReader(model_path)
    f = {k: v for k, v in r.fields.items()}

    def scalar(key):
        field = f[key]
        return field.parts[field.data[0]][0]

    n_embd = int(scalar("llama.embedding_length"))
    n_layer = int(scalar("llama.block_count"))
    n_head = int(scalar("llama.attention.head_count"))
    n_head_kv = int(scalar("llama.attention.head_count_kv"))
    eps = float(scalar("llama.attention.layer_norm_rms_epsilon"))
    hd = n_embd // n_head
    # GGUF dims are innermost first; numpy's tensor.data is already [out, in] row-major.
    t = {x.name: np.array(x.data, dtype=np.float64).reshape([int(d) for d in reversed(x.shape)])
         for x in r.tensors}

    ids_path = text_path.replace("expected_greedy_200steps.txt", "derived_greedy_200_token_ids.txt")
    tokens = [1] + [int(x) for x in open(ids_path).read().split()]

    def rms(x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    def rope(x, pos):  # x [n, heads, hd], adjacent pairs
        i = np.arange(hd // 2)
        theta = pos[:, None] * (10000.0 ** (-2.0 * i / hd))[None, :]
        c, s = np.cos(theta)[:, None, :], np.sin(theta)[:, None, :]
        a, b = x[..., 0::2], x[..., 1::2]
        out = np.empty_like(x)
        out[..., 0::2] = a * c - b * s
        out[..., 1::2] = a * s + b * c
        return out

    def forward(ids):
        n = len(ids)
        x = t["token_embd.weight"][ids]
        pos = np.arange(n, dtype=np.float64)
        mask = np.triu(np.full((n, n), -np.inf), 1)
        for l in range(n_layer):
            p = f"blk.{l}."
            h = rms(x, t[p + "attn_norm.weight"])
            q = rope((h @ t[p + "attn_q.weight"].T).reshape(n, n_head, hd), pos)
            k = rope((h @ t[p + "attn_k.weight"].T).reshape(n, n_head_kv, hd), pos)
            v = (h @ t[p + "attn_v.weight"].T).reshape(n, n_head_kv, hd)
            g = n_head // n_head_kv
            k = np.repeat(k, g, axis=1)
            v = np.repeat(v, g, axis=1)
            s = np.einsum("qhd,khd->hqk", q, k) / np.sqrt(hd) + mask
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = np.einsum("hqk,khd->qhd", s, v).reshape(n, n_embd)
            x = x + a @ t[p + "attn_output.weight"].T
            h = rms(x, t[p + "ffn_norm.weight"])
            gate = h @ t[p + "ffn_gate.weight"].T
            up = h @ t[p + "ffn_up.weight"].T
            x = x + (gate / (1 + np.exp(-gate)) * up) @ t[p + "ffn_down.weight"].T
        return rms(x, t["output_norm.weight"]) @ t["output.weight"].T

    n_chunks = len(tokens) // n_ctx
    nll, count, running = 0.0, 0, []
    for c in range(n_chunks):
        window = tokens[c * n_ctx:(c + 1) * n_ctx]
        window[0] = 1
        logits = forward(window)
        for j in range(n_ctx // 2, n_ctx - 1):
            l = logits[j]
            m = l.max()
            nll += -(l[tokens[c * n_ctx + j + 1]] - m - np.log(np.exp(l - m).sum()))
            count += 1
        running.append(float(np.exp(nll / count)))
    json.dump({"model": "stories260K.gguf", "n_ctx": n_ctx, "tokens": tokens,
               "running_ppl": running, "ppl": running[-1], "n_scored": count}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
