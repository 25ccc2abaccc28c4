#include "braid/core/gguf_quantize.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <numeric>
#include <thread>

#include "braid/core/gguf_writer.h"
#include "braid/core/quant.h"

namespace braid::core {
namespace {

int64_t int_key_or_zero(const GgufFile& file, const std::string& key) {
  const GgufValue* value = file.find(key);
  if (!value) return 0;
  auto v = gguf_value_as<int64_t>(*value, key);
  return v.ok() ? *v : 0;  // per-layer arrays (head counts) leave the fact unknown
}

std::vector<size_t> llama_order(const GgufFile& file) {
  std::vector<size_t> order(file.tensors().size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return llama_tensor_order_less(file.tensors()[a].name, file.tensors()[b].name);
  });
  return order;
}

// Converts `rows` rows of `row_length` values from `from` to `to`, spreading the rows over
// `threads` threads. Each thread keeps one f32 row buffer.
Status convert_rows(const std::string& tensor_name,
                    DType from,
                    DType to,
                    const std::byte* src,
                    std::byte* dst,
                    int64_t rows,
                    int64_t row_length,
                    int threads) {
  const uint64_t src_row = *dtype_row_bytes(from, static_cast<uint64_t>(row_length));
  const uint64_t dst_row = *dtype_row_bytes(to, static_cast<uint64_t>(row_length));
  // About 64 Ki values per chunk: large enough to amortize the hand-off, small enough to balance.
  const int64_t chunk = std::max<int64_t>(1, (int64_t{1} << 16) / std::max<int64_t>(row_length, 1));
  std::atomic<int64_t> next{0};
  std::mutex error_mutex;
  Status first_error;
  std::atomic<bool> failed{false};

  auto work = [&]() {
    std::vector<float> row(static_cast<size_t>(row_length));
    while (!failed.load(std::memory_order_relaxed)) {
      const int64_t begin = next.fetch_add(chunk);
      if (begin >= rows) return;
      const int64_t end = std::min(rows, begin + chunk);
      for (int64_t r = begin; r < end; ++r) {
        const std::byte* in = src + static_cast<uint64_t>(r) * src_row;
        std::byte* out = dst + static_cast<uint64_t>(r) * dst_row;
        Status status;
        if (from == DType::F32) {
          std::memcpy(row.data(), in, src_row);  // the mapping need not be float-aligned
        } else {
          status = dequantize_row(from, in, row.data(), row_length);
        }
        if (status.is_ok()) status = quantize_row(to, row.data(), out, row_length);
        if (!status.is_ok()) {
          std::lock_guard<std::mutex> lock(error_mutex);
          if (!failed.exchange(true)) {
            const StatusCode code =
                status.code() == StatusCode::InvalidArgument ? StatusCode::DataLoss : status.code();
            first_error = Status(code, str_cat("[quantize] tensor '", tensor_name, "' row ", r,
                                               ": ", status.message()));
          }
          return;
        }
      }
    }
  };

  const int64_t n_chunks = (rows + chunk - 1) / chunk;
  const int n_threads = static_cast<int>(std::clamp<int64_t>(n_chunks, 1, std::max(threads, 1)));
  std::vector<std::thread> pool;
  pool.reserve(static_cast<size_t>(n_threads - 1));
  for (int i = 1; i < n_threads; ++i) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return failed ? first_error : Status::ok();
}

bool same_file(const std::filesystem::path& a, const std::filesystem::path& b) {
  std::error_code ec;
  if (std::filesystem::exists(b, ec) && std::filesystem::equivalent(a, b, ec)) return true;
  return std::filesystem::weakly_canonical(a, ec) == std::filesystem::weakly_canonical(b, ec);
}

}  // namespace

ModelFacts model_facts_of(const GgufFile& file) {
  ModelFacts facts;
  if (const GgufValue* arch = file.find("general.architecture")) {
    if (const auto* s = std::get_if<std::string>(&arch->data)) facts.architecture = *s;
  }
  const std::string& a = facts.architecture;
  facts.n_layer = int_key_or_zero(file, a + ".block_count");
  facts.n_head = int_key_or_zero(file, a + ".attention.head_count");
  facts.n_head_kv = int_key_or_zero(file, a + ".attention.head_count_kv");
  if (facts.n_head_kv == 0) facts.n_head_kv = facts.n_head;
  facts.n_expert = int_key_or_zero(file, a + ".expert_count");
  return facts;
}

