// What the CPU can do, which of the kernels' instruction-set paths runs, and how many threads the
// kernels use by default.
//
// The kernels are built twice: once for AVX-512 (F, BW, VL, DQ and VNNI) and once for AVX2 (with
// FMA and F16C). At run time every public kernel function calls the path of `active_isa()`,
// which starts as the best the CPU supports, capped by the environment variable BRAID_CPU_ISA
// ("avx2" or "avx512"), and which tests can change with set_active_isa() to cover both paths.
#pragma once

#include <string>
#include <string_view>

#include "braid/core/status.h"

namespace braid::cpu {

/// A kernel code path. Ordered: a larger value needs more of the CPU.
enum class Isa {
  None = 0,    ///< neither path can run (no AVX2 + FMA + F16C): the backend is unusable
  Avx2 = 1,    ///< AVX2, FMA, F16C
  Avx512 = 2,  ///< AVX-512 F/BW/VL/DQ with VNNI (Cascade Lake, Ice Lake, Zen 4 and newer)
};

/// Lower-case name: "none", "avx2", "avx512".
std::string_view isa_name(Isa isa);

/// Instruction-set extensions found with cpuid, with the operating system's consent (XGETBV)
/// for the register state they use.
struct CpuFeatures {
  bool avx2 = false;
  bool fma = false;
  bool f16c = false;
  bool avx512f = false;
  bool avx512bw = false;
  bool avx512vl = false;
  bool avx512dq = false;
  bool avx512_vnni = false;
  bool avx512_bf16 = false;
  bool avx512_fp16 = false;
  bool avx_vnni = false;
  bool amx_int8 = false;   ///< reported only; the kernels do not use AMX
  int logical_cpus = 1;    ///< CPUs this process may run on (its affinity mask)
  int physical_cores = 1;  ///< distinct cores among those CPUs (hyper-threads counted once)
};

/// Detected once (thread-safe) and cached.
const CpuFeatures& cpu_features();

/// "avx2 fma f16c avx512f … avx512_vnni": the extensions present, for logs and probe results.
std::string cpu_feature_string();

/// The best path this CPU supports, ignoring BRAID_CPU_ISA.
Isa best_supported_isa();

/// The path every kernel call takes now.
Isa active_isa();

/// Switches every kernel to `isa` (process-wide; not meant to race with running kernels).
/// @return InvalidArgument for Isa::None, NotSupported when this CPU cannot run `isa`.
core::Status set_active_isa(Isa isa);

/// Threads the kernels use when the caller passes n_threads <= 0: the physical cores this process
/// may run on (hyper-threads share a core's FMA units and its bandwidth, so they rarely help).
int default_threads();

/// `n_threads` when positive, else default_threads().
inline int resolve_threads(int n_threads) { return n_threads > 0 ? n_threads : default_threads(); }

}  // namespace braid::cpu
