#include "model_loading.h"

#include <sys/resource.h>

#include <cstdio>

#include "progress_line.h"

namespace braid::app {
namespace {

std::string mib_or_gib(uint64_t bytes) {
  char text[32];
  if (bytes >= (uint64_t(1) << 30)) {
    std::snprintf(text, sizeof(text), "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  } else {
    std::snprintf(text, sizeof(text), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  }
  return text;
}

}  // namespace

core::Result<std::shared_ptr<const model::Model>> load_model_with_progress(const std::string& path,
                                                                           const char* command) {
  BRAID_ASSIGN_OR_RETURN(std::shared_ptr<const model::Model> model, model::Model::load(path));
  if (model->weight_bytes() < kLoadProgressBytes) return model;
  ProgressLine line(command);
  const std::string what = "loading " + path;
  model->read_in(
      [&](uint64_t done, uint64_t total) { line.update(what, done >> 20, total >> 20, "MiB"); });
  return model;
}

void report_memory(const model::Decoder& decoder, const char* command) {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const uint64_t peak = static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB
  const model::KvLayout& kv = decoder.kv_layout();
  std::fprintf(stderr,
               "%s: memory: weights %s (mapped from the file), KV cache %s (%s, %lld positions), "
               "peak resident %s\n",
               command, mib_or_gib(decoder.weight_bytes()).c_str(),
               mib_or_gib(decoder.kv_bytes()).c_str(), model::kv_type_name(kv.type),
               static_cast<long long>(kv.n_ctx), mib_or_gib(peak).c_str());
}

}  // namespace braid::app
