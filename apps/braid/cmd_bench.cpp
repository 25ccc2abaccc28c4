// `braid bench`: the benchmark users run to compare backends, machines and quantizations. Text
// tests with llama-bench's meanings (bench_text.h), encoder tests on synthetic inputs
// (bench_encoders.h), rows quoted against the machine's measured limits (bench_limits.h) and
// printed as Markdown, CSV, JSON or JSON lines (bench_output.h).
#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "bench_encoders.h"
#include "bench_options.h"
#include "braid/core/dtype.h"
#include "braid/core/gguf.h"
#include "braid/core/gguf_file_type.h"
#include "braid/core/gguf_quantize.h"
#include "braid/core/quant_recipe.h"
#include "braid/model/decoder.h"
#include "braid/plugins/registry.h"
#include "commands.h"
#include "device_chain.h"

#ifndef BRAID_BUILD_COMMIT
#define BRAID_BUILD_COMMIT "unknown"
#endif

namespace braid::app {
namespace {

int fail(const core::Status& status) {
  std::fprintf(stderr, "braid bench: %s\n", status.message().c_str());
  return 1;
}

// A folder under the system's temporary directory for quantized copies, removed on exit.
struct TempDir {
  std::filesystem::path path;
  ~TempDir() {
    std::error_code ec;
    if (!path.empty()) std::filesystem::remove_all(path, ec);
  }
};

core::Result<std::filesystem::path> make_temp_dir() {
  std::random_device seed;
  for (int attempt = 0; attempt < 16; ++attempt) {
    const auto path = std::filesystem::temp_directory_path() /
                      ("braid-bench-" + std::to_string(seed() % 1000000000));
    std::error_code ec;
    if (std::filesystem::create_directory(path, ec)) return path;
  }
  return core::io_error("[bench] cannot create a temporary folder in ",
                        std::filesystem::temp_directory_path().string());
}

// File facts for a row: name, type, size, parameter count.
struct FileFacts {
  std::string name;
  uint64_t bytes = 0;
  uint64_t params = 0;
};

FileFacts file_facts(const core::GgufFile& file, const std::string& fallback_name) {
  FileFacts facts;
  auto name = file.get_optional<std::string>("general.name");
  facts.name = name.ok() && name->has_value() && !(*name)->empty() ? **name : fallback_name;
  for (const auto& t : file.tensors()) {
    facts.bytes += t.n_bytes;
    facts.params += static_cast<uint64_t>(t.n_elements);
  }
  return facts;
}

std::pair<double, double> mean_sd(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double sq = 0;
  for (double x : v) sq += (x - mean) * (x - mean);
  // Sample standard deviation, as llama-bench reports it (0 for one repetition).
  const double sd = v.size() > 1 ? std::sqrt(sq / static_cast<double>(v.size() - 1)) : 0.0;
  return {mean, sd};
}

// Fills avg/stddev from per-repetition seconds for `items` items per repetition.
void fill_speed(BenchRow& row, const std::vector<double>& seconds, double items) {
  std::vector<double> rates, ms;
  for (double s : seconds) {
    rates.push_back(items / s);
    ms.push_back(s * 1000 / items);
  }
  std::tie(row.avg_ts, row.stddev_ts) = mean_sd(rates);
  std::tie(row.avg_ms, row.stddev_ms) = mean_sd(ms);
}

// The row fields that come from the device chain.
BenchRow device_row(const DeviceChain& chain, int requested_threads) {
  BenchRow row;
  row.build_commit = BRAID_BUILD_COMMIT;
  const auto& device = *chain.owned.front();
  row.backend = device.plugin().name();
  row.device = device.info().name;
  row.features = device.info().features;
  row.threads =
      device.info().threads > 0 ? static_cast<int>(device.info().threads) : requested_threads;
  row.cpu = cpu_model_name();
  row.gpu = "none";
  for (const auto& d : chain.owned) {
    if (d->info().kind == BRAID_DEVICE_CPU && row.cpu.empty()) row.cpu = d->info().name;
  }
  if (device.info().kind != BRAID_DEVICE_CPU) row.gpu = device.info().name;
  return row;
}

bool weights_quantized(const std::string& type_name) {
  const auto dtype = core::dtype_from_name(type_name);
  return dtype && core::dtype_info(*dtype).quantized;
}

// The limits apply to CPU devices only (no GPU figures are measured).
std::optional<MachineLimits> limits_for(const BenchPlan& plan,
                                        const DeviceChain& chain,
                                        int threads) {
  if (chain.owned.front()->info().kind != BRAID_DEVICE_CPU || threads < 1) return std::nullopt;
  return machine_limits(plan.limits, threads);
}

void set_compute_limit(BenchRow& row,
                       const std::optional<MachineLimits>& limits,
                       bool int8,
                       double flops_per_second) {
  row.limit_kind = int8 ? "int8_peak" : "f32_peak";
  row.achieved = flops_per_second / 1e9;
  if (limits) {
    row.limit = int8 ? limits->int8_gops : limits->f32_gflops;
    row.limit_fraction = row.achieved / *row.limit;
  }
}

core::Status bench_text_model(const BenchPlan& plan,
                              const plugins::Registry& registry,
                              const std::string& path,
                              const std::string& label,
                              std::vector<BenchRow>& rows) {
  BRAID_ASSIGN_OR_RETURN(auto model, model::Model::load(path));
  const core::GgufFile* gguf = model->gguf();
  FileFacts facts{model->config().architecture, model->weight_bytes(), 0};
  if (gguf != nullptr) facts = file_facts(*gguf, model->config().architecture);
  // The file's own label (Q4_K_M) where it has one; the int8-or-f32 choice below keys on the
  // type of most matrices (Q4_K).
  const std::string matrix_type = model->weight_type_name();
  std::string type = matrix_type;
  if (gguf != nullptr) {
    auto file_type = gguf->get_optional<uint32_t>("general.file_type");
    if (file_type.ok() && file_type->has_value()) {
      if (auto name = core::gguf_file_type_name(**file_type)) type = std::string(*name);
    }
  }
  int64_t n_ctx = 0;
  for (const auto& t : plan.tests) n_ctx = std::max(n_ctx, t.n_depth + t.n_prompt + t.n_gen);
  for (const auto& backend : plan.backends) {
    for (int threads : plan.threads) {
      BRAID_ASSIGN_OR_RETURN(auto chain, open_device_chain(registry, {backend, threads}));
      model::DecoderOptions options;
      options.n_ctx = n_ctx;
      BRAID_ASSIGN_OR_RETURN(auto decoder, model::Decoder::create(model, chain.devices(), options));
      const BenchRow base = device_row(chain, threads);
      const auto limits = limits_for(plan, chain, base.threads);
      for (const auto& test : plan.tests) {
        std::fprintf(stderr, "braid bench: %s, %s, %d threads, %s ...\n", label.c_str(),
                     base.backend.c_str(), base.threads, test.name().c_str());
        BRAID_ASSIGN_OR_RETURN(Timing timing,
                               run_text_test(*decoder, test, plan.reps, /*seed=*/1234));
        BenchRow row = base;
        row.model_file = label;
        row.model_name = facts.name;
        row.model_type = type;
        row.model_size = facts.bytes;
        row.model_params = facts.params;
        row.test = test.name();
        row.n_prompt = test.n_prompt;
        row.n_gen = test.n_gen;
        row.n_depth = test.n_depth;
        row.reps = plan.reps;
        fill_speed(row, timing.seconds, static_cast<double>(test.n_prompt + test.n_gen));
        const bool int8 = weights_quantized(matrix_type);
        // Ideal seconds at the limits: prefill FLOPs at the peak, each decode step's weight and
        // KV reads at the DRAM bandwidth (KV read at the step's mean position).
        const double pp_flops = text_prefill_flops(*model, test.n_depth, test.n_prompt);
        const int64_t mid = test.n_depth + test.n_prompt + test.n_gen / 2;
        const double step_bytes =
            static_cast<double>(text_bytes_per_token(*model) + text_kv_bytes_read(*decoder, mid));
        const double mean_seconds = mean_sd(timing.seconds).first;
        if (test.n_gen == 0) {
          set_compute_limit(row, limits, int8, pp_flops / mean_seconds);
        } else if (test.n_prompt == 0) {
          row.limit_kind = "dram_read";
          row.achieved = step_bytes * row.avg_ts / 1e9;
          if (limits) {
            row.limit = limits->dram_read_gbps;
            row.limit_fraction = row.achieved / *row.limit;
          }
        } else {
          // Both: t/s achieved against the t/s the limits allow for the whole test.
          row.limit_kind = "roofline_ts";
          row.achieved = row.avg_ts;
          if (limits) {
            const double peak = (int8 ? limits->int8_gops : limits->f32_gflops) * 1e9;
            const double ideal = pp_flops / peak + static_cast<double>(test.n_gen) * step_bytes /
                                                       (limits->dram_read_gbps * 1e9);
            row.limit = static_cast<double>(test.n_prompt + test.n_gen) / ideal;
            row.limit_fraction = row.achieved / *row.limit;
          }
        }
        rows.push_back(row);
      }
    }
  }
  return core::Status();
}

core::Status bench_mmproj(const BenchPlan& plan,
                          const plugins::Registry& registry,
                          const std::string& path,
                          std::vector<BenchRow>& rows) {
  BRAID_ASSIGN_OR_RETURN(const MmprojParts parts, mmproj_parts(path));
  // --image-encode / --audio-encode pick the tests (none given: both); a file is measured on
  // those of them it has, and one that has none of them is an error.
  const bool any_flag = plan.image_encode || plan.audio_encode;
  const bool image = parts.vision && (plan.image_encode || !any_flag);
  const bool audio = parts.audio && (plan.audio_encode || !any_flag);
  if (!image && !audio) {
    return core::invalid_argument(
        "[bench] ", path, ": no ",
        !any_flag                                ? "encoder (v.* or a.* tensors)"
        : plan.image_encode && plan.audio_encode ? "vision or audio encoder (v.* or a.* tensors)"
        : plan.image_encode                      ? "vision encoder (v.* tensors) for --image-encode"
                            : "audio encoder (a.* tensors) for --audio-encode");
  }
  BRAID_ASSIGN_OR_RETURN(core::GgufFile file, core::GgufFile::open(path));
  const std::string label = std::filesystem::path(path).filename().string();
  const FileFacts facts = file_facts(file, label);
  for (const auto& backend : plan.backends) {
    for (int threads : plan.threads) {
      BRAID_ASSIGN_OR_RETURN(auto chain, open_device_chain(registry, {backend, threads}));
      const BenchRow base = device_row(chain, threads);
      const auto limits = limits_for(plan, chain, base.threads);
      for (int kind = 0; kind < 2; ++kind) {
        if ((kind == 0 && !image) || (kind == 1 && !audio)) continue;
        std::fprintf(stderr, "braid bench: %s, %s, %d threads, %s encode ...\n", label.c_str(),
                     base.backend.c_str(), base.threads, kind == 0 ? "image" : "audio");
        BRAID_ASSIGN_OR_RETURN(
            EncoderTiming timing,
            kind == 0 ? bench_image_encode(path, chain.devices(), plan.reps)
                      : bench_audio_encode(path, chain.devices(), plan.reps, plan.audio_seconds));
        BenchRow row = base;
        row.model_file = label;
        row.model_name = facts.name;
        row.model_type = timing.quantized ? "quantized" : "float";
        for (const auto& t : file.tensors()) {
          if (t.shape.size() == 2 &&
              (t.name.rfind("v.blk.", 0) == 0 || t.name.rfind("a.blk.", 0) == 0)) {
            row.model_type = std::string(core::dtype_name(t.dtype));
            break;
          }
        }
        row.model_size = facts.bytes;
        row.model_params = facts.params;
        row.test = timing.test;
        row.reps = plan.reps;
        fill_speed(row, timing.seconds, 1.0);
        set_compute_limit(row, limits, timing.quantized,
                          timing.flops / mean_sd(timing.seconds).first);
        rows.push_back(row);
      }
    }
  }
  return core::Status();
}

// Time to first token of an image question: the text model at `model_path` with the vision
// encoder of `mmproj_path`.
core::Status bench_ttft(const BenchPlan& plan,
                        const plugins::Registry& registry,
                        const std::string& model_path,
                        const std::string& mmproj_path,
                        std::vector<BenchRow>& rows) {
  BRAID_ASSIGN_OR_RETURN(const MmprojParts parts, mmproj_parts(mmproj_path));
  if (!parts.vision) {
    return core::invalid_argument("[bench] --ttft: ", mmproj_path,
                                  " has no vision encoder (v.* tensors)");
  }
  BRAID_ASSIGN_OR_RETURN(auto model, model::Model::load(model_path));
  BRAID_ASSIGN_OR_RETURN(core::GgufFile mmproj_file, core::GgufFile::open(mmproj_path));
  const std::string label = std::filesystem::path(model_path).filename().string() + " + " +
                            std::filesystem::path(mmproj_path).filename().string();
  const FileFacts mmproj_facts = file_facts(mmproj_file, mmproj_path);
  FileFacts text_facts{model->config().architecture, model->weight_bytes(), 0};
  if (model->gguf() != nullptr) text_facts = file_facts(*model->gguf(), text_facts.name);
  for (const auto& backend : plan.backends) {
    for (int threads : plan.threads) {
      BRAID_ASSIGN_OR_RETURN(auto chain, open_device_chain(registry, {backend, threads}));
      BRAID_ASSIGN_OR_RETURN(auto decoder, model::Decoder::create(model, chain.devices()));
      const BenchRow base = device_row(chain, threads);
      const auto limits = limits_for(plan, chain, base.threads);
      std::fprintf(stderr, "braid bench: %s, %s, %d threads, ttft ...\n", label.c_str(),
                   base.backend.c_str(), base.threads);
      BRAID_ASSIGN_OR_RETURN(EncoderTiming timing,
                             bench_image_ttft(*decoder, mmproj_path, chain.devices(), plan.reps,
                                              BenchPlan::kTtftTextTokens));
      BenchRow row = base;
      row.model_file = label;
      row.model_name = text_facts.name + " + " + mmproj_facts.name;
      row.model_type = model->weight_type_name();
      row.model_size = text_facts.bytes + mmproj_facts.bytes;
      row.model_params = text_facts.params + mmproj_facts.params;
      row.test = timing.test;
      row.reps = plan.reps;
      fill_speed(row, timing.seconds, 1.0);
      // Questions per second against what the limits allow: the encoder's FLOPs at the peak of
      // its weights' arithmetic plus the prefill's at the text model's.
      row.limit_kind = "roofline_ts";
      row.achieved = row.avg_ts;
      if (limits) {
        const auto peak = [&](bool int8) {
          return (int8 ? limits->int8_gops : limits->f32_gflops) * 1e9;
        };
        const double ideal = timing.flops / peak(timing.quantized) +
                             timing.prefill_flops / peak(weights_quantized(row.model_type));
        row.limit = 1.0 / ideal;
        row.limit_fraction = row.achieved / *row.limit;
      }
      rows.push_back(row);
    }
  }
  return core::Status();
}

}  // namespace

int run_bench(const std::vector<std::string>& args) {
  auto parsed = ParsedArgs::parse(args, bench_arg_spec());
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid bench: %s\n\n%s", parsed.status().message().c_str(), kBenchUsage);
    return 2;
  }
  if (parsed->has("--help")) {
    std::printf("%s", kBenchUsage);
    return 0;
  }
  auto plan = make_bench_plan(*parsed);
  if (!plan.ok()) {
    std::fprintf(stderr, "braid bench: %s\n\n%s", plan.status().message().c_str(), kBenchUsage);
    return 2;
  }
  // Every backend must open before anything is measured: an unknown name is a usage error.
  const plugins::Registry registry = plugins::Registry::discover();
  for (const auto& backend : plan->backends) {
    auto chain = open_device_chain(registry, {backend, plan->threads.front()});
    if (!chain.ok()) {
      std::fprintf(stderr, "braid bench: --backend %s: %s\n", backend.c_str(),
                   chain.status().message().c_str());
      return 2;
    }
  }

