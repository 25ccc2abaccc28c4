// Finding backend plugins and choosing a device: the loader's search path, what loaded and what
// did not (with the reason), and `--backend auto|cpu|cuda|reference`.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "braid/core/status.h"
#include "braid/plugins/device.h"
#include "braid/plugins/plugin.h"

namespace braid::plugins {

/// Where plugins are searched, in order: each entry of $BRAID_PLUGIN_PATH (colon-separated,
/// empty entries skipped), the install's lib/braid/ (../lib/braid relative to the executable),
/// then the executable's own folder (from /proc/self/exe).
std::vector<std::filesystem::path> default_search_dirs();

/// A plugin file that was found but cannot be used, and why.
struct PluginFailure {
  std::filesystem::path path;
  std::string name;    ///< from the file name: "cuda" for braid-backend-cuda.so
  std::string reason;  ///< "missing symbol braid_backend_entry", "unusable: no NVIDIA driver"…
};

/// A device chosen by Registry::select, with the line that tells the user which it is.
struct SelectedDevice {
  std::unique_ptr<Device> device;
  std::string description;  ///< "backend: cpu (Intel Xeon, 2 threads, avx512_vnni)"
};

/// Plugins may run on GNU OpenMP (the cpu backend and oneDNN), which reads its environment once,
/// when the first plugin that links it is loaded. Its default is to spin ~300 000 times (about
/// 10 ms) at every barrier before sleeping: on a machine whose cores other processes also use,
/// a thread spinning for a partner that is not scheduled burns its slice, and every op of a
/// decode step pays that (bench/results/2026-11-23-cpu-decode.md). Unless the user set
/// OMP_WAIT_POLICY or GOMP_SPINCOUNT, sets GOMP_SPINCOUNT to kOpenMpSpinCount (tens of
/// microseconds: enough to bridge the gap between two ops on an idle machine). Returns whether it
/// set it. Call before any thread reads the environment (setenv is not thread-safe).
bool set_openmp_wait_default();
inline constexpr const char* kOpenMpSpinCount = "1000";

/// Every plugin found on a search path: the usable ones, and for each other file the reason.
/// Built once (discovery dlopen()s and probes); then immutable and thread-safe to read.
class Registry {
 public:
  /// Loads every braid-backend-*.so in `dirs` (missing folders are skipped; files are taken in
  /// name order within a folder; the same file reached twice counts once). When two files give
  /// the same backend name, the first wins and the second is a failure. Never fails: a plugin
  /// that cannot be used is recorded in failures(). Calls set_openmp_wait_default() first.
  static Registry discover(const std::vector<std::filesystem::path>& dirs);
  /// discover(default_search_dirs()).
  static Registry discover();

  const std::vector<std::filesystem::path>& search_dirs() const { return dirs_; }
  /// Usable plugins, in search order.
  const std::vector<std::shared_ptr<const Plugin>>& plugins() const { return plugins_; }
  /// Files that were found but cannot be used (including loaded but unusable plugins).
  const std::vector<PluginFailure>& failures() const { return failures_; }

  /// The usable plugin called `name`, or null.
  std::shared_ptr<const Plugin> find(std::string_view name) const;
  /// Why `name` is not usable, in one line: the reasons recorded for files of that name, or
  /// that no such file is on the search path.
  std::string why_missing(std::string_view name) const;

  /// Opens the device `choice` names: "auto" (the highest-scoring usable plugin that opens;
  /// ties go to the first found), "<name>" (its device 0) or "<name>:<index>". Fails with one
  /// line naming the reason: "[plugins] backend 'cuda' is not available: …".
  core::Result<SelectedDevice> select(std::string_view choice,
                                      const DeviceOptions& options = {}) const;

 private:
  std::vector<std::filesystem::path> dirs_;
  std::vector<std::shared_ptr<const Plugin>> plugins_;
  std::vector<PluginFailure> failures_;
};

/// "backend: cpu (Intel Xeon, 2 threads, avx512_vnni)" or
/// "backend: cuda (NVIDIA H200, 139.8 GiB, sm_90)".
std::string describe_device(const Device& device);

}  // namespace braid::plugins
