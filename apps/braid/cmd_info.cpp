// `braid info FILE|FOLDER [--json] [--tensors]`: what a user needs to know before running a file.
#include <cstdio>
#include <filesystem>

#include "args.h"
#include "braid/core/gguf.h"
#include "commands.h"
#include "model_summary.h"

namespace braid::app {
namespace {

constexpr const char* kUsage =
    "usage: braid info FILE|FOLDER [--json] [--tensors]\n"
    "\n"
    "Describes a GGUF model file (a text model or an mmproj) or a Hugging Face folder:\n"
    "format, architecture, hyperparameters, tokenizer, chat template, tensors per type and\n"
    "the parameter count.\n"
    "\n"
    "  --json     print the facts as one JSON object\n"
    "  --tensors  list every tensor (name, type, shape outermost first, bytes)\n";

}  // namespace

int run_info(const std::vector<std::string>& args) {
  ArgSpec spec{
      .flags = {"--json", "--tensors", "--help"}, .options = {}, .aliases = {{"-h", "--help"}}};
  auto parsed = ParsedArgs::parse(args, spec);
  if (!parsed.ok()) {
    std::fprintf(stderr, "braid info: %s\n\n%s", parsed.status().message().c_str(), kUsage);
    return 2;
  }
  if (parsed->has("--help")) {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (parsed->positionals().size() != 1) {
    std::fprintf(stderr, "braid info: expected one FILE or FOLDER\n\n%s", kUsage);
    return 2;
  }
  const std::filesystem::path path = parsed->positionals()[0];
  SummaryOptions options{.list_tensors = parsed->has("--tensors")};

  auto summary = summarize_path(path, options);
  if (!summary.ok()) {
    std::fprintf(stderr, "braid info: %s\n", summary.status().to_string().c_str());
    return 1;
  }
  if (parsed->has("--json")) {
    // Metadata strings should be UTF-8; invalid bytes are replaced rather than refused.
    std::puts(summary->dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    std::fputs(render_summary_text(*summary).c_str(), stdout);
  }
  return 0;
}

}  // namespace braid::app