  std::vector<BenchRow> rows;
  if (plan->ttft) {
    for (const auto& model : plan->models) {
      for (const auto& mmproj : plan->mmprojs) {
        if (auto s = bench_ttft(*plan, registry, model, mmproj, rows); !s.is_ok()) return fail(s);
      }
    }
    write_bench_rows(stdout, plan->format, rows);
    return 0;
  }
  TempDir temp;
  for (const auto& model : plan->models) {
    const std::string name = std::filesystem::path(model).filename().string();
    if (plan->types.empty()) {
      if (auto s = bench_text_model(*plan, registry, model, name, rows); !s.is_ok()) return fail(s);
      continue;
    }
    for (const auto& type : plan->types) {
      if (temp.path.empty()) {
        auto dir = make_temp_dir();
        if (!dir.ok()) return fail(dir.status());
        temp.path = *dir;
      }
      const auto recipe = core::find_quant_recipe(type);
      const auto out = temp.path / (std::filesystem::path(model).stem().string() + "-" +
                                    std::string(recipe->name) + ".gguf");
      std::fprintf(stderr, "braid bench: quantizing %s to %s ...\n", name.c_str(),
                   std::string(recipe->name).c_str());
      auto report = core::quantize_gguf(model, out, *recipe);
      if (!report.ok()) return fail(report.status());
      const std::string label = name + " → " + std::string(recipe->name);
      if (auto s = bench_text_model(*plan, registry, out.string(), label, rows); !s.is_ok()) {
        return fail(s);
      }
      std::error_code ec;
      std::filesystem::remove(out, ec);
    }
  }
  for (const auto& mmproj : plan->mmprojs) {
    if (auto s = bench_mmproj(*plan, registry, mmproj, rows); !s.is_ok()) return fail(s);
  }
  write_bench_rows(stdout, plan->format, rows);
  return 0;
}

}  // namespace braid::app
