// Tiny random-weight Llama/Qwen2 models for the decoder tests, written both as a GGUF file (the
// way llama.cpp's converter lays it out: Q/K rows of llama-arch models permuted for adjacent-pair
// rope) and as a Hugging Face folder (config.json + model.safetensors, unpermuted), from the same
// weights, so the two load paths can be compared. Tensors can be left out or given wrong shapes
// to test the loader's errors.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "braid/core/gguf_writer.h"
#include "braid/core/status.h"

namespace braid::test {

struct TinySpec {
  std::string arch = "llama";  ///< "llama" or "qwen2"
  int64_t n_vocab = 64, n_embd = 64, n_layer = 2, n_head = 4, n_head_kv = 2, n_ff = 96;
  int64_t n_ctx = 128;
  bool tied = false;
  float rope_base = 10000.0f, eps = 1e-5f;
  uint64_t seed = 1;
  std::set<std::string> skip;                            ///< GGUF names to leave out
  std::map<std::string, std::vector<int64_t>> reshaped;  ///< GGUF name → shape to write instead
  bool qkv_bias() const { return arch == "qwen2"; }
  int64_t head_dim() const { return n_embd / n_head; }
};

struct TinyTensor {
  std::vector<int64_t> shape;
  std::vector<float> values;
};

/// Random weights in Hugging Face layout, keyed by GGUF name.
inline std::map<std::string, TinyTensor> tiny_weights(const TinySpec& s) {
  std::mt19937_64 gen(s.seed);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  std::map<std::string, TinyTensor> w;
  auto matrix = [&](const std::string& name, int64_t rows, int64_t cols, float scale) {
    TinyTensor t{{rows, cols}, std::vector<float>(static_cast<size_t>(rows * cols))};
    for (float& x : t.values) x = uni(gen) * scale;
    w[name] = std::move(t);
  };
  auto vector = [&](const std::string& name, int64_t n, float center, float spread) {
    TinyTensor t{{n}, std::vector<float>(static_cast<size_t>(n))};
    for (float& x : t.values) x = center + spread * uni(gen);
    w[name] = std::move(t);
  };
  const float in_scale = std::sqrt(3.0f / static_cast<float>(s.n_embd));
  const int64_t q = s.n_head * s.head_dim(), kv = s.n_head_kv * s.head_dim();
  matrix("token_embd.weight", s.n_vocab, s.n_embd, 1.0f);
  for (int64_t l = 0; l < s.n_layer; ++l) {
    const std::string b = "blk." + std::to_string(l) + ".";
    vector(b + "attn_norm.weight", s.n_embd, 1.0f, 0.2f);
    matrix(b + "attn_q.weight", q, s.n_embd, in_scale);
    matrix(b + "attn_k.weight", kv, s.n_embd, in_scale);
    matrix(b + "attn_v.weight", kv, s.n_embd, in_scale);
    if (s.qkv_bias()) {
      vector(b + "attn_q.bias", q, 0.0f, 0.1f);
      vector(b + "attn_k.bias", kv, 0.0f, 0.1f);
      vector(b + "attn_v.bias", kv, 0.0f, 0.1f);
    }
    matrix(b + "attn_output.weight", s.n_embd, q, std::sqrt(3.0f / static_cast<float>(q)));
    vector(b + "ffn_norm.weight", s.n_embd, 1.0f, 0.2f);
    matrix(b + "ffn_gate.weight", s.n_ff, s.n_embd, in_scale);
    matrix(b + "ffn_up.weight", s.n_ff, s.n_embd, in_scale);
    matrix(b + "ffn_down.weight", s.n_embd, s.n_ff, std::sqrt(3.0f / static_cast<float>(s.n_ff)));
  }
  vector("output_norm.weight", s.n_embd, 1.0f, 0.2f);
  if (!s.tied) matrix("output.weight", s.n_vocab, s.n_embd, in_scale);
  return w;
}

/// llama.cpp's converter permutation of Q/K rows: within each head, row s * (hd/2) + j moves to
/// 2 j + s, so that rope's adjacent pairs are the halves Hugging Face rotates together.
inline std::vector<float> permute_rows(const TinyTensor& t, int64_t n_heads) {
  const int64_t rows = t.shape[0], cols = t.shape[1], hd = rows / n_heads;
  std::vector<float> out(t.values.size());
  for (int64_t h = 0; h < n_heads; ++h) {
    for (int64_t s = 0; s < 2; ++s) {
      for (int64_t j = 0; j < hd / 2; ++j) {
        const int64_t from = h * hd + s * (hd / 2) + j, to = h * hd + 2 * j + s;
        std::memcpy(&out[static_cast<size_t>(to * cols)],
                    &t.values[static_cast<size_t>(from * cols)],
                    static_cast<size_t>(cols) * sizeof(float));
      }
    }
  }
  return out;
}

inline core::Status write_tiny_gguf(const TinySpec& s,
                                    const std::map<std::string, TinyTensor>& weights,
                                    const std::filesystem::path& path) {
  core::GgufWriter writer;
  const std::string a = s.arch;
  writer.set("general.architecture", core::GgufValue{a});
  writer.set(a + ".vocab_size", core::GgufValue{static_cast<uint32_t>(s.n_vocab)});
  writer.set(a + ".context_length", core::GgufValue{static_cast<uint32_t>(s.n_ctx)});
  writer.set(a + ".embedding_length", core::GgufValue{static_cast<uint32_t>(s.n_embd)});
  writer.set(a + ".block_count", core::GgufValue{static_cast<uint32_t>(s.n_layer)});
  writer.set(a + ".feed_forward_length", core::GgufValue{static_cast<uint32_t>(s.n_ff)});
  writer.set(a + ".attention.head_count", core::GgufValue{static_cast<uint32_t>(s.n_head)});
  writer.set(a + ".attention.head_count_kv", core::GgufValue{static_cast<uint32_t>(s.n_head_kv)});
  writer.set(a + ".attention.layer_norm_rms_epsilon", core::GgufValue{s.eps});
  writer.set(a + ".rope.freq_base", core::GgufValue{s.rope_base});
  for (const auto& [name, t] : weights) {
    if (s.skip.count(name)) continue;
    std::vector<float> values = t.values;
    const bool permute =
        s.arch == "llama" && (name.ends_with("attn_q.weight") || name.ends_with("attn_k.weight"));
    if (permute) {
      values = permute_rows(t, name.ends_with("attn_q.weight") ? s.n_head : s.n_head_kv);
    }
    std::vector<int64_t> shape = t.shape;
    if (auto it = s.reshaped.find(name); it != s.reshaped.end()) {
      shape = it->second;
      int64_t n = 1;
      for (int64_t d : shape) n *= d;
      values.assign(static_cast<size_t>(n), 0.5f);
    }
    BRAID_TRY(writer.add_tensor(name, core::DType::F32, shape,
                                std::as_bytes(std::span<const float>(values))));
  }
  return writer.write(path);
}

/// The Hugging Face name of a GGUF tensor name.
inline std::string hf_name(const std::string& gguf) {
  static const std::map<std::string, std::string> whole = {
      {"token_embd.weight", "model.embed_tokens.weight"},
      {"output_norm.weight", "model.norm.weight"},
      {"output.weight", "lm_head.weight"}};
  if (auto it = whole.find(gguf); it != whole.end()) return it->second;
  static const std::map<std::string, std::string> parts = {
      {"attn_norm.weight", "input_layernorm.weight"},
      {"attn_q.weight", "self_attn.q_proj.weight"},
      {"attn_k.weight", "self_attn.k_proj.weight"},
      {"attn_v.weight", "self_attn.v_proj.weight"},
      {"attn_q.bias", "self_attn.q_proj.bias"},
      {"attn_k.bias", "self_attn.k_proj.bias"},
      {"attn_v.bias", "self_attn.v_proj.bias"},
      {"attn_output.weight", "self_attn.o_proj.weight"},
      {"ffn_norm.weight", "post_attention_layernorm.weight"},
      {"ffn_gate.weight", "mlp.gate_proj.weight"},
      {"ffn_up.weight", "mlp.up_proj.weight"},
      {"ffn_down.weight", "mlp.down_proj.weight"}};
  const size_t dot = gguf.find('.', 4);  // after "blk.N"
  const std::string layer = gguf.substr(4, dot - 4);
  return "model.layers." + layer + "." + parts.at(gguf.substr(dot + 1));
}

inline core::Status write_tiny_hf(const TinySpec& s,
                                  const std::map<std::string, TinyTensor>& weights,
                                  const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  nlohmann::json config = {{"model_type", s.arch},
                           {"vocab_size", s.n_vocab},
                           {"hidden_size", s.n_embd},
                           {"num_hidden_layers", s.n_layer},
                           {"num_attention_heads", s.n_head},
                           {"num_key_value_heads", s.n_head_kv},
                           {"intermediate_size", s.n_ff},
                           {"max_position_embeddings", s.n_ctx},
                           {"rms_norm_eps", s.eps},
                           {"rope_theta", s.rope_base},
                           {"tie_word_embeddings", s.tied}};
  std::ofstream(dir / "config.json") << config.dump(2);
  nlohmann::json header = nlohmann::json::object();
  std::vector<char> data;
  for (const auto& [name, t] : weights) {
    if (s.skip.count(name)) continue;
    const size_t begin = data.size();
    data.resize(begin + t.values.size() * sizeof(float));
    std::memcpy(data.data() + begin, t.values.data(), t.values.size() * sizeof(float));
    header[hf_name(name)] = {
        {"dtype", "F32"}, {"shape", t.shape}, {"data_offsets", {begin, data.size()}}};
  }
  std::string text = header.dump();
  while (text.size() % 8 != 0) text += ' ';
  std::ofstream out(dir / "model.safetensors", std::ios::binary);
  const uint64_t n = text.size();
  out.write(reinterpret_cast<const char*>(&n), 8);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  return out ? core::Status::ok() : core::io_error("cannot write ", dir.string());
}

}  // namespace braid::test
