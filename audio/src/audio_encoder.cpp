#include "braid/audio/audio_encoder.h"

#include <cmath>

#include "braid/core/dtype.h"

namespace braid::audio {

using core::Graph;
using core::Result;
using core::Status;
using core::str_cat;
using core::TensorId;

namespace {

// The graph reads the weight as it lies in the file (or the mmproj's F32 copy).
TensorId weight(Graph& g, const AudioWeight& w) {
  if (!w.present()) return {};
  return g.weight(w.name, w.dtype, w.shape, w.data);
}

// Rows [first, first + count) of a 2-D weight: whole rows of bytes, so block types split too.
TensorId weight_rows(Graph& g, const AudioWeight& w, int64_t first, int64_t count) {
  const uint64_t row_bytes = w.data.size() / static_cast<uint64_t>(w.shape[0]);
  return g.weight(str_cat(w.name, "[", first, ":", first + count, "]"), w.dtype,
                  {count, w.shape[1]},
                  w.data.subspan(static_cast<size_t>(first) * row_bytes,
                                 static_cast<size_t>(count) * row_bytes));
}

std::string layer_name(int64_t layer, const char* what) {
  return str_cat("a.blk.", layer, ".", what);
}

}  // namespace

int64_t encoder_rows(const AudioHparams& h, int64_t n_frames) {
  const int64_t rows = n_frames / 2;
  return h.projector == AudioProjectorType::Qwen2Audio ? rows / 2 : rows;
}

int64_t projected_rows(const AudioHparams& h, int64_t n_frames) {
  const int64_t rows = encoder_rows(h, n_frames);
  if (h.projector == AudioProjectorType::Ultravox) {
    return (rows + h.stack_factor - 1) / h.stack_factor;
  }
  return rows;
}

Status check_frame_count(const AudioHparams& h, int64_t n_frames) {
  const int64_t multiple = h.projector == AudioProjectorType::Qwen2Audio ? 4 : 2;
  if (n_frames < multiple || n_frames > h.max_frames() || n_frames % multiple != 0) {
    return core::invalid_argument("[audio encoder] ", n_frames,
                                  " mel frames: the encoder takes a multiple of ", multiple,
                                  " frames, at least ", multiple, " and at most ", h.max_frames(),
                                  " (its position table has ", h.n_positions, " rows)");
  }
  return Status::ok();
}

AudioEncoder::AudioEncoder(const AudioMmproj& mmproj, plugins::Scheduler& scheduler)
    : mmproj_(mmproj), scheduler_(scheduler), pair_avg_{0.5f, 0.5f} {
  const AudioHparams& h = mmproj_.hparams();
  if (h.projector == AudioProjectorType::Ultravox && h.stack_factor > 1) {
    zeros_.assign(static_cast<size_t>((h.stack_factor - 1) * h.n_embd), 0.0f);
  }
}

Status AudioEncoder::build(Graph& g, int64_t n_frames, AudioGraphStage stage) const {
  const AudioHparams& h = mmproj_.hparams();
  const AudioMmproj& m = mmproj_;
  BRAID_TRY(check_frame_count(h, n_frames));
  const int64_t n_pos = n_frames / 2;
  const int64_t e = h.n_embd;

  TensorId mel = g.input("mel", core::DType::F32, {h.n_mel, n_frames});
  TensorId x = g.conv1d(mel, weight(g, m.conv1_w()), weight(g, m.conv1_b()), 1, 1, "a.conv1");
  x = g.gelu(x, "a.conv1.gelu");
  x = g.conv1d(x, weight(g, m.conv2_w()), weight(g, m.conv2_b()), 2, 1, "a.conv2");
  x = g.gelu(x, "a.conv2.gelu");
  x = g.permute(x, {1, 0}, "a.conv_out");  // [n_pos, n_embd]
  // The first n_pos rows of the table: a prefix of its row-major bytes.
  const AudioWeight& pos = m.position_embd();
  TensorId pos_rows = g.weight(pos.name, core::DType::F32, {n_pos, e},
                               pos.data.first(static_cast<size_t>(n_pos * e) * sizeof(float)));
  x = g.add(x, pos_rows, "a.inp_pos");

  for (int64_t il = 0; il < h.n_layer; ++il) {
    const AudioLayerWeights& l = m.layers()[static_cast<size_t>(il)];
    TensorId cur =
        g.layer_norm(x, weight(g, l.ln1_w), weight(g, l.ln1_b), h.eps, layer_name(il, "ln1"));
    TensorId q = g.matmul(cur, weight(g, l.q_w), weight(g, l.q_b), layer_name(il, "q"));
    TensorId k = g.matmul(cur, weight(g, l.k_w), weight(g, l.k_b), layer_name(il, "k"));
    TensorId v = g.matmul(cur, weight(g, l.v_w), weight(g, l.v_b), layer_name(il, "v"));
    const core::Shape heads{n_pos, h.n_head, h.head_dim()};
    q = g.reshape(q, heads, layer_name(il, "q.heads"));
    k = g.reshape(k, heads, layer_name(il, "k.heads"));
    v = g.reshape(v, heads, layer_name(il, "v.heads"));
    // Whisper scales q by head_dim^-0.5: the attention op's default scale. No mask: every
    // frame sees every frame.
    cur = g.attention(q, k, v, core::AttentionOptions{}, layer_name(il, "attn"));
    cur = g.reshape(cur, {n_pos, e}, layer_name(il, "attn.rows"));
    cur = g.matmul(cur, weight(g, l.out_w), weight(g, l.out_b), layer_name(il, "attn_out"));
    x = g.add(x, cur, layer_name(il, "attn_res"));

    cur = g.layer_norm(x, weight(g, l.ln2_w), weight(g, l.ln2_b), h.eps, layer_name(il, "ln2"));
    cur = g.matmul(cur, weight(g, l.up_w), weight(g, l.up_b), layer_name(il, "ffn_up"));
    cur = g.gelu(cur, layer_name(il, "ffn_gelu"));
    cur = g.matmul(cur, weight(g, l.down_w), weight(g, l.down_b), layer_name(il, "ffn_down"));
    x = g.add(x, cur, layer_name(il, "out"));
  }

  int64_t rows = n_pos;
  if (h.projector == AudioProjectorType::Qwen2Audio) {
    // AvgPool1d(2) over time, before the final LayerNorm (Qwen2AudioEncoder's order): view the
    // frames as pairs [rows/2, 2, e], move the pair innermost, and average it with a k=2 matmul.
    rows = n_pos / 2;
    x = g.reshape(x, {rows, 2, e}, "a.pool.pairs");
    x = g.permute(x, {0, 2, 1}, "a.pool.inner");
    x = g.matmul(x,
                 g.weight("a.pool.avg", core::DType::F32, {1, 2},
                          std::as_bytes(std::span<const float>(pair_avg_))),
                 {}, "a.pool.avg_out");
    x = g.reshape(x, {rows, e}, "a.pool");
  }
  x = g.layer_norm(x, weight(g, m.post_ln_w()), weight(g, m.post_ln_b()), h.eps, "a.post_ln");

  if (stage == AudioGraphStage::Projected) {
    if (h.projector == AudioProjectorType::Qwen2Audio) {
      x = g.matmul(x, weight(g, m.fc_w()), weight(g, m.fc_b()), "mm.a.fc");
    } else {
      // StackAudioFrames: zero rows up to a multiple of the stack factor, then each group of
      // `stack` consecutive frames becomes one row of stack * n_embd values.
      const int64_t stack = h.stack_factor;
      const int64_t pad = (stack - rows % stack) % stack;
      if (pad > 0) {
        TensorId zeros = g.weight(
            "a.stack.pad", core::DType::F32, {pad, e},
            std::as_bytes(std::span<const float>(zeros_).first(static_cast<size_t>(pad * e))));
        x = g.concat(x, zeros, 0, "a.stack.padded");
      }
      const int64_t groups = (rows + pad) / stack;
      x = g.reshape(x, {groups, stack * e}, "mm.a.stacked");
      x = g.rms_norm(x, weight(g, m.norm_pre()), h.projector_eps, "mm.a.norm_pre");
      // SwiGLU as Ultravox defines it: the first half of mlp.1's output is the value, the
      // second half goes through SiLU. Splitting the weight's rows gives the two halves.
      const int64_t half = h.projector_hidden / 2;
      const AudioWeight& w1 = m.mlp1_w();
      TensorId value = g.matmul(x, weight_rows(g, w1, 0, half), {}, "mm.a.mlp.1.value");
      TensorId gate = g.matmul(x, weight_rows(g, w1, half, half), {}, "mm.a.mlp.1.gate");
      if (m.mlp1_b().present()) {
        const AudioWeight& b1 = m.mlp1_b();
        const size_t half_bytes = static_cast<size_t>(half) * sizeof(float);
        value = g.add(
            value,
            g.weight(b1.name + "[value]", core::DType::F32, {half}, b1.data.first(half_bytes)),
            "mm.a.mlp.1.value_b");
        gate = g.add(gate,
                     g.weight(b1.name + "[gate]", core::DType::F32, {half},
                              b1.data.subspan(half_bytes, half_bytes)),
                     "mm.a.mlp.1.gate_b");
      }
      x = g.swiglu(gate, value, "mm.a.swiglu");
      x = g.rms_norm(x, weight(g, m.norm_mid()), h.projector_eps, "mm.a.norm_mid");
      x = g.matmul(x, weight(g, m.mlp2_w()), weight(g, m.mlp2_b()), "mm.a.mlp.2");
    }
  }
  x = g.scale(x, 1.0f, 0.0f, "audio.out");
  g.mark_output(x);
  return g.status();
}

Result<std::vector<float>> AudioEncoder::run(const MelFeatures& features,
                                             AudioGraphStage stage) const {
  const AudioHparams& h = mmproj_.hparams();
  BRAID_TRY(check_features(features, "encoder input"));
  if (features.n_mel != h.n_mel) {
    return core::invalid_argument("[audio encoder] the features have ", features.n_mel,
                                  " mel bins; ", mmproj_.name(), " expects ", h.n_mel);
  }
  for (size_t i = 0; i < features.values.size(); ++i) {
    if (!std::isfinite(features.values[i])) {
      return core::invalid_argument("[audio encoder] feature value ", i, " (bin ",
                                    i / static_cast<size_t>(features.n_frames), ", frame ",
                                    i % static_cast<size_t>(features.n_frames), ") is not finite");
    }
  }
  Graph g;
  BRAID_TRY(build(g, features.n_frames, stage));
  const plugins::HostInput input{"mel", std::as_bytes(std::span<const float>(features.values))};
  BRAID_TRY(scheduler_.run(g, std::span<const plugins::HostInput>(&input, 1)));
  return scheduler_.read("audio.out");
}

Result<model::EmbeddingChunk> AudioEncoder::encode(const MelFeatures& features,
                                                   std::string source) const {
  BRAID_ASSIGN_OR_RETURN(std::vector<float> values, run(features, AudioGraphStage::Projected));
  model::EmbeddingChunk chunk;
  chunk.n_embd = mmproj_.hparams().n_embd_out;
  chunk.n_rows = static_cast<int64_t>(values.size()) / chunk.n_embd;
  chunk.data = std::move(values);
  chunk.causal = true;
  chunk.source = std::move(source);
  return chunk;
}

Result<std::vector<float>> AudioEncoder::encode_hidden(const MelFeatures& features) const {
  return run(features, AudioGraphStage::Encoder);
}

}  // namespace braid::audio
