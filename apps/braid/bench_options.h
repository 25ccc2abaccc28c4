// `braid bench`'s command line, checked before anything runs: every list expanded, every number
// in range, every file present, so that nonsense fails at once with a clear message (exit 2).
#pragma once

#include <string>
#include <vector>

#include "args.h"
#include "bench_limits.h"
#include "bench_output.h"
#include "bench_text.h"
#include "braid/core/status.h"

namespace braid::app {

struct BenchPlan {
  std::vector<std::string> models;   ///< -m, in order
  std::vector<std::string> types;    ///< --type: quantized copies to make (empty: as stored)
  std::vector<TextTest> tests;       ///< text tests, in llama-bench's order (pp, tg, pg) × depth
  std::vector<std::string> mmprojs;  ///< --mmproj
  bool image_encode = false;
  bool audio_encode = false;
  double audio_seconds = 30;  ///< --audio-seconds: the audio window (Whisper: 100 frames/s)
  /// --ttft: time to first token of an image question, for each -m with each --mmproj
  /// (instead of the text and encoder tests)
  bool ttft = false;
  static constexpr int64_t kTtftTextTokens = 32;  ///< the question's tokens around the image
  std::vector<std::string> backends;              ///< --backend list (default: auto)
  std::vector<int> threads;                       ///< --threads list (0: the backend's default)
  int reps = 5;
  BenchFormat format = BenchFormat::Markdown;
  LimitsSource limits;
};

/// The ArgSpec of `braid bench`.
ArgSpec bench_arg_spec();
/// Help text.
extern const char* const kBenchUsage;

/// Builds the plan from parsed arguments; InvalidArgument (or NotFound for a missing file)
/// naming the option and the value.
core::Result<BenchPlan> make_bench_plan(const ParsedArgs& args);

}  // namespace braid::app
