// Scaled dot-product attention with grouped-query heads, the causal rule by position, an
// additive mask and a valid-length input, in the most literal form: scores, softmax, weighted sum.
#include <cmath>
#include <limits>
#include <vector>

#include "ops.h"

namespace braid::reference {

void run_attention(const OpArgs& args) {
  const View& q = args.src(0);
  const View& k = args.src(1);
  const View& v = args.src(2);
  const int64_t n_q = q.shape[0], n_head = q.shape[1], head_dim = q.shape[2];
  const int64_t n_kv = k.shape[0], n_head_kv = k.shape[1], head_dim_v = v.shape[2];
  const braid_attention_params& p = args.params().attention;

  int64_t n_valid = n_kv;
  if (args.has(5)) {
    n_valid = read_i32(args.src(5))[0];
    if (n_valid < 0 || n_valid > n_kv) {
      fail_node(args, "the valid KV count ", n_valid, " is outside [0, ", n_kv, "]");
    }
  }
  const std::vector<int32_t> positions =
      args.has(3) ? read_i32(args.src(3)) : std::vector<int32_t>();
  const std::vector<double> mask = args.has(4) ? read_all(args.src(4)) : std::vector<double>();
  const std::vector<double> query = read_all(q);

  // Only the filled part of the cache is read.
  std::vector<double> keys(n_valid * n_head_kv * head_dim);
  std::vector<double> values(n_valid * n_head_kv * head_dim_v);
  for (int64_t row = 0; row < n_valid * n_head_kv; ++row) {
    read_row(k, row, keys.data() + row * head_dim);
    read_row(v, row, values.data() + row * head_dim_v);
  }

  const double minus_inf = -std::numeric_limits<double>::infinity();
  const int64_t group = n_head / n_head_kv;  // query heads per KV head
  std::vector<double> out(n_q * n_head * head_dim_v, 0.0);
  std::vector<double> scores(n_valid);
  for (int64_t i = 0; i < n_q; ++i) {
    for (int64_t h = 0; h < n_head; ++h) {
      const int64_t hk = h / group;
      const double* qv = query.data() + (i * n_head + h) * head_dim;
      double max = minus_inf;
      for (int64_t j = 0; j < n_valid; ++j) {
        scores[j] = minus_inf;
        if (p.causal && j > positions[i]) continue;
        const double* kv = keys.data() + (j * n_head_kv + hk) * head_dim;
        double dot = 0.0;
        for (int64_t d = 0; d < head_dim; ++d) dot += qv[d] * kv[d];
        scores[j] = dot * p.scale + (mask.empty() ? 0.0 : mask[i * n_kv + j]);
        max = std::max(max, scores[j]);
      }
      double* o = out.data() + (i * n_head + h) * head_dim_v;
      if (max == minus_inf) continue;  // no key visible: zeros (backend.h)
      double sum = 0.0;
      for (int64_t j = 0; j < n_valid; ++j) {
        scores[j] = scores[j] == minus_inf ? 0.0 : std::exp(scores[j] - max);
        sum += scores[j];
      }
      for (int64_t j = 0; j < n_valid; ++j) {
        if (scores[j] == 0.0) continue;
        const double weight = scores[j] / sum;
        const double* vv = values.data() + (j * n_head_kv + hk) * head_dim_v;
        for (int64_t d = 0; d < head_dim_v; ++d) o[d] += weight * vv[d];
      }
    }
  }
  write_all(args.out, out);
}

}  // namespace braid::reference
