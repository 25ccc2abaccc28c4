#include "bench_limits.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#ifdef BRAID_HAVE_LIMITS
#include "braid/bench/machine_limits.h"
#endif

namespace braid::app {
namespace {

nlohmann::json read_cache(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) return nlohmann::json::object();
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    std::fprintf(stderr, "braid bench: ignoring the unreadable limits cache %s\n", file.c_str());
    return nlohmann::json::object();
  }
  return parsed;
}

std::optional<MachineLimits> from_json(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  MachineLimits m;
  const auto number = [&](const char* key, double* out) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number() || it->get<double>() <= 0) return false;
    *out = it->get<double>();
    return true;
  };
  if (!number("dram_read_gbps", &m.dram_read_gbps) || !number("f32_gflops", &m.f32_gflops) ||
      !number("int8_gops", &m.int8_gops)) {
    return std::nullopt;
  }
  return m;
}

std::optional<MachineLimits> measure(int threads) {
#ifdef BRAID_HAVE_LIMITS
  // The short version of braid_machine_limits: a 1 GiB array, 3 passes each, compute loops a
  // quarter as long (~0.7 s). A 512 MiB array read 19-25 % under the full tool's 2 GiB on the
  // AMD EPYC VM of bench/results/2026-11-23-quiet-amd.md; 1 GiB agrees with it within 3 %.
  bench::LimitsOptions options{.dram_gib = 1.0, .reps = 3, .peak_scale = 0.25, .measure_l3 = false};
  bench::LimitsAt at;
  const auto start = std::chrono::steady_clock::now();
  if (!bench::measure_limits(threads, options, &at)) {
    std::fprintf(stderr, "braid bench: cannot measure this machine's limits (no AVX2/FMA?)\n");
    return std::nullopt;
  }
  std::fprintf(stderr,
               "braid bench: measured limits at %d threads in %.1f s: DRAM %.1f GB/s, f32 %.0f "
               "GFLOP/s, int8 %.0f GOP/s\n",
               threads,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
               at.dram_read_gbps, at.f32_gflops, at.int8_gops);
  return MachineLimits{at.dram_read_gbps, at.f32_gflops, at.int8_gops};
#else
  (void)threads;
  std::fprintf(stderr, "braid bench: this build has no limit measurement (no cpu kernels)\n");
  return std::nullopt;
#endif
}

}  // namespace

std::filesystem::path default_limits_cache() {
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::filesystem::path(xdg) / "braid" / "machine_limits.json";
  }
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".cache" / "braid" /
         "machine_limits.json";
}

std::string cpu_model_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto begin = line.find_first_not_of(' ', colon + 1);
    return begin == std::string::npos ? "" : line.substr(begin);
  }
  return "";
}

std::optional<MachineLimits> machine_limits(const LimitsSource& source, int threads) {
  if (!source.enabled) return std::nullopt;
  static std::map<int, std::optional<MachineLimits>> measured;  // once per thread count per run
  if (const auto it = measured.find(threads); it != measured.end()) return it->second;
  const std::string cpu = cpu_model_name().empty() ? "unknown cpu" : cpu_model_name();
  const std::string key = std::to_string(threads);
  nlohmann::json cache = source.use_cache ? read_cache(source.cache_file) : nlohmann::json();
  if (source.use_cache && !source.remeasure && cache.contains(cpu) && cache[cpu].is_object() &&
      cache[cpu].contains(key)) {
    if (auto cached = from_json(cache[cpu][key])) return measured[threads] = cached;
  }
  auto limits = measure(threads);
  measured[threads] = limits;
  if (limits && source.use_cache) {
    if (!cache[cpu].is_object()) cache[cpu] = nlohmann::json::object();
    cache[cpu][key] = {{"dram_read_gbps", limits->dram_read_gbps},
                       {"f32_gflops", limits->f32_gflops},
                       {"int8_gops", limits->int8_gops}};
    std::error_code ec;
    std::filesystem::create_directories(source.cache_file.parent_path(), ec);
    const auto tmp = source.cache_file.string() + ".tmp";
    std::ofstream out(tmp);
    out << cache.dump(2) << "\n";
    out.close();
    if (!out || (std::filesystem::rename(tmp, source.cache_file, ec), ec)) {
      std::fprintf(stderr, "braid bench: could not write the limits cache %s\n",
                   source.cache_file.c_str());
      std::filesystem::remove(tmp, ec);
    }
  }
  return limits;
}

}  // namespace braid::app
