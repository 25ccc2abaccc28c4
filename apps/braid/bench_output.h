// The rows `braid bench` measures and the four ways it prints them (Markdown, CSV, JSON, JSONL).
#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace braid::app {

/// One measured configuration. Text rows count tokens; encoder rows count images (tiles) or
/// audio windows, so `avg_ts` is items per second and `avg_ms` milliseconds per item.
struct BenchRow {
  std::string build_commit;
  std::string cpu;       ///< CPU model (/proc/cpuinfo, else the cpu device's name)
  std::string gpu;       ///< the GPU the backend ran on, or "none"
  std::string backend;   ///< plugin name: cpu, cuda, reference
  std::string device;    ///< the device's own name
  std::string features;  ///< the device's feature string
  int threads = 0;
  std::string model_file;     ///< the file's name (no folder)
  std::string model_name;     ///< general.name, or the architecture
  std::string model_type;     ///< weight type of most matrices: F16, Q8_0, Q4_K …
  uint64_t model_size = 0;    ///< bytes of weights
  uint64_t model_params = 0;  ///< parameters (weight elements)
  std::string test;           ///< pp512, tg128, pp512+tg128, image 336x336, audio 30s (+ " @ dN")
  int64_t n_prompt = 0, n_gen = 0, n_depth = 0;
  int reps = 0;
  double avg_ts = 0, stddev_ts = 0;  ///< items per second
  double avg_ms = 0, stddev_ms = 0;  ///< milliseconds per item (token, tile, window)
  /// What the row is held against: "dram_read" (GB/s), "f32_peak" (GFLOP/s), "int8_peak" (GOP/s).
  std::string limit_kind;
  double achieved = 0;                   ///< in the limit's unit
  std::optional<double> limit;           ///< the machine's figure; absent when unknown
  std::optional<double> limit_fraction;  ///< achieved / limit
};

enum class BenchFormat { Markdown, Csv, Json, Jsonl };

/// "md", "csv", "json", "jsonl" → the format; nullopt otherwise.
std::optional<BenchFormat> parse_bench_format(const std::string& name);

/// Writes `rows` to `out`. JSON is one array of objects; JSONL one object per line; CSV has a
/// header line; Markdown is a table with the most useful columns (the others are the same for
/// every row of one run and are printed above it).
void write_bench_rows(std::FILE* out, BenchFormat format, const std::vector<BenchRow>& rows);

/// JSON object of one row (the field names the JSON/JSONL/CSV outputs use), one line.
std::string bench_row_json(const BenchRow& row);

}  // namespace braid::app
