// Ops that move data: concat, permute, copy with conversion, row scatter and reshape.
#include <cstring>
#include <vector>

#include "ops.h"

namespace braid::reference {

void run_concat(const OpArgs& args) {
  const View& a = args.src(0);
  const View& b = args.src(1);
  const View& dst = args.out;
  const int32_t axis = args.params().concat.axis;
  const std::vector<double> x = read_all(a);
  const std::vector<double> y = read_all(b);
  // Walk dst in row-major order; each index comes from a or b depending on its axis coordinate.
  std::vector<double> out(dst.n_elements());
  std::array<int64_t, BRAID_MAX_DIMS> index{};
  for (int64_t flat = 0; flat < dst.n_elements(); ++flat) {
    int64_t rest = flat;
    for (int d = static_cast<int>(dst.rank) - 1; d >= 0; --d) {
      index[d] = rest % dst.shape[d];
      rest /= dst.shape[d];
    }
    const bool from_a = index[axis] < a.shape[axis];
    const View& src = from_a ? a : b;
    if (!from_a) index[axis] -= a.shape[axis];
    int64_t src_flat = 0;
    for (uint32_t d = 0; d < src.rank; ++d) src_flat = src_flat * src.shape[d] + index[d];
    out[flat] = from_a ? x[src_flat] : y[src_flat];
  }
  write_all(dst, out);
}

void run_permute(const OpArgs& args) {
  const View& src = args.src(0);
  const View& dst = args.out;
  const std::vector<double> x = read_all(src);
  std::vector<double> out(dst.n_elements());
  std::array<int64_t, BRAID_MAX_DIMS> index{}, src_index{};
  for (int64_t flat = 0; flat < dst.n_elements(); ++flat) {
    int64_t rest = flat;
    for (int d = static_cast<int>(dst.rank) - 1; d >= 0; --d) {
      index[d] = rest % dst.shape[d];
      rest /= dst.shape[d];
    }
    for (uint32_t d = 0; d < dst.rank; ++d) src_index[args.params().permute.axes[d]] = index[d];
    int64_t src_flat = 0;
    for (uint32_t d = 0; d < src.rank; ++d) src_flat = src_flat * src.shape[d] + src_index[d];
    out[flat] = x[src_flat];
  }
  write_all(dst, out);
}

void run_copy(const OpArgs& args) {
  // The same dtype copies bits: requantizing a block could change it.
  if (args.src(0).dtype == args.out.dtype) return copy_raw(args.src(0), args.out);
  write_all(args.out, read_all(args.src(0)));
}

void run_set_rows(const OpArgs& args) {
  const View& src = args.src(0);
  const View& dst = args.out;
  const std::vector<int32_t> rows = read_i32(args.src(1));
  const std::vector<double> x = read_all(src);
  const int64_t per_row = src.n_elements() / src.shape[0];
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= dst.shape[0]) {
      fail_node(args, "row index ", rows[i], " at position ", i, " is outside [0, ", dst.shape[0],
                ")");
    }
  }
  // Checked first, so a bad index leaves dst untouched; in order, so the last duplicate wins.
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::vector<double> row(x.begin() + i * per_row, x.begin() + (i + 1) * per_row);
    write_all(dst.slice(rows[i]), row);
  }
}

void run_reshape(const OpArgs& args) {
  // Both sides are contiguous (checked by the graph rules) with the same dtype and element
  // count, so the storage bytes are the same sequence.
  const View& src = args.src(0);
  const int64_t bytes = abi::row_bytes(src.dtype, src.n_elements());
  std::memcpy(args.out.data, src.data, static_cast<size_t>(bytes));
}

}  // namespace braid::reference
