#include "braid/plugins/plugin.h"

#include <dlfcn.h>

#include <cstring>

namespace braid::plugins {
namespace {

using core::str_cat;

// Members every ABI-1 plugin must set; the capture hooks (and wrap_host) may be NULL.
struct Required {
  const char* name;
  bool (*present)(const Plugin&);
};
#define BRAID_REQUIRED(member)                                                \
  Required {                                                                  \
#member, [](const Plugin& p) { return p.has(&braid_backend_v1::member); } \
  }
const Required kRequired[] = {
    BRAID_REQUIRED(probe),           BRAID_REQUIRED(device_open),     BRAID_REQUIRED(device_close),
    BRAID_REQUIRED(device_info),     BRAID_REQUIRED(last_error),      BRAID_REQUIRED(buffer_alloc),
    BRAID_REQUIRED(buffer_free),     BRAID_REQUIRED(buffer_host_ptr), BRAID_REQUIRED(buffer_upload),
    BRAID_REQUIRED(buffer_download), BRAID_REQUIRED(buffer_copy),     BRAID_REQUIRED(stream_create),
    BRAID_REQUIRED(stream_destroy),  BRAID_REQUIRED(synchronize),     BRAID_REQUIRED(supports_op),
    BRAID_REQUIRED(graph_compile),   BRAID_REQUIRED(graph_run),       BRAID_REQUIRED(graph_free),
};
#undef BRAID_REQUIRED

template <size_t N>
std::string fixed_text(char (&text)[N]) {
  text[N - 1] = '\0';  // a plugin that forgot the terminator must not make us read past it
  return text;
}

}  // namespace

std::string plugin_name_from_file(const std::filesystem::path& path) {
  const std::string file = path.filename().string();
  const size_t prefix = std::strlen(kPluginPrefix), suffix = std::strlen(kPluginSuffix);
  if (file.size() <= prefix + suffix || file.rfind(kPluginPrefix, 0) != 0 ||
      file.compare(file.size() - suffix, suffix, kPluginSuffix) != 0) {
    return "";
  }
  return file.substr(prefix, file.size() - prefix - suffix);
}

core::Result<std::shared_ptr<const Plugin>> load_plugin(const std::filesystem::path& path) {
  const std::string file_name = plugin_name_from_file(path);
  // The library stays loaded even when a check below fails: its initializers have run, and
  // unloading is never worth the risk (see Plugin).
  void* library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr) {
    const char* error = dlerror();
    return core::invalid_argument("not a loadable library: ", error ? error : "dlopen failed");
  }
  dlerror();
  auto entry = reinterpret_cast<braid_backend_entry_fn>(dlsym(library, BRAID_BACKEND_ENTRY_SYMBOL));
  if (entry == nullptr) {
    return core::not_found("missing symbol ", BRAID_BACKEND_ENTRY_SYMBOL);
  }
  const braid_backend_v1* table = entry(BRAID_BACKEND_ABI_VERSION);
  if (table == nullptr) {
    return core::not_supported("the plugin does not serve ABI version ", BRAID_BACKEND_ABI_VERSION);
  }
  if (table->abi_version != BRAID_BACKEND_ABI_VERSION) {
    return core::not_supported("ABI version ", table->abi_version, ", host supports ",
                               BRAID_BACKEND_ABI_VERSION);
  }
  std::shared_ptr<Plugin> plugin(new Plugin());
  plugin->path_ = path;
  plugin->table_ = table;
  for (const Required& required : kRequired) {
    if (!required.present(*plugin)) {
      return core::invalid_argument("the ABI table (struct_size ", table->struct_size, ") lacks ",
                                    required.name);
    }
  }
  if (table->name == nullptr || file_name != table->name) {
    return core::invalid_argument("the file is named for '", file_name,
                                  "' but the plugin calls itself '",
                                  table->name ? table->name : "(null)", "'");
  }
  plugin->name_ = table->name;
  plugin->version_ = table->version ? table->version : "";

  braid_probe_result probe{};
  const braid_status status = table->probe(&probe);
  if (status != BRAID_STATUS_OK) {
    std::string reason = fixed_text(probe.reason);
    if (reason.empty()) {
      const char* text = table->last_error(nullptr);
      reason = text ? text : "";
    }
    if (reason.empty()) reason = str_cat("status ", static_cast<int>(status));
    return core::Status(core::StatusCode::BackendError, "probe failed: " + reason);
  }
  fixed_text(probe.reason);
  fixed_text(probe.features);
  if (!probe.usable) probe.score = 0;
  plugin->probe_ = probe;
  return std::shared_ptr<const Plugin>(std::move(plugin));
}

}  // namespace braid::plugins
