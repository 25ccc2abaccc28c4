// Launchers for the CUDA kernels (kernels_*.cu), callable from plain C++. Every launcher queues
// work on `stream` and returns at once; pointers are device memory. Shapes are outermost first
// and, unless a parameter says otherwise, tensors are contiguous row-major.
#pragma once

#include <cuda_runtime_api.h>

#include <cstdint>

namespace braid::cuda {

/// Up to four dims with byte strides (outermost first; unused leading dims have size 1).
struct Strided4 {
  int64_t shape[4] = {1, 1, 1, 1};
  int64_t strides[4] = {0, 0, 0, 0};  ///< bytes
};

/// Where kernels report a bad index or count found while running (set_rows, get_rows,
/// attention's valid length): host-mapped memory the device writes and the host reads after
/// synchronizing. 0 means no error.
struct DeviceErrors {
  int32_t* flag = nullptr;       ///< device pointer of the mapped word
  int32_t* host_flag = nullptr;  ///< the same word as the host sees it
};
enum DeviceErrorCode : int32_t {
  kRowIndexOutOfRange = 1,
  kValidCountOutOfRange = 2,
};

// ---- layout (kernels_layout.cu) -------------------------------------------------------------

/// dst = src element by element, converting among F32, F16, BF16 (and I32 to I32). `dtype`s are
/// GGUF ids. Both sides strided; shapes equal.
void strided_convert(const void* src,
                     uint32_t src_dtype,
                     const Strided4& src_layout,
                     void* dst,
                     uint32_t dst_dtype,
                     const Strided4& dst_layout,
                     cudaStream_t stream);
/// Quantizes `n_rows` contiguous F32 rows of `n` values into Q8_0 rows at `dst` (row i at
/// dst + i * dst_row_stride bytes), rounding as the reference quantizer does.
void quantize_rows_q8_0(const float* src,
                        int64_t n_rows,
                        int64_t n,
                        void* dst,
                        int64_t dst_row_stride,
                        cudaStream_t stream);
/// dst [m, n] F32 = rows `rows` of `table` (any dtype; rows `table_row_stride` bytes apart).
void get_rows(const void* table,
              uint32_t dtype,
              int64_t n_table_rows,
              int64_t table_row_stride,
              const int32_t* rows,
              int64_t m,
              int64_t n,
              float* dst,
              DeviceErrors errors,
              cudaStream_t stream);
/// Writes F32 rows src [m, inner] into dst at row indices (dst rows `dst_row_stride` bytes
/// apart, each row `inner` contiguous values of `dst_dtype`: F32, F16, BF16 or Q8_0).
void set_rows(const float* src,
              int64_t m,
              int64_t inner,
              const int32_t* rows,
              void* dst,
              uint32_t dst_dtype,
              int64_t n_dst_rows,
              int64_t dst_row_stride,
              DeviceErrors errors,
              cudaStream_t stream);

// ---- element-wise (kernels_elementwise.cu) --------------------------------------------------

enum class Unary { Scale, Silu, Gelu, GeluTanh, QuickGelu };
void unary(
    Unary op, const float* x, float* y, int64_t n, float scale, float bias, cudaStream_t stream);
/// y = a (op) b, b broadcast over a: b_shape dims are 1 or equal to a_shape's (4 dims, aligned).
void binary(bool is_add,
            const float* a,
            const int64_t a_shape[4],
            const float* b,
            const int64_t b_shape[4],
            float* y,
            cudaStream_t stream);
void swiglu(const float* gate, const float* up, float* y, int64_t n, cudaStream_t stream);

// ---- rows: norms, softmax, rope (kernels_rows.cu) -------------------------------------------

/// RMSNorm (mean_removed = false) or LayerNorm over rows of n; weight/bias may be null.
void norm_rows(const float* x,
               float* y,
               int64_t n_rows,
               int64_t n,
               const float* weight,
               const float* bias,
               float eps,
               bool layer_norm,
               cudaStream_t stream);
/// Softmax of x * scale (+ mask broadcast as for add) over rows of n; mask may be null.
void softmax_rows(const float* x,
                  float* y,
                  const int64_t x_shape[4],
                  float scale,
                  const float* mask,
                  const int64_t mask_shape[4],
                  cudaStream_t stream);
/// x [n_tokens, n_heads, head_dim] rotated; `factors` [n_rot/2] may be null.
void rope(const float* x,
          float* y,
          int64_t n_tokens,
          int64_t n_heads,
          int64_t head_dim,
          const int32_t* positions,
          const float* factors,
          int32_t n_rot,
          bool adjacent,
          float freq_base,
          float freq_scale,
          cudaStream_t stream);

// ---- attention (kernels_attention.cu) --------------------------------------------------------

struct AttentionArgs {
  const float* q = nullptr;  ///< [n_q, n_head, head_dim] contiguous
  const void* k = nullptr;   ///< [n_kv, n_head_kv, head_dim] rows of kv_dtype
  const void* v = nullptr;   ///< [n_kv, n_head_kv, head_dim_v]
  uint32_t k_dtype = 0, v_dtype = 0;
  int64_t k_row_stride = 0, k_head_stride = 0;  ///< bytes between KV rows / heads
  int64_t v_row_stride = 0, v_head_stride = 0;
  int64_t n_q = 0, n_head = 0, head_dim = 0, n_kv = 0, n_head_kv = 0, head_dim_v = 0;
  const int32_t* positions = nullptr;  ///< [n_q] when causal
  const float* mask = nullptr;         ///< [n_q, n_kv] or null
  const int32_t* n_valid = nullptr;    ///< [1] or null (all n_kv rows)
  float scale = 1.0f;
  bool causal = false;
  float* out = nullptr;  ///< [n_q, n_head, head_dim_v]
};
void attention(const AttentionArgs& args, DeviceErrors errors, cudaStream_t stream);

// ---- convolution and pooling (kernels_conv.cu) ----------------------------------------------

/// dst [c_out, l_out] = conv1d(x [c_in, l], w [c_out, c_in, k] of w_dtype) + bias.
void conv1d(const float* x,
            int64_t c_in,
            int64_t l,
            const void* w,
            uint32_t w_dtype,
            int64_t c_out,
            int64_t k,
            const float* bias,
            int32_t stride,
            int32_t padding,
            float* y,
            int64_t l_out,
            cudaStream_t stream);
/// dst [c_out, h_out, w_out] = conv2d(x [c_in, h, w], w [c_out, c_in, kh, kw]) + bias.
void conv2d(const float* x,
            int64_t c_in,
            int64_t h,
            int64_t w,
            const void* weight,
            uint32_t w_dtype,
            int64_t c_out,
            int64_t kh,
            int64_t kw,
            const float* bias,
            int32_t stride,
            int32_t padding,
            float* y,
            int64_t h_out,
            int64_t w_out,
            cudaStream_t stream);
void avg_pool2d(
    const float* x, int64_t c, int64_t h, int64_t w, int32_t kernel, float* y, cudaStream_t stream);

// ---- matmul helpers (kernels_matmul.cu) -----------------------------------------------------

/// y [m, n] = x [m, k] · rows of w [n, k] (w_dtype: any float or block type, rows
/// w_row_stride bytes apart) + bias (may be null): a kernel that reads the weights once per
/// call, for small m (decode).
void matvec(const float* x,
            int64_t m,
            int64_t k,
            const void* w,
            uint32_t w_dtype,
            int64_t w_row_stride,
            int64_t n,
            const float* bias,
            float* y,
            cudaStream_t stream);
/// Converts weights [n, k] of any dtype to F16 or BF16 rows (contiguous) for cuBLAS.
void weights_to_half(const void* w,
                     uint32_t w_dtype,
                     int64_t w_row_stride,
                     int64_t n,
                     int64_t k,
                     void* dst,
                     bool bf16,
                     cudaStream_t stream);
/// Converts F32 to F16 or BF16, n values.
void f32_to_half(const float* x, int64_t n, void* dst, bool bf16, cudaStream_t stream);
/// y [m, n] += bias [n].
void add_bias(float* y, int64_t m, int64_t n, const float* bias, cudaStream_t stream);

}  // namespace braid::cuda
