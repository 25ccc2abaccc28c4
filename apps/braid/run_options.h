// The model and context options shared by the commands that run a decoder (`run`, later `chat`
// and `perplexity`): -m, -n, -c, -b, --kv-type, --ignore-eos.
#pragma once

#include <cstdint>
#include <string>

#include "args.h"
#include "braid/core/status.h"
#include "braid/model/decoder.h"

namespace braid::app {

struct RunOptions {
  std::string model;
  int64_t n_predict = -1;  ///< < 0: until end of generation or a full context
  model::DecoderOptions decoder;
  bool ignore_eos = false;
};

/// InvalidArgument naming the flag: -m missing, or a malformed number or KV type.
core::Result<RunOptions> parse_run_options(const ParsedArgs& args);

}  // namespace braid::app
