// Element-wise ops, normalization, softmax and rotary embedding.
#include <cmath>
#include <limits>
#include <vector>

#include "ops.h"

namespace braid::reference {
namespace {

double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

void run_binary(const OpArgs& args) {
  const View& a = args.src(0);
  const View& b = args.src(1);
  const std::vector<double> x = read_all(a);
  const std::vector<double> y = read_all(b);
  const bool is_add = args.node->op == BRAID_OP_ADD;
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) {
    const double other = y[broadcast_index(a, b, static_cast<int64_t>(i))];
    out[i] = is_add ? x[i] + other : x[i] * other;
  }
  write_all(args.out, out);
}

void run_unary(const OpArgs& args) {
  std::vector<double> v = read_all(args.src(0));
  const double scale = args.params().scale.scale, bias = args.params().scale.bias;
  for (double& x : v) {
    switch (args.node->op) {
      case BRAID_OP_SCALE:
        x = x * scale + bias;
        break;
      case BRAID_OP_SILU:
        x = x * sigmoid(x);
        break;
      case BRAID_OP_GELU:
        x = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        break;
      case BRAID_OP_GELU_TANH: {
        const double c = std::sqrt(2.0 / M_PI);
        x = 0.5 * x * (1.0 + std::tanh(c * (x + 0.044715 * x * x * x)));
        break;
      }
      case BRAID_OP_QUICK_GELU:
        x = x * sigmoid(1.702 * x);
        break;
      default:
        fail_node(args, "not a unary op");
    }
  }
  write_all(args.out, v);
}

void run_swiglu(const OpArgs& args) {
  const std::vector<double> gate = read_all(args.src(0));
  const std::vector<double> up = read_all(args.src(1));
  std::vector<double> out(gate.size());
  for (size_t i = 0; i < gate.size(); ++i) out[i] = gate[i] * sigmoid(gate[i]) * up[i];
  write_all(args.out, out);
}

void run_norm(const OpArgs& args) {
  const View& src = args.src(0);
  const int64_t n = src.row_length();
  std::vector<double> v = read_all(src);
  const std::vector<double> weight = args.has(1) ? read_all(args.src(1)) : std::vector<double>();
  const std::vector<double> bias = args.has(2) ? read_all(args.src(2)) : std::vector<double>();
  const double eps = args.params().norm.eps;
  const bool rms = args.node->op == BRAID_OP_RMS_NORM;
  for (int64_t r = 0; r < src.n_rows(); ++r) {
    double* row = v.data() + r * n;
    double mean = 0.0;
    if (!rms) {
      for (int64_t i = 0; i < n; ++i) mean += row[i];
      mean /= static_cast<double>(n);
    }
    double sum_sq = 0.0;
    for (int64_t i = 0; i < n; ++i) sum_sq += (row[i] - mean) * (row[i] - mean);
    const double inv = 1.0 / std::sqrt(sum_sq / static_cast<double>(n) + eps);
    for (int64_t i = 0; i < n; ++i) {
      double y = (row[i] - mean) * inv;
      if (!weight.empty()) y *= weight[i];
      if (!bias.empty()) y += bias[i];
      row[i] = y;
    }
  }
  write_all(args.out, v);
}

void run_rope(const OpArgs& args) {
  const View& src = args.src(0);
  const int64_t n_tokens = src.shape[0], n_heads = src.shape[1], head_dim = src.shape[2];
  const braid_rope_params& p = args.params().rope;
  const int64_t half = p.n_rot / 2;
  std::vector<double> v = read_all(src);
  const std::vector<int32_t> positions = read_i32(args.src(1));
  const std::vector<double> factors = args.has(2) ? read_all(args.src(2)) : std::vector<double>();
  for (int64_t t = 0; t < n_tokens; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      // frequency i = base^(-2i / n_rot), divided by its factor; linear scaling scales positions.
      double theta = static_cast<double>(positions[t]) * p.freq_scale *
                     std::pow(static_cast<double>(p.freq_base), -2.0 * i / p.n_rot);
      if (!factors.empty()) theta /= factors[i];
      const double c = std::cos(theta), s = std::sin(theta);
      for (int64_t h = 0; h < n_heads; ++h) {
        double* head = v.data() + (t * n_heads + h) * head_dim;
        const int64_t i0 = p.mode == BRAID_ROPE_ADJACENT ? 2 * i : i;
        const int64_t i1 = p.mode == BRAID_ROPE_ADJACENT ? 2 * i + 1 : i + half;
        const double x0 = head[i0], x1 = head[i1];
        head[i0] = x0 * c - x1 * s;
        head[i1] = x0 * s + x1 * c;
      }
    }
  }
  write_all(args.out, v);
}

void run_softmax(const OpArgs& args) {
  const View& src = args.src(0);
  const int64_t n = src.row_length();
  std::vector<double> v = read_all(src);
  const std::vector<double> mask = args.has(1) ? read_all(args.src(1)) : std::vector<double>();
  const double scale = args.params().softmax.scale;
  for (size_t i = 0; i < v.size(); ++i) {
    v[i] *= scale;
    if (!mask.empty()) v[i] += mask[broadcast_index(src, args.src(1), static_cast<int64_t>(i))];
  }
  for (int64_t r = 0; r < src.n_rows(); ++r) {
    double* row = v.data() + r * n;
    double max = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) max = std::max(max, row[i]);
    if (max == -std::numeric_limits<double>::infinity()) {
      for (int64_t i = 0; i < n; ++i) row[i] = 0.0;  // every entry masked: zeros (backend.h)
      continue;
    }
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      row[i] = std::exp(row[i] - max);
      sum += row[i];
    }
    for (int64_t i = 0; i < n; ++i) row[i] /= sum;
  }
  write_all(args.out, v);
}

}  // namespace braid::reference
