// The machine limits `braid bench` quotes its figures against: measured at start-up with the
// shared braid_limits loops (a short version, well under 2 s per thread count) or read from a
// cache file keyed by CPU model and thread count.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

namespace braid::app {

struct MachineLimits {
  double dram_read_gbps = 0;
  double f32_gflops = 0;
  double int8_gops = 0;
};

struct LimitsSource {
  bool enabled = true;     ///< false: no limits at all (--no-limits)
  bool use_cache = true;   ///< false: measure every time and leave the cache alone (--no-cache)
  bool remeasure = false;  ///< measure and overwrite the cached figures (--remeasure)
  std::filesystem::path cache_file;  ///< default_limits_cache() unless --limits-cache
};

/// $XDG_CACHE_HOME/braid/machine_limits.json, else ~/.cache/braid/machine_limits.json.
std::filesystem::path default_limits_cache();

/// The CPU's model name ("Intel(R) Xeon(R) Platinum 8480+"), from /proc/cpuinfo; "" if unknown.
std::string cpu_model_name();

/// The limits at `threads` threads, from the cache or measured (and then cached). nullopt when
/// disabled or when this build or CPU cannot measure them (the reason goes to stderr once).
std::optional<MachineLimits> machine_limits(const LimitsSource& source, int threads);

}  // namespace braid::app