std::vector<TensorPlan> plan_for_file(const GgufFile& file,
                                      const QuantRecipe& recipe,
                                      const PlanOptions& options) {
  std::vector<TensorDesc> descs;
  descs.reserve(file.tensors().size());
  for (const auto& t : file.tensors()) descs.push_back({t.name, t.dtype, t.shape});
  std::vector<TensorPlan> plan = plan_quantization(descs, model_facts_of(file), recipe, options);
  std::vector<TensorPlan> ordered;
  ordered.reserve(plan.size());
  for (size_t i : llama_order(file)) ordered.push_back(std::move(plan[i]));
  return ordered;
}

Result<QuantizeReport> quantize_gguf(const std::filesystem::path& input,
                                     const std::filesystem::path& output,
                                     const QuantRecipe& recipe,
                                     const QuantizeOptions& options) {
  if (same_file(input, output)) {
    return invalid_argument("[quantize] the output ", output.string(),
                            " is the input file; choose another path");
  }
  BRAID_ASSIGN_OR_RETURN(GgufFile file, GgufFile::open(input));

  QuantizeReport report;
  report.plan = plan_for_file(file, recipe, PlanOptions{.pure = options.pure});
  const std::vector<size_t> order = llama_order(file);

  // Check every conversion before writing anything.
  for (size_t k = 0; k < order.size(); ++k) {
    const GgufTensorInfo& t = file.tensors()[order[k]];
    const TensorPlan& p = report.plan[k];
    if (p.from == p.to) continue;
    if (!is_convertible(p.from)) {
      return not_supported("[quantize] ", file.name(), ": tensor '", t.name, "' is stored as ",
                           dtype_name(p.from), ", which braid cannot convert to ",
                           dtype_name(p.to));
    }
    if (dtype_info(p.from).quantized) report.requantized.push_back(t.name);
  }

  GgufWriter writer(file.alignment());
  for (const auto& kv : file.metadata()) {
    if (kv.key == "general.alignment" || kv.key.rfind("split.", 0) == 0) continue;
    writer.set(kv.key, kv.value);
  }
  writer.set("general.quantization_version", GgufValue{uint32_t{2}});
  writer.set("general.file_type", GgufValue{recipe.file_type});

  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (size_t k = 0; k < order.size(); ++k) {
    const GgufTensorInfo& t = file.tensors()[order[k]];
    const TensorPlan& p = report.plan[k];
    const int64_t row_length = t.shape.empty() ? 1 : t.shape.back();
    const int64_t rows = row_length == 0 ? 0 : t.n_elements / row_length;
    const uint64_t out_bytes =
        p.from == p.to ? t.n_bytes : *dtype_row_bytes(p.to, static_cast<uint64_t>(t.n_elements));
    report.tensor_bytes_in += t.n_bytes;
    report.tensor_bytes_out += out_bytes;
    report.n_elements += t.n_elements;
    if (p.fallback) ++report.n_fallback;
    auto fill = [&file, &t, &p, &options, k, count = order.size(), rows, row_length,
                 threads](std::span<std::byte> out) -> Status {
      const auto in = file.tensor_data(t);
      if (p.from == p.to) {
        std::memcpy(out.data(), in.data(), in.size());
      } else {
        BRAID_TRY(
            convert_rows(t.name, p.from, p.to, in.data(), out.data(), rows, row_length, threads));
      }
      if (options.on_tensor) {
        options.on_tensor(QuantizeProgress{k, count, &p, t.shape, t.n_bytes, out.size()});
      }
      return Status::ok();
    };
    BRAID_TRY(writer.add_tensor(t.name, p.to, t.shape, std::move(fill)));
  }
  BRAID_TRY(writer.write(output));
  return report;
}

}  // namespace braid::core
