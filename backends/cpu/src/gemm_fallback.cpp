// gemm.h without oneDNN (BRAID_ENABLE_ONEDNN=OFF, or AUTO where it is not installed): GemmF32 runs
// our panel kernel, GemmInt8 is not available (callers fall back to the block kernels of
// quant_matmul.h, which need no oneDNN).
#include "braid/cpu/gemm.h"

namespace braid::cpu {

bool gemm_uses_onednn() { return false; }

struct GemmF32::State {
  std::unique_ptr<PanelGemmF32> panels;
};

GemmF32::GemmF32(std::unique_ptr<State> state) : state_(std::move(state)) {}
GemmF32::~GemmF32() = default;
int64_t GemmF32::n() const { return state_->panels->n(); }
int64_t GemmF32::k() const { return state_->panels->k(); }
std::string GemmF32::implementation() const { return "braid:panels"; }

core::Result<std::unique_ptr<GemmF32>> GemmF32::create(
    const float* w, int64_t n, int64_t k, int64_t ldw, const float* bias) {
  auto state = std::make_unique<State>();
  BRAID_ASSIGN_OR_RETURN(state->panels, PanelGemmF32::create(w, n, k, ldw, bias));
  return std::unique_ptr<GemmF32>(new GemmF32(std::move(state)));
}

core::Status GemmF32::run(const float* x, int64_t m, float* y, int n_threads) const {
  return state_->panels->run(x, m, y, n_threads);
}

struct GemmInt8::State {};

GemmInt8::GemmInt8(std::unique_ptr<State> state) : state_(std::move(state)) {}
GemmInt8::~GemmInt8() = default;
int64_t GemmInt8::n() const { return 0; }
int64_t GemmInt8::k() const { return 0; }
std::string GemmInt8::implementation() const { return "none"; }

namespace {
core::Status no_int8() {
  return core::not_supported(
      "[cpu::GemmInt8] this braid was built without oneDNN "
      "(BRAID_ENABLE_ONEDNN), which the int8 GEMM runs on");
}
}  // namespace

core::Result<std::unique_ptr<GemmInt8>> GemmInt8::create(
    const float*, int64_t, int64_t, int64_t, const float*) {
  return no_int8();
}

core::Result<std::unique_ptr<GemmInt8>> GemmInt8::create_from_gguf(
    core::DType, const void*, int64_t, int64_t, int64_t, const float*) {
  return no_int8();
}

core::Status GemmInt8::run(const float*, int64_t, float*, int) const { return no_int8(); }

}  // namespace braid::cpu
