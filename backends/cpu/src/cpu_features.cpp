#include "braid/cpu/cpu_features.h"

#include <cpuid.h>
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <set>
#include <string>
#include <utility>

namespace braid::cpu {
namespace {

struct CpuidRegs {
  uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf) {
  CpuidRegs r;
  if (!__get_cpuid_count(leaf, subleaf, &r.eax, &r.ebx, &r.ecx, &r.edx)) return {};
  return r;
}

bool bit(uint32_t value, int index) { return ((value >> index) & 1u) != 0; }

// XCR0: which register states the operating system saves on a context switch. Without its
// consent the instructions fault even when cpuid lists them.
uint64_t read_xcr0() {
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (uint64_t{hi} << 32) | lo;
}

// Reads one small integer from a sysfs file; -1 when absent.
int read_sysfs_int(const std::string& path) {
  std::ifstream in(path);
  int value = -1;
  if (!(in >> value)) return -1;
  return value;
}

std::pair<int, int> count_cpus() {
  cpu_set_t mask;
  CPU_ZERO(&mask);
  if (sched_getaffinity(0, sizeof(mask), &mask) != 0) return {1, 1};
  int logical = 0;
  std::set<std::pair<int, int>> cores;  // (package, core) pairs
  bool topology_known = true;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (!CPU_ISSET(cpu, &mask)) continue;
    ++logical;
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    const int package = read_sysfs_int(base + "physical_package_id");
    const int core = read_sysfs_int(base + "core_id");
    if (package < 0 || core < 0) topology_known = false;
    cores.insert({package, core});
  }
  if (logical == 0) return {1, 1};
  const int physical = topology_known ? static_cast<int>(cores.size()) : logical;
  return {logical, physical};
}

CpuFeatures detect() {
  CpuFeatures f;
  const CpuidRegs leaf0 = cpuid(0, 0);
  const uint32_t max_leaf = leaf0.eax;
  const CpuidRegs leaf1 = cpuid(1, 0);
  const bool osxsave = bit(leaf1.ecx, 27);
  const uint64_t xcr0 = osxsave ? read_xcr0() : 0;
  const bool os_avx = (xcr0 & 0x6) == 0x6;                 // SSE and AVX state
  const bool os_avx512 = os_avx && (xcr0 & 0xe0) == 0xe0;  // opmask, ZMM_Hi256, Hi16_ZMM
  const bool os_amx = (xcr0 & 0x60000) == 0x60000;
  f.fma = os_avx && bit(leaf1.ecx, 12);
  f.f16c = os_avx && bit(leaf1.ecx, 29);
  if (max_leaf >= 7) {
    const CpuidRegs l7 = cpuid(7, 0);
    f.avx2 = os_avx && bit(l7.ebx, 5);
    f.avx512f = os_avx512 && bit(l7.ebx, 16);
    f.avx512dq = os_avx512 && bit(l7.ebx, 17);
    f.avx512bw = os_avx512 && bit(l7.ebx, 30);
    f.avx512vl = os_avx512 && bit(l7.ebx, 31);
    f.avx512_vnni = os_avx512 && bit(l7.ecx, 11);
    f.avx512_fp16 = os_avx512 && bit(l7.edx, 23);
    f.amx_int8 = os_amx && bit(l7.edx, 25);
    const CpuidRegs l7_1 = cpuid(7, 1);
    f.avx_vnni = os_avx && bit(l7_1.eax, 4);
    f.avx512_bf16 = os_avx512 && bit(l7_1.eax, 5);
  }
  const auto [logical, physical] = count_cpus();
  f.logical_cpus = logical;
  f.physical_cores = physical;
  return f;
}

Isa isa_from_env(Isa best) {
  const char* env = std::getenv("BRAID_CPU_ISA");
  if (env == nullptr) return best;
  const std::string value(env);
  Isa wanted = best;
  if (value == "avx2") wanted = Isa::Avx2;
  if (value == "avx512") wanted = Isa::Avx512;
  return wanted < best ? wanted : best;  // a cap, never an upgrade past what the CPU has
}

std::atomic<int>& active_isa_storage() {
  static std::atomic<int> storage{static_cast<int>(isa_from_env(best_supported_isa()))};
  return storage;
}

}  // namespace

std::string_view isa_name(Isa isa) {
  switch (isa) {
    case Isa::None:
      return "none";
    case Isa::Avx2:
      return "avx2";
    case Isa::Avx512:
      return "avx512";
  }
  return "unknown";
}

const CpuFeatures& cpu_features() {
  static const CpuFeatures features = detect();
  return features;
}

std::string cpu_feature_string() {
  const CpuFeatures& f = cpu_features();
  const std::pair<bool, const char*> names[] = {
      {f.avx2, "avx2"},
      {f.fma, "fma"},
      {f.f16c, "f16c"},
      {f.avx512f, "avx512f"},
      {f.avx512bw, "avx512bw"},
      {f.avx512vl, "avx512vl"},
      {f.avx512dq, "avx512dq"},
      {f.avx512_vnni, "avx512_vnni"},
      {f.avx512_bf16, "avx512_bf16"},
      {f.avx512_fp16, "avx512_fp16"},
      {f.avx_vnni, "avx_vnni"},
      {f.amx_int8, "amx_int8"},
  };
  std::string out;
  for (const auto& [present, name] : names) {
    if (!present) continue;
    if (!out.empty()) out += ' ';
    out += name;
  }
  return out;
}

Isa best_supported_isa() {
  const CpuFeatures& f = cpu_features();
  if (!(f.avx2 && f.fma && f.f16c)) return Isa::None;
  if (f.avx512f && f.avx512bw && f.avx512vl && f.avx512dq && f.avx512_vnni) return Isa::Avx512;
  return Isa::Avx2;
}

Isa active_isa() { return static_cast<Isa>(active_isa_storage().load(std::memory_order_relaxed)); }

core::Status set_active_isa(Isa isa) {
  if (isa == Isa::None) return core::invalid_argument("[cpu::set_active_isa] Isa::None cannot run");
  if (isa > best_supported_isa()) {
    return core::not_supported("[cpu::set_active_isa] this CPU cannot run the ", isa_name(isa),
                               " path (it has: ", cpu_feature_string(), ")");
  }
  active_isa_storage().store(static_cast<int>(isa), std::memory_order_relaxed);
  return core::Status::ok();
}

int default_threads() { return cpu_features().physical_cores; }

}  // namespace braid::cpu
