// Loading a text model as the commands that generate do it: a progress line while a large
// model's weights are read in, and one line on the memory the model and its cache take.
#pragma once

#include <memory>
#include <string>

#include "braid/core/status.h"
#include "braid/model/decoder.h"
#include "braid/model/model_weights.h"

namespace braid::app {

/// Weights from this size on are read in with progress shown (smaller models load in moments).
inline constexpr uint64_t kLoadProgressBytes = uint64_t(1) << 30;

/// Model::load; for weights of kLoadProgressBytes or more, then reads them in, showing
/// "loading PATH: 45% (560 / 1240 MiB)" on stderr (updated in place on a terminal, every 25%
/// otherwise). `command` prefixes the line ("braid run").
core::Result<std::shared_ptr<const model::Model>> load_model_with_progress(const std::string& path,
                                                                           const char* command);

/// "memory: weights 1.22 GiB (mapped from the file), KV cache 128 MiB (f16, 4096 positions),
/// peak resident 1.41 GiB" on stderr.
void report_memory(const model::Decoder& decoder, const char* command);

}  // namespace braid::app
