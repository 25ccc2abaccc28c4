#include "run_options.h"

#include <charconv>

namespace braid::app {
namespace {

core::Status parse_int(const ParsedArgs& args, const std::string& flag, int64_t& out, int64_t lo) {
  const auto text = args.value(flag);
  if (!text) return core::Status::ok();
  int64_t value = 0;
  const char* end = text->data() + text->size();
  const auto [ptr, ec] = std::from_chars(text->data(), end, value);
  if (ec != std::errc() || ptr != end || text->empty() || value < lo || value > INT32_MAX) {
    return core::invalid_argument(flag, " '", *text, "': expected an integer >= ", lo);
  }
  out = value;
  return core::Status::ok();
}

}  // namespace

core::Result<RunOptions> parse_run_options(const ParsedArgs& args) {
  RunOptions o;
  const auto model = args.value("--model");
  if (!model) return core::invalid_argument("-m MODEL is required");
  o.model = *model;
  BRAID_TRY(parse_int(args, "--n-predict", o.n_predict, -1));
  BRAID_TRY(parse_int(args, "--ctx-size", o.decoder.n_ctx, 0));
  BRAID_TRY(parse_int(args, "--batch-size", o.decoder.n_batch, 1));
  if (const auto kv = args.value("--kv-type")) {
    const auto type = model::parse_kv_type(*kv);
    if (!type) return core::invalid_argument("--kv-type '", *kv, "': expected f16, f32 or q8_0");
    o.decoder.kv_type = *type;
  }
  o.ignore_eos = args.has("--ignore-eos");
  return o;
}

}  // namespace braid::app
