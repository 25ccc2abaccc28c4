#include "bench_output.h"

#include <nlohmann/json.hpp>

namespace braid::app {
namespace {

// Field order for CSV and JSON. Numbers keep full precision; the Markdown table rounds.
nlohmann::ordered_json to_json(const BenchRow& r) {
  nlohmann::ordered_json j;
  j["build_commit"] = r.build_commit;
  j["cpu"] = r.cpu;
  j["gpu"] = r.gpu;
  j["backend"] = r.backend;
  j["device"] = r.device;
  j["features"] = r.features;
  j["threads"] = r.threads;
  j["model_file"] = r.model_file;
  j["model_name"] = r.model_name;
  j["model_type"] = r.model_type;
  j["model_size"] = r.model_size;
  j["model_params"] = r.model_params;
  j["test"] = r.test;
  j["n_prompt"] = r.n_prompt;
  j["n_gen"] = r.n_gen;
  j["n_depth"] = r.n_depth;
  j["reps"] = r.reps;
  j["avg_ts"] = r.avg_ts;
  j["stddev_ts"] = r.stddev_ts;
  j["avg_ms"] = r.avg_ms;
  j["stddev_ms"] = r.stddev_ms;
  j["limit_kind"] = r.limit_kind;
  j["achieved"] = r.achieved;
  j["limit"] = r.limit ? nlohmann::ordered_json(*r.limit) : nlohmann::ordered_json(nullptr);
  j["limit_fraction"] = r.limit_fraction ? nlohmann::ordered_json(*r.limit_fraction)
                                         : nlohmann::ordered_json(nullptr);
  return j;
}

std::string csv_field(const nlohmann::ordered_json& v) {
  if (v.is_null()) return "";
  if (!v.is_string()) return v.dump();
  const std::string s = v.get<std::string>();
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string quoted = "\"";
  for (char c : s) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

std::string human_size(uint64_t bytes) {
  char buf[32];
  const double mib = static_cast<double>(bytes) / (1 << 20);
  if (mib >= 1024) {
    std::snprintf(buf, sizeof buf, "%.2f GiB", mib / 1024);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f MiB", mib);
  }
  return buf;
}

std::string human_params(uint64_t n) {
  char buf[32];
  if (n >= 1000000000ull) {
    std::snprintf(buf, sizeof buf, "%.2f B", static_cast<double>(n) / 1e9);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f M", static_cast<double>(n) / 1e6);
  }
  return buf;
}

void write_markdown(std::FILE* out, const std::vector<BenchRow>& rows) {
  if (!rows.empty()) {
    std::fprintf(out, "build: %s · cpu: %s · gpu: %s\n\n", rows[0].build_commit.c_str(),
                 rows[0].cpu.c_str(), rows[0].gpu.c_str());
  }
  std::fprintf(out,
               "| model | type | size | params | backend | threads | test | t/s | ms/item | "
               "of limit |\n"
               "| --- | --- | ---: | ---: | --- | ---: | --- | ---: | ---: | ---: |\n");
  for (const auto& r : rows) {
    char fraction[96] = "n/a";
    if (r.limit_fraction) {
      if (r.limit_kind == "roofline_ts") {
        // Items per second against what the limits allow for the whole test.
        std::snprintf(fraction, sizeof fraction, "%.1f %% (%.3g of %.3g t/s at the limits)",
                      *r.limit_fraction * 100, r.achieved, *r.limit);
      } else {
        const char* unit = r.limit_kind == "dram_read" ? "GB/s" : "GFLOP/s";
        if (r.limit_kind == "int8_peak") unit = "GOP/s";
        std::snprintf(fraction, sizeof fraction, "%.1f %% (%.1f of %.0f %s)",
                      *r.limit_fraction * 100, r.achieved, *r.limit, unit);
      }
    }
    std::fprintf(out, "| %s | %s | %s | %s | %s | %d | %s | %.2f ± %.2f | %.2f ± %.2f | %s |\n",
                 r.model_name.c_str(), r.model_type.c_str(), human_size(r.model_size).c_str(),
                 human_params(r.model_params).c_str(), r.backend.c_str(), r.threads, r.test.c_str(),
                 r.avg_ts, r.stddev_ts, r.avg_ms, r.stddev_ms, fraction);
  }
}

}  // namespace

std::optional<BenchFormat> parse_bench_format(const std::string& name) {
  if (name == "md") return BenchFormat::Markdown;
  if (name == "csv") return BenchFormat::Csv;
  if (name == "json") return BenchFormat::Json;
  if (name == "jsonl") return BenchFormat::Jsonl;
  return std::nullopt;
}

std::string bench_row_json(const BenchRow& row) { return to_json(row).dump(); }

void write_bench_rows(std::FILE* out, BenchFormat format, const std::vector<BenchRow>& rows) {
  switch (format) {
    case BenchFormat::Markdown:
      write_markdown(out, rows);
      break;
    case BenchFormat::Json: {
      nlohmann::ordered_json all = nlohmann::ordered_json::array();
      for (const auto& r : rows) all.push_back(to_json(r));
      std::fprintf(out, "%s\n", all.dump(2).c_str());
      break;
    }
    case BenchFormat::Jsonl:
      for (const auto& r : rows) std::fprintf(out, "%s\n", to_json(r).dump().c_str());
      break;
    case BenchFormat::Csv: {
      const auto header = to_json(BenchRow{});
      std::string line;
      for (auto it = header.begin(); it != header.end(); ++it) {
        if (!line.empty()) line += ',';
        line += it.key();
      }
      std::fprintf(out, "%s\n", line.c_str());
      for (const auto& r : rows) {
        line.clear();
        bool first = true;
        const auto fields = to_json(r);  // items() must not outlive the object it walks
        for (const auto& [key, value] : fields.items()) {
          if (!first) line += ',';
          line += csv_field(value);
          first = false;
        }
        std::fprintf(out, "%s\n", line.c_str());
      }
      break;
    }
  }
}

}  // namespace braid::app
