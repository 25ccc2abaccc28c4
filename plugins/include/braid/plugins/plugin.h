// One backend plugin library, loaded and checked: the host's view of a braid_backend_v1 table.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string>

#include "braid/backend.h"
#include "braid/core/status.h"

namespace braid::plugins {

/// File names the loader considers: braid-backend-<name>.so.
inline constexpr const char* kPluginPrefix = "braid-backend-";
inline constexpr const char* kPluginSuffix = ".so";

/// The backend name in a plugin file name ("cuda" for braid-backend-cuda.so), or "" when the
/// name does not follow the pattern.
std::string plugin_name_from_file(const std::filesystem::path& path);

/// A plugin that loaded, passed the version and table checks, and answered probe.
///
/// The library stays loaded for the rest of the process: braid never dlclose()s a plugin, as
/// unloading code that started threads (OpenMP, CUDA) is a known source of crashes at exit, and
/// so a handle can never outlive its code. Immutable after loading; thread-safe to share.
class Plugin {
 public:
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const std::string& name() const { return name_; }        ///< "cpu", "cuda", "reference"
  const std::string& version() const { return version_; }  ///< the plugin's own version
  uint32_t abi_version() const { return table_->abi_version; }
  uint32_t struct_size() const { return table_->struct_size; }
  /// What probe said when the plugin was loaded (strings NUL-terminated).
  const braid_probe_result& probe() const { return probe_; }
  bool usable() const { return probe_.usable != 0; }
  const braid_backend_v1& table() const { return *table_; }

  /// True when the plugin's table reaches `member` (by its struct_size) and sets it.
  template <typename F>
  bool has(F braid_backend_v1::*member) const {
    const auto* base = reinterpret_cast<const char*>(table_);
    const auto offset =
        static_cast<size_t>(reinterpret_cast<const char*>(&(table_->*member)) - base);
    return offset + sizeof(F) <= table_->struct_size && table_->*member != nullptr;
  }

 private:
  friend core::Result<std::shared_ptr<const Plugin>> load_plugin(const std::filesystem::path&);
  Plugin() = default;

  std::filesystem::path path_;
  std::string name_;
  std::string version_;
  const braid_backend_v1* table_ = nullptr;
  braid_probe_result probe_{};
};

/// Loads one plugin file: dlopen (RTLD_NOW | RTLD_LOCAL), the entry symbol, the table's
/// abi_version, struct_size and required members, its name against the file name, then probe.
/// An unusable probe result is not an error (see Plugin::usable). On failure the status message
/// is the reason alone, as `braid backends` prints it: "not a loadable library: …",
/// "missing symbol braid_backend_entry", "ABI version 99, host supports 1", "probe failed: …".
core::Result<std::shared_ptr<const Plugin>> load_plugin(const std::filesystem::path& path);

}  // namespace braid::plugins
