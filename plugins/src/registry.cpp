#include "braid/plugins/registry.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <system_error>

namespace braid::plugins {
namespace {

namespace fs = std::filesystem;
using core::str_cat;

std::string join_dirs(const std::vector<fs::path>& dirs) {
  std::string out;
  for (const auto& dir : dirs) {
    if (!out.empty()) out += ':';
    out += dir.string();
  }
  return out.empty() ? "(no folders)" : out;
}

// The plugin files of one folder, sorted by name; nothing when it is not a readable folder.
std::vector<fs::path> plugin_files(const fs::path& dir) {
  std::vector<fs::path> files;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (!plugin_name_from_file(it->path()).empty()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

std::vector<fs::path> default_search_dirs() {
  std::vector<fs::path> dirs;
  if (const char* env = std::getenv("BRAID_PLUGIN_PATH")) {
    std::string_view rest = env;
    while (!rest.empty()) {
      const size_t colon = rest.find(':');
      const std::string_view entry = rest.substr(0, colon);
      if (!entry.empty()) dirs.emplace_back(entry);
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  }
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec && exe.has_parent_path()) {
    dirs.push_back((exe.parent_path() / ".." / "lib" / "braid").lexically_normal());
    dirs.push_back(exe.parent_path());
  }
  return dirs;
}

Registry Registry::discover() { return discover(default_search_dirs()); }

bool set_openmp_wait_default() {
  if (std::getenv("OMP_WAIT_POLICY") != nullptr || std::getenv("GOMP_SPINCOUNT") != nullptr) {
    return false;
  }
  return setenv("GOMP_SPINCOUNT", kOpenMpSpinCount, /*overwrite=*/0) == 0;
}

Registry Registry::discover(const std::vector<fs::path>& dirs) {
  // Before any dlopen(): libgomp reads its environment when it is loaded.
  set_openmp_wait_default();
  Registry registry;
  registry.dirs_ = dirs;
  std::set<fs::path> seen;  // canonical paths, so one file reached twice loads once
  for (const auto& dir : dirs) {
    for (const auto& path : plugin_files(dir)) {
      std::error_code ec;
      const fs::path canonical = fs::weakly_canonical(path, ec);
      if (!seen.insert(ec ? path : canonical).second) continue;
      const std::string name = plugin_name_from_file(path);
      if (const auto earlier = registry.find(name)) {
        registry.failures_.push_back(
            {path, name,
             str_cat("skipped: '", name, "' already loaded from ", earlier->path().string())});
        continue;
      }
      auto loaded = load_plugin(path);
      if (!loaded.ok()) {
        registry.failures_.push_back({path, name, loaded.status().message()});
      } else if (!(*loaded)->usable()) {
        const std::string reason = (*loaded)->probe().reason;
        registry.failures_.push_back(
            {path, name,
             "unusable: " + (reason.empty() ? std::string("no reason given") : reason)});
      } else {
        registry.plugins_.push_back(std::move(loaded).value());
      }
    }
  }
  return registry;
}

std::shared_ptr<const Plugin> Registry::find(std::string_view name) const {
  for (const auto& plugin : plugins_) {
    if (plugin->name() == name) return plugin;
  }
  return nullptr;
}

std::string Registry::why_missing(std::string_view name) const {
  std::string out;
  for (const auto& failure : failures_) {
    if (failure.name != name) continue;
    if (!out.empty()) out += "; ";
    out += str_cat(failure.path.string(), ": ", failure.reason);
  }
  if (!out.empty()) return out;
  return str_cat("no ", kPluginPrefix, name, kPluginSuffix, " in ", join_dirs(dirs_));
}

core::Result<SelectedDevice> Registry::select(std::string_view choice,
                                              const DeviceOptions& options) const {
  if (choice == "auto") {
    std::vector<std::shared_ptr<const Plugin>> ranked = plugins_;
    std::stable_sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
      return a->probe().score > b->probe().score;
    });
    std::string errors;
    for (const auto& plugin : ranked) {
      auto device = Device::open(plugin, 0, options);
      if (device.ok()) {
        SelectedDevice selected{std::move(device).value(), ""};
        selected.description = describe_device(*selected.device);
        return selected;
      }
      errors += "; " + device.status().message();  // fall back to the next best
    }
    std::string failed;
    for (const auto& f : failures_)
      failed += str_cat("; ", f.path.filename().string(), ": ", f.reason);
    return core::not_found("[plugins] no usable backend in ", join_dirs(dirs_), errors, failed);
  }

  std::string_view name = choice;
  uint32_t index = 0;
  if (const size_t colon = choice.find(':'); colon != std::string_view::npos) {
    name = choice.substr(0, colon);
    const std::string_view digits = choice.substr(colon + 1);
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) {
      return core::invalid_argument("[plugins] backend '", choice,
                                    "': expected NAME or NAME:INDEX (e.g. cuda:1)");
    }
  }
  const auto plugin = find(name);
  if (!plugin) {
    return core::not_found("[plugins] backend '", name, "' is not available: ", why_missing(name));
  }
  BRAID_ASSIGN_OR_RETURN(auto device, Device::open(plugin, index, options));
  SelectedDevice selected{std::move(device), ""};
  selected.description = describe_device(*selected.device);
  return selected;
}

std::string describe_device(const Device& device) {
  const DeviceInfo& info = device.info();
  std::string details = info.name.empty() ? "unnamed device" : info.name;
  if (info.kind == BRAID_DEVICE_CPU && info.threads > 0) {
    details += str_cat(", ", info.threads, info.threads == 1 ? " thread" : " threads");
  }
  if (info.memory_bytes > 0 && info.kind == BRAID_DEVICE_GPU) {
    char memory[32];
    std::snprintf(memory, sizeof memory, "%.1f GiB",
                  static_cast<double>(info.memory_bytes) / (1024.0 * 1024.0 * 1024.0));
    details += str_cat(", ", memory);
  }
  const std::string features =
      info.features.empty() ? std::string(device.plugin().probe().features) : info.features;
  if (!features.empty()) details += ", " + features;
  std::string index = device.index() == 0 ? "" : str_cat(":", device.index());
  return str_cat("backend: ", device.plugin().name(), index, " (", details, ")");
}

}  // namespace braid::plugins
