#!/usr/bin/env python3
"""Golden files for `braid convert` (tests/apps/convert_test.cpp).

Makes two tiny Hugging Face model folders with transformers and tokenizers, and records what
llama.cpp's convert_hf_to_gguf.py would write for them, re-implemented here from its rules on
top of the `gguf` package (its tensor name map, its quantizers, SpecialVocab for special tokens
and chat templates, GGUFWriter/GGUFReader for the metadata):

  tests/golden/convert/tiny-llama/   LlamaForCausalLM, BF16 weights, 2 shards, attention biases,
                                     Llama 3.1 rope scaling, byte-level BPE tokenizer.json with a
                                     BOS post-processor, chat template
  tests/golden/convert/tiny-qwen2/   Qwen2ForCausalLM, F16 weights, one file, tied embeddings
  tests/golden/convert/tiny-mistral/ MistralForCausalLM, F16 weights, head_dim (32) that is not
                                     hidden/heads (16), vocab_size 320; NO tokenizer file here:
                                     the test copies ../shared/data/llama2-tokenizer/
                                     tokenizer.model (SentencePiece, 32000 pieces) beside it, so
                                     the converter's SentencePiece path (truncated to 320) is run
  tests/golden/convert/expected.json per folder and output type (F16, F32, BF16, Q8_0): every
                                     tensor's GGUF name, type, shape (outermost first) and FNV-1a
                                     64 checksum of its bytes, in file order; for F16 also every
                                     metadata key with its type and value.

Run from the repository root:
    /work/pyenv/bin/python tests/scripts/make_convert_goldens.py
Made with: transformers 5.23.0, tokenizers 0.23.3, torch 2.15.0 (CPU), numpy 2.4.6,
safetensors 0.8.0, gguf 0.19.0, sentencepiece 0.2.3. The folders are written deterministically (fixed seeds).

What is llama.cpp's and what is braid's choice:
- Tensor layout (names, Q/K row permutation with n_head / n_head_kv, order: rope_freqs, then
  shards in file-name order with tensors sorted by name), types (1-D and *_norm.weight F32,
  the rest the output type; Q8_0 falls back to F16 when rows do not fill blocks), the Llama 3
  rope_freqs formula, and the hyperparameter keys follow convert_hf_to_gguf.py (LlamaModel,
  Qwen2Model, TextModel.set_gguf_parameters, ModelBase.prepare_tensors).
- tokenizer.ggml.pre: the real converter recognizes a tokenizer by hashing its output on a
  fixed text and refuses unknown ones (as these tiny tokenizers are); braid reads the
  pre-tokenizer regex instead: the Llama 3 regex gives "llama-bpe", Qwen2's "qwen2".
- braid always writes tokenizer.ggml.add_bos_token and add_eos_token; SpecialVocab writes only
  the ones it determines. The test allows those two keys as extras (with the value false).
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors.torch import load_file
from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (AutoTokenizer, LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, PreTrainedTokenizerFast, Qwen2Config,
                          Qwen2ForCausalLM)

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "golden" / "convert"
SPM_MODEL = ROOT.parent / "shared" / "data" / "llama2-tokenizer" / "tokenizer.model"

LLAMA3_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|"
                r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"
               r" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>",
            "<|eot_id|>"]
QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
QWEN_TEMPLATE = ("{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n"
                 "{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
CHAT_TEMPLATE = ("{{ bos_token }}{% for m in messages %}<|start_header_id|>{{ m['role'] }}"
                 "<|end_header_id|>\n\n{{ m['content'] }}<|eot_id|>{% endfor %}"
                 "{% if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>\n\n"
                 "{% endif %}")
CORPUS = [
    "The quick brown fox jumps over the lazy dog. Numbers: 12345 and 3.14159!",
    "Hello, world! How are you today? I'm fine, thanks; we'll see 2024-11-23.",
    "Tokenizers split text into pieces: words, digits, spaces and punctuation marks.",
    "Ünïcödé text too: café, naïve, 東京, Здравствуйте, and emoji 🙂 in a line.",
] * 8


def fnv1a64(data: bytes) -> str:
    h = 0xcbf29ce484222325
    for b in data:
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return f"{h:016x}"


def make_tokenizer(folder: Path, qwen: bool = False) -> None:
    # Llama 3 style: its digit-triple regex, special tokens first, a BOS post-processor.
    # Qwen2 style: single-digit regex, <|endoftext|> and ChatML tokens, no BOS.
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(QWEN2_REGEX if qwen else LLAMA3_REGEX), behavior="isolated",
                             invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=QWEN_SPECIALS if qwen else SPECIALS,
                                  show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(CORPUS, trainer)
    if qwen:
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>",
                                       pad_token="<|endoftext|>")
        fast.chat_template = QWEN_TEMPLATE
    else:
        bos = tok.token_to_id("<|begin_of_text|>")
        tok.post_processor = processors.TemplateProcessing(
            single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A $B:1",
            special_tokens=[("<|begin_of_text|>", bos)])
        fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<|begin_of_text|>",
                                       eos_token="<|eot_id|>")
        fast.chat_template = CHAT_TEMPLATE
    fast.save_pretrained(folder)


def randomize(model: torch.nn.Module, seed: int) -> None:
    # Norm weights of ones and zero biases would hide mapping mistakes: make every value distinct.
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _, p in sorted(model.named_parameters()):
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)


def make_llama(folder: Path) -> None:
    make_tokenizer(folder)
    tok = AutoTokenizer.from_pretrained(folder)
    config = LlamaConfig(
        hidden_size=64, num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=128, vocab_size=320, max_position_embeddings=131072,
        attention_bias=True, rms_norm_eps=1e-5, tie_word_embeddings=False,
        bos_token_id=tok.convert_tokens_to_ids("<|begin_of_text|>"),
        eos_token_id=tok.convert_tokens_to_ids("<|eot_id|>"),
        rope_parameters={"rope_type": "llama3", "rope_theta": 500000.0, "factor": 8.0,
                         "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                         "original_max_position_embeddings": 8192})
    torch.manual_seed(0)
    model = LlamaForCausalLM(config)
    randomize(model, 1)
    model = model.to(torch.bfloat16)
    model.save_pretrained(folder, max_shard_size="100KB")


def make_qwen2(folder: Path) -> None:
    make_tokenizer(folder, qwen=True)
    tok = AutoTokenizer.from_pretrained(folder)
    config = Qwen2Config(
        hidden_size=64, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=2,
        intermediate_size=96, vocab_size=304, max_position_embeddings=4096, rms_norm_eps=1e-6,
        tie_word_embeddings=True, rope_parameters={"rope_type": "default", "rope_theta": 1e6},
        bos_token_id=None, eos_token_id=tok.convert_tokens_to_ids("<|endoftext|>"))
    torch.manual_seed(0)
    model = Qwen2ForCausalLM(config)
    randomize(model, 2)
    model = model.to(torch.float16)
    model.save_pretrained(folder)


def make_mistral(folder: Path) -> None:
    folder.mkdir(parents=True)
    config = MistralConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
        head_dim=32, intermediate_size=64, vocab_size=320, max_position_embeddings=32768,
        rms_norm_eps=1e-5, sliding_window=None, bos_token_id=1, eos_token_id=2,
        rope_parameters={"rope_type": "default", "rope_theta": 1e6})
    torch.manual_seed(0)
    model = MistralForCausalLM(config)
    randomize(model, 3)
    model = model.to(torch.float16)
    model.save_pretrained(folder)
    (folder / "tokenizer_config.json").write_text(json.dumps({
        "add_bos_token": True, "add_eos_token": False, "bos_token": "<s>", "eos_token": "</s>",
        "unk_token": "<unk>", "chat_template": "{% for m in messages %}[INST] {{ m['content'] }} "
                                               "[/INST]{% endfor %}",
        # As Llama 2 / Mistral folders have it: the converter re-types these pieces.
        "added_tokens_decoder": {
            "0": {"content": "<unk>", "special": True},
            "1": {"content": "<s>", "special": True},
            "2": {"content": "</s>", "special": True},
            "300": {"content": "\u2581tool\u2581call", "special": False},
            "301": {"content": "<|tool|>", "special": False},
        }}, indent=1) + "\n")


# ---- the converter's layout, re-implemented ----------------------------------------------------

def permute(w: np.ndarray, n_head: int, n_head_kv: int | None) -> np.ndarray:
    if n_head_kv is not None and n_head != n_head_kv:
        n_head = n_head_kv
    return (w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:])
             .swapaxes(1, 2).reshape(w.shape))


def llama3_rope_freqs(hp: dict) -> np.ndarray:
    rope = hp.get("rope_parameters") or hp.get("rope_scaling") or {}
    base = rope.get("rope_theta", hp.get("rope_theta", 10000.0))
    dim = hp.get("head_dim") or hp["hidden_size"] // hp["num_attention_heads"]
    freqs = 1.0 / (base ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    factor = rope.get("factor", 8.0)
    low_freq_factor = rope.get("low_freq_factor", 1.0)
    high_freq_factor = rope.get("high_freq_factor", 4.0)
    old_context_len = rope.get("original_max_position_embeddings", 8192)
    low_freq_wavelen = old_context_len / low_freq_factor
    high_freq_wavelen = old_context_len / high_freq_factor
    out = []
    for freq in freqs:
        wavelen = 2 * math.pi / freq
        if wavelen < high_freq_wavelen:
            out.append(1)
        elif wavelen > low_freq_wavelen:
            out.append(factor)
        else:
            smooth = (old_context_len / wavelen - low_freq_factor) / (high_freq_factor - low_freq_factor)
            out.append(1 / ((1 - smooth) / factor + smooth))
    return torch.tensor(out, dtype=torch.float32).numpy()


FTYPES = {
    "F32": (gguf.LlamaFileType.ALL_F32, gguf.GGMLQuantizationType.F32),
    "F16": (gguf.LlamaFileType.MOSTLY_F16, gguf.GGMLQuantizationType.F16),
    "BF16": (gguf.LlamaFileType.MOSTLY_BF16, gguf.GGMLQuantizationType.BF16),
    "Q8_0": (gguf.LlamaFileType.MOSTLY_Q8_0, gguf.GGMLQuantizationType.Q8_0),
}


def converted_tensors(folder: Path, arch: gguf.MODEL_ARCH, outtype: str):
    hp = json.loads((folder / "config.json").read_text())
    n_head, n_kv = hp["num_attention_heads"], hp.get("num_key_value_heads")
    tmap = gguf.get_tensor_name_map(arch, hp["num_hidden_layers"])
    out = []
    rope = hp.get("rope_parameters") or hp.get("rope_scaling") or {}
    if arch == gguf.MODEL_ARCH.LLAMA and rope.get("rope_type", "").lower() == "llama3":
        out.append(("rope_freqs.weight", llama3_rope_freqs(hp), gguf.GGMLQuantizationType.F32))
    parts = sorted(p.name for p in folder.glob("model*.safetensors"))
    for part in parts:
        tensors = load_file(folder / part)
        for name in sorted(tensors):
            data = tensors[name]
            if data.dtype not in (torch.float16, torch.float32):
                data = data.to(torch.float32)
            if arch == gguf.MODEL_ARCH.LLAMA:
                if name.endswith(("q_proj.weight", "q_proj.bias")):
                    data = torch.from_numpy(permute(data.numpy(), n_head, n_head))
                if name.endswith(("k_proj.weight", "k_proj.bias")):
                    data = torch.from_numpy(permute(data.numpy(), n_head, n_kv))
            new_name = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
            assert new_name is not None, name
            arr = data.numpy()
            qtype = FTYPES[outtype][1]
            if arr.ndim <= 1 or new_name.endswith("_norm.weight"):
                qtype = gguf.GGMLQuantizationType.F32
            if qtype == gguf.GGMLQuantizationType.F32:
                arr = arr.astype(np.float32)
            elif qtype == gguf.GGMLQuantizationType.F16:
                arr = arr.astype(np.float16)
            else:
                try:
                    arr = gguf.quants.quantize(arr.astype(np.float32), qtype)
                except gguf.QuantError:
                    qtype = gguf.GGMLQuantizationType.F16
                    arr = arr.astype(np.float16)
            out.append((new_name, arr, qtype))
    return out


def set_vocab_sentencepiece(writer: gguf.GGUFWriter, folder: Path, spm: Path, hp: dict) -> None:
    # TextModel._create_vocab_sentencepiece + _set_vocab_sentencepiece.
    from sentencepiece import SentencePieceProcessor
    sp = SentencePieceProcessor()
    sp.LoadFromFile(str(spm))
    vocab_size = hp.get("vocab_size") or sp.vocab_size()
    tokens = [f"[PAD{i}]".encode() for i in range(vocab_size)]
    scores = [-10000.0] * vocab_size
    types = [gguf.TokenType.UNUSED] * vocab_size
    for i in range(sp.vocab_size()):
        if i >= vocab_size:
            break
        t = gguf.TokenType.NORMAL
        if sp.IsUnknown(i):
            t = gguf.TokenType.UNKNOWN
        elif sp.IsControl(i):
            t = gguf.TokenType.CONTROL
        elif sp.IsUnused(i):
            t = gguf.TokenType.UNUSED
        elif sp.IsByte(i):
            t = gguf.TokenType.BYTE
        tokens[i] = sp.IdToPiece(i).encode("utf-8")
        scores[i] = sp.GetScore(i)
        types[i] = t
    config = json.loads((folder / "tokenizer_config.json").read_text())
    for key, data in config.get("added_tokens_decoder", {}).items():
        token_id, token = int(key), data["content"]
        if token_id >= vocab_size:
            continue
        if data.get("special") or (token.startswith("<|") and token.endswith("|>")):
            types[token_id] = gguf.TokenType.CONTROL
        else:
            token = token.replace(b"\xe2\x96\x81".decode("utf-8"), " ")
            types[token_id] = gguf.TokenType.USER_DEFINED
        scores[token_id] = -1000.0
        tokens[token_id] = token.encode("utf-8")
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    # SpecialVocab reads tokenizer_config.json from the folder and the ids from config.json.
    gguf.SpecialVocab(folder, n_vocab=len(tokens)).add_to_gguf(writer, quiet=True)


def set_vocab(writer: gguf.GGUFWriter, folder: Path, hp: dict, pre: str) -> None:
    # TextModel.get_vocab_base + _set_vocab_gpt2, with braid's documented pre-tokenizer choice.
    tokenizer = AutoTokenizer.from_pretrained(folder)
    vocab_size = hp.get("vocab_size", len(tokenizer.vocab))
    reverse = {i: t for t, i in tokenizer.vocab.items()}
    added = tokenizer.get_added_vocab()
    decoder = tokenizer.added_tokens_decoder
    tokens, types = [], []
    for i in range(vocab_size):
        if i not in reverse:
            tokens.append(f"[PAD{i}]")
            types.append(gguf.TokenType.UNUSED)
            continue
        token = reverse[i]
        if token in added:
            if not decoder[i].normalized:
                token = tokenizer.decode(tokenizer.encode(token, add_special_tokens=False))
            looks = token.startswith("<|") and token.endswith("|>")
            types.append(gguf.TokenType.CONTROL if decoder[i].special or looks
                         else gguf.TokenType.USER_DEFINED)
        else:
            types.append(gguf.TokenType.NORMAL)
        tokens.append(token)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre(pre)
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(folder, load_merges=True).add_to_gguf(writer, quiet=True)


def reference(folder: Path, arch: gguf.MODEL_ARCH, outtype: str, with_metadata: bool) -> dict:
    hp = json.loads((folder / "config.json").read_text())
    tensors = converted_tensors(folder, arch, outtype)
    result = {"tensors": [
        {"name": n, "type": q.name, "shape": list(gguf.quant_shape_from_byte_shape(a.shape, q)
                                                  if a.dtype == np.uint8 else a.shape),
         "fnv1a64": fnv1a64(np.ascontiguousarray(a).tobytes())}
        for n, a, q in tensors]}
    if not with_metadata:
        return result
    a = gguf.MODEL_ARCH_NAMES[arch]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ref.gguf"
        w = gguf.GGUFWriter(path, a)
        w.add_type(gguf.GGUFType.MODEL)
        w.add_name(folder.name)
        # TextModel.set_gguf_parameters
        rope = hp.get("rope_parameters") or hp.get("rope_scaling") or {}
        w.add_block_count(hp["num_hidden_layers"])
        w.add_context_length(hp["max_position_embeddings"])
        w.add_embedding_length(hp["hidden_size"])
        w.add_feed_forward_length(hp["intermediate_size"])
        w.add_head_count(hp["num_attention_heads"])
        w.add_head_count_kv(hp["num_key_value_heads"])
        if (theta := rope.get("rope_theta", hp.get("rope_theta"))) is not None:
            w.add_rope_freq_base(theta)
        w.add_layer_norm_rms_eps(hp["rms_norm_eps"])
        if (head_dim := hp.get("head_dim")) is not None:
            w.add_key_length(head_dim)
            w.add_value_length(head_dim)
        w.add_file_type(FTYPES[outtype][0])
        if arch == gguf.MODEL_ARCH.LLAMA:  # LlamaModel.set_gguf_parameters
            w.add_vocab_size(hp["vocab_size"])
            w.add_rope_dimension_count(hp.get("head_dim") or
                                       hp["hidden_size"] // hp["num_attention_heads"])
        w.add_quantization_version(gguf.GGML_QUANT_VERSION)
        if folder.name == "tiny-mistral":
            set_vocab_sentencepiece(w, folder, SPM_MODEL, hp)
        else:
            set_vocab(w, folder, hp, "qwen2" if arch == gguf.MODEL_ARCH.QWEN2 else "llama-bpe")
        for n, arr, q in tensors:
            w.add_tensor(n, arr, raw_dtype=q)
        w.write_header_to_file()
        w.write_kv_data_to_file()
        w.write_tensors_to_file()
        w.close()
        reader = gguf.GGUFReader(path)
        meta = {}
        for field in reader.fields.values():
            if field.name.startswith("GGUF."):
                continue
            vtype = field.types[0]
            if vtype == gguf.GGUFValueType.ARRAY:
                value = [field.contents(i) for i in range(len(field.data))]
                type_name = "array of " + field.types[1].name.lower()
            else:
                value = field.contents()
                type_name = vtype.name.lower()
            meta[field.name] = {"type": type_name, "value": value}
        result["metadata"] = meta
        # The reference file's tensors must be what was recorded above.
        assert [t.name for t in reader.tensors] == [t["name"] for t in result["tensors"]]
    return result


def main() -> None:
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    make_llama(OUT / "tiny-llama")
    make_qwen2(OUT / "tiny-qwen2")
    make_mistral(OUT / "tiny-mistral")
    expected = {
        "tiny-llama": {t: reference(OUT / "tiny-llama", gguf.MODEL_ARCH.LLAMA, t, t == "F16")
                       for t in ("F16", "F32", "BF16", "Q8_0")},
        "tiny-qwen2": {t: reference(OUT / "tiny-qwen2", gguf.MODEL_ARCH.QWEN2, t, t == "F16")
                       for t in ("F16", "Q8_0")},
        "tiny-mistral": {t: reference(OUT / "tiny-mistral", gguf.MODEL_ARCH.LLAMA, t, t == "F16")
                         for t in ("F16",)},
    }
    (OUT / "expected.json").write_text(json.dumps(expected, indent=1, ensure_ascii=False) + "\n")
    total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
    print(f"wrote {OUT} ({total / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
