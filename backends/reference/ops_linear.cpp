// Matmul, row gathers, convolutions and pooling.
#include <vector>

#include "ops.h"

namespace braid::reference {

void run_matmul(const OpArgs& args) {
  const View& a = args.src(0);
  const View& w = args.src(1);
  const int64_t k = a.row_length();
  const int64_t m = a.n_rows();  // every outer index of src0 is one row of activations
  const int64_t n = w.shape[0];
  const std::vector<double> x = read_all(a);
  const std::vector<double> bias = args.has(2) ? read_all(args.src(2)) : std::vector<double>();
  std::vector<double> out(m * n);
  std::vector<double> weights(k);
  // Weight rows are read (dequantized) one at a time: a weight matrix can be large.
  for (int64_t j = 0; j < n; ++j) {
    read_row(w, j, weights.data());
    for (int64_t i = 0; i < m; ++i) {
      double sum = bias.empty() ? 0.0 : bias[j];
      const double* row = x.data() + i * k;
      for (int64_t t = 0; t < k; ++t) sum += row[t] * weights[t];
      out[i * n + j] = sum;
    }
  }
  write_all(args.out, out);
}

void run_get_rows(const OpArgs& args) {
  const View& table = args.src(0);
  const std::vector<int32_t> rows = read_i32(args.src(1));
  const int64_t n = table.row_length();
  std::vector<double> out(rows.size() * n);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= table.shape[0]) {
      fail_node(args, "row index ", rows[i], " at position ", i, " is outside [0, ", table.shape[0],
                ")");
    }
    read_row(table, rows[i], out.data() + i * n);
  }
  write_all(args.out, out);
}

void run_conv1d(const OpArgs& args) {
  const View& src = args.src(0);
  const View& w = args.src(1);
  const int64_t c_in = src.shape[0], length = src.shape[1];
  const int64_t c_out = w.shape[0], kernel = w.shape[2];
  const int64_t l_out = args.out.shape[1];
  const int64_t stride = args.params().conv.stride, padding = args.params().conv.padding;
  const std::vector<double> x = read_all(src);
  const std::vector<double> weights = read_all(w);
  const std::vector<double> bias = args.has(2) ? read_all(args.src(2)) : std::vector<double>();
  std::vector<double> out(c_out * l_out);
  for (int64_t co = 0; co < c_out; ++co) {
    for (int64_t o = 0; o < l_out; ++o) {
      double sum = bias.empty() ? 0.0 : bias[co];
      for (int64_t ci = 0; ci < c_in; ++ci) {
        for (int64_t t = 0; t < kernel; ++t) {
          const int64_t pos = o * stride + t - padding;  // outside the input: zero padding
          if (pos < 0 || pos >= length) continue;
          sum += weights[(co * c_in + ci) * kernel + t] * x[ci * length + pos];
        }
      }
      out[co * l_out + o] = sum;
    }
  }
  write_all(args.out, out);
}

void run_conv2d(const OpArgs& args) {
  const View& src = args.src(0);
  const View& w = args.src(1);
  const int64_t c_in = src.shape[0], height = src.shape[1], width = src.shape[2];
  const int64_t c_out = w.shape[0], kh = w.shape[2], kw = w.shape[3];
  const int64_t h_out = args.out.shape[1], w_out = args.out.shape[2];
  const int64_t stride = args.params().conv.stride, padding = args.params().conv.padding;
  const std::vector<double> x = read_all(src);
  const std::vector<double> weights = read_all(w);
  const std::vector<double> bias = args.has(2) ? read_all(args.src(2)) : std::vector<double>();
  std::vector<double> out(c_out * h_out * w_out);
  for (int64_t co = 0; co < c_out; ++co) {
    for (int64_t oy = 0; oy < h_out; ++oy) {
      for (int64_t ox = 0; ox < w_out; ++ox) {
        double sum = bias.empty() ? 0.0 : bias[co];
        for (int64_t ci = 0; ci < c_in; ++ci) {
          for (int64_t ky = 0; ky < kh; ++ky) {
            const int64_t y = oy * stride + ky - padding;
            if (y < 0 || y >= height) continue;
            for (int64_t kx = 0; kx < kw; ++kx) {
              const int64_t xx = ox * stride + kx - padding;
              if (xx < 0 || xx >= width) continue;
              sum += weights[((co * c_in + ci) * kh + ky) * kw + kx] *
                     x[(ci * height + y) * width + xx];
            }
          }
        }
        out[(co * h_out + oy) * w_out + ox] = sum;
      }
    }
  }
  write_all(args.out, out);
}

void run_avg_pool2d(const OpArgs& args) {
  const View& src = args.src(0);
  const int64_t channels = src.shape[0], height = src.shape[1], width = src.shape[2];
  const int64_t k = args.params().pool.kernel;
  const int64_t h_out = args.out.shape[1], w_out = args.out.shape[2];
  const std::vector<double> x = read_all(src);
  std::vector<double> out(channels * h_out * w_out);
  for (int64_t c = 0; c < channels; ++c) {
    for (int64_t oy = 0; oy < h_out; ++oy) {
      for (int64_t ox = 0; ox < w_out; ++ox) {
        double sum = 0.0;
        for (int64_t ky = 0; ky < k; ++ky) {
          for (int64_t kx = 0; kx < k; ++kx) {
            sum += x[(c * height + oy * k + ky) * width + ox * k + kx];
          }
        }
        out[(c * h_out + oy) * w_out + ox] = sum / static_cast<double>(k * k);
      }
    }
  }
  write_all(args.out, out);
}

}  // namespace braid::reference
