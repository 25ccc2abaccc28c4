#include "model_loading.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>

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
  const bool terminal = isatty(STDERR_FILENO) != 0;
  int last_quarter = -1;
  model->read_in([&](uint64_t done, uint64_t total) {
    const int percent = static_cast<int>(100.0 * static_cast<double>(done) / total);
    if (!terminal) {
      if (percent / 25 == last_quarter) return;
      last_quarter = percent / 25;
    }
    std::fprintf(stderr, "%s: loading %s: %3d%% (%llu / %llu MiB)%s", command, path.c_str(),
                 percent, static_cast<unsigned long long>(done >> 20),
                 static_cast<unsigned long long>(total >> 20),
                 terminal && done < total ? "\r" : "\n");
    std::fflush(stderr);
  });
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
