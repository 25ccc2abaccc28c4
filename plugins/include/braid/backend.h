/* braid backend plugin ABI, version 1.
 *
 * A backend is a shared library (braid-backend-<name>.so) that exports one C symbol,
 * `braid_backend_entry`, returning a table of function pointers. The host (plugins/ in braid)
 * loads every plugin it finds, checks `abi_version` and `struct_size`, and calls nothing the
 * plugin does not have: members are only ever appended, so a newer host can use an older plugin
 * up to its `struct_size`.
 *
 * Rules on both sides of the boundary:
 * - Plain C types only. No exceptions cross it: every call that can fail returns a
 *   braid_status, and `last_error` gives the text (owned by the plugin, valid until the next
 *   call on that device from the same thread).
 * - Handles are opaque; every open/alloc/create has a matching close/free/destroy; the plugin
 *   owns the memory behind its handles.
 * - `probe` is cheap and side-effect free: no CUDA context, no threads, no large allocation.
 *
 * Tensors and graphs. The host describes work as a graph: a table of tensor descriptions and a
 * list of nodes, each node one op reading input tensors and writing one output tensor. Shapes
 * are outermost first (PyTorch order) with strides in bytes; the innermost dimension of a
 * block-quantized tensor is contiguous. A tensor either lives in a buffer the host allocated
 * (weights, inputs, outputs, the KV cache: `buffer` set) or is an intermediate (`buffer` NULL)
 * whose memory the backend plans when it compiles the graph. A compiled graph is run many times;
 * per-call data (token ids, positions, the number of valid KV rows) lives in input tensors whose
 * buffers the host updates between runs, so shapes, and the compiled graph, can stay the same.
 */
#ifndef BRAID_BACKEND_H_
#define BRAID_BACKEND_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BRAID_BACKEND_ABI_VERSION 1u
#define BRAID_BACKEND_ENTRY_SYMBOL "braid_backend_entry"
#define BRAID_MAX_DIMS 4
#define BRAID_MAX_OP_INPUTS 6

#if defined(_WIN32)
#define BRAID_BACKEND_EXPORT __declspec(dllexport)
#else
#define BRAID_BACKEND_EXPORT __attribute__((visibility("default")))
#endif

typedef enum braid_status {
  BRAID_STATUS_OK = 0,
  BRAID_STATUS_INVALID_ARGUMENT = 1, /* a malformed call or graph */
  BRAID_STATUS_NOT_SUPPORTED = 2,    /* valid, but this backend cannot do it */
  BRAID_STATUS_OUT_OF_MEMORY = 3,
  BRAID_STATUS_DEVICE_ERROR = 4, /* the device or its driver failed */
  BRAID_STATUS_INTERNAL = 5      /* a bug in the plugin */
} braid_status;

typedef struct braid_device_s braid_device_t;     /* an opened device */
typedef struct braid_buffer_s braid_buffer_t;     /* memory on a device */
typedef struct braid_stream_s braid_stream_t;     /* an ordered queue of work on a device */
typedef struct braid_compiled_s braid_compiled_t; /* a graph prepared for one device */

typedef enum braid_device_kind { BRAID_DEVICE_CPU = 0, BRAID_DEVICE_GPU = 1 } braid_device_kind;

/* What probe found. Strings are NUL-terminated and truncated to fit. The host zero-fills this
 * and braid_device_info before each call. */
typedef struct braid_probe_result {
  int32_t usable;        /* 1 when the backend can run here */
  int32_t score;         /* higher is preferred by --backend auto; 0 when unusable */
  uint32_t device_count; /* devices it can open */
  char reason[256];      /* when unusable: one line saying why ("no NVIDIA driver found") */
  char features[256];    /* what it will use: "avx512_vnni avx512_bf16 onednn-2.6" */
} braid_probe_result;

typedef struct braid_device_info {
  uint32_t kind;  /* braid_device_kind */
  char name[128]; /* "Intel Xeon (Emerald Rapids)", "NVIDIA H200" */
  char features[256];
  uint64_t memory_bytes; /* usable memory; 0 if unknown */
  uint32_t threads;      /* worker threads the device uses (CPU backends) */
} braid_device_info;

typedef struct braid_device_options {
  uint32_t struct_size; /* sizeof(braid_device_options) as the host knows it */
  int32_t threads;      /* CPU worker threads; <= 0 means the backend's default */
} braid_device_options;

typedef enum braid_buffer_usage {
  BRAID_BUFFER_WEIGHTS = 0,     /* written once at load, read by every run */
  BRAID_BUFFER_ACTIVATIONS = 1, /* inputs, outputs, KV cache: written and read every run */
  BRAID_BUFFER_STAGING = 2      /* host-visible memory for transfers */
} braid_buffer_usage;

/* ---- the op vocabulary --------------------------------------------------------------------- */

typedef enum braid_op_kind {
  BRAID_OP_NONE = 0,
  /* dst[..., m, n] = sum_k src0[..., m, k] * src1[n, k] (+ src2[n]). src0 F32 activations of
   * rank 1..4; src1 rank-2 weights of a float type (F32, F16, BF16) or a GGUF block type (Q8_0,
   * Q4_0, Q4_1, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K; supports_op says which a backend runs); optional
   * src2 F32 bias. dst F32. */
  BRAID_OP_MATMUL = 1,
  /* Element-wise with broadcasting of src1 over src0 (src1's dims are 1 or equal, aligned at
   * the innermost end). F32. */
  BRAID_OP_ADD = 2,
  BRAID_OP_MUL = 3,
  BRAID_OP_SCALE = 4, /* dst = src0 * scale + bias (params.scale) */
  /* Normalization over the innermost dim: RMS: x / sqrt(mean(x^2) + eps); LayerNorm:
   * (x - mean) / sqrt(var + eps). Optional src1 weight and (LayerNorm) src2 bias [n]. */
  BRAID_OP_RMS_NORM = 5,
  BRAID_OP_LAYER_NORM = 6,
  /* Rotary embedding of src0 [n_tokens, n_heads, head_dim] by positions src1 (I32 [n_tokens]);
   * optional src2 F32 [n_rot / 2] per-frequency divisors (Llama 3.1 rope_freqs). See
   * braid_rope_params for the pairing of dimensions. */
  BRAID_OP_ROPE = 7,
  /* Softmax over the innermost dim of src0 * scale (+ src1 additive mask, broadcast over src0
   * as for ADD). A row whose every entry is -inf gives zeros. */
  BRAID_OP_SOFTMAX = 8,
  /* dst [n_q, n_head, head_dim_v] = softmax(q k^T * scale + mask) v, with
   * q src0 F32 [n_q, n_head, head_dim], k src1 [n_kv, n_head_kv, head_dim],
   * v src2 [n_kv, n_head_kv, head_dim_v] (F32, F16 or Q8_0; n_head a multiple of n_head_kv:
   * grouped-query attention), and optional inputs:
   * src3 I32 [n_q] positions of the queries: when params.causal, query i sees keys j <= src3[i];
   * src4 F32 [n_q, n_kv] additive mask (-inf hides a key);
   * src5 I32 [1] number of valid KV rows: keys at or past it are hidden (a cache allocated for
   * the whole context is read only as far as it is filled; 0 <= src5[0] <= n_kv, checked when
   * the graph runs). A query that sees no key at all gets zeros. */
  BRAID_OP_ATTENTION = 9,
  BRAID_OP_SILU = 10,
  BRAID_OP_GELU = 11,       /* exact, with erf */
  BRAID_OP_GELU_TANH = 12,  /* tanh approximation */
  BRAID_OP_QUICK_GELU = 13, /* x * sigmoid(1.702 x) */
  BRAID_OP_SWIGLU = 14,     /* dst = silu(src0) * src1 */
  /* dst [m, n] = rows src1 (I32 [m]) of table src0 [n_rows, n] (any dtype), converted to F32.
   * An index outside [0, n_rows) fails the run with INVALID_ARGUMENT. */
  BRAID_OP_GET_ROWS = 15,
  /* dst [c_out, l_out] = conv1d(src0 [c_in, l], src1 [c_out, c_in, k]) + src2 [c_out], with
   * params.conv (stride >= 1, zero padding >= 0 on both ends): l_out = (l + 2 pad - k) / stride
   * + 1. src0 F32, src1 F32/F16/BF16, optional src2 F32. */
  BRAID_OP_CONV1D = 16,
  /* dst [c_out, h_out, w_out] = conv2d(src0 [c_in, h, w], src1 [c_out, c_in, kh, kw]) +
   * src2 [c_out], params.conv applying to both spatial dims (a patch embedding has stride =
   * kernel, no padding). Dtypes as CONV1D. */
  BRAID_OP_CONV2D = 17,
  /* src0 F32 [c, h, w], kernel = stride = params.pool.kernel: dst [c, h / kernel, w / kernel]
   * (rounded down: trailing rows and columns that fill no window are dropped). */
  BRAID_OP_AVG_POOL2D = 18,
  /* src0 and src1 (same plain dtype and rank, equal dims but one) joined along params.concat.axis
   * (0 = outermost, 0 <= axis < rank). */
  BRAID_OP_CONCAT = 19,
  /* dst dim i = src0 dim params.permute.axes[i] (a permutation of 0..rank-1; entries past the
   * rank are ignored), written in dst's layout. Plain dtypes; dst has src0's dtype. */
  BRAID_OP_PERMUTE = 20,
  /* Copies src0 into dst (the same shape) element by element, converting dtype if they differ
   * (F32, F16, BF16, Q8_0). dst may be a strided view of a host buffer (used to append to a KV
   * cache). */
  BRAID_OP_COPY = 21,
  /* Writes the rows of src0 [m, n] into dst [n_rows, n] at row indices src1 (I32 [m]), converting
   * dtype (the KV-cache append whose slots change every decode step without recompiling). Also
   * for higher ranks: src0 [m, ...] into dst [n_rows, ...] with equal trailing dims. dst must live
   * in a buffer (rows not named keep their contents); src0 F32; dst F32, F16, BF16 or Q8_0; an
   * index outside [0, n_rows) fails the run; with repeated indices the last row written wins. */
  BRAID_OP_SET_ROWS = 22,
  /* dst = src0 with another shape: the same dtype and element count, the elements in the same
   * row-major order (a block type's innermost dims must both be whole blocks). src0 and dst are
   * contiguous. No params. A backend may alias dst to src0's memory when dst is an
   * intermediate; the host never writes src0 after the reshape in the same graph. */
  BRAID_OP_RESHAPE = 23,
  BRAID_OP_COUNT
} braid_op_kind;

typedef enum braid_rope_mode {
  BRAID_ROPE_ADJACENT = 0,  /* rotate (x[2i], x[2i+1]): GGUF Llama files (Q/K rows permuted) */
  BRAID_ROPE_HALF_SPLIT = 1 /* rotate (x[i], x[i + n_rot/2]): Hugging Face, GPT-NeoX, Qwen2 */
} braid_rope_mode;

typedef struct braid_rope_params {
  uint32_t mode;    /* braid_rope_mode */
  int32_t n_rot;    /* leading dims of each head that rotate (the rest pass through) */
  float freq_base;  /* theta: frequency i = freq_base^(-2i / n_rot) */
  float freq_scale; /* linear position scaling (1 = none) */
} braid_rope_params;

typedef struct braid_attention_params {
  float scale;    /* usually 1 / sqrt(head_dim) */
  int32_t causal; /* 1: apply the causal rule with the positions input */
} braid_attention_params;

/* Per-op parameters; which member is read depends on the op kind. */
typedef union braid_op_params {
  struct {
    float eps;
  } norm;
  struct {
    float scale;
    float bias;
  } scale;
  struct {
    float scale;
  } softmax;
  braid_rope_params rope;
  braid_attention_params attention;
  struct {
    int32_t stride;
    int32_t padding;
  } conv;
  struct {
    int32_t kernel;
  } pool;
  struct {
    int32_t axis;
  } concat;
  struct {
    int32_t axes[BRAID_MAX_DIMS];
  } permute;
  uint8_t reserved[64];
} braid_op_params;

/* ---- graphs -------------------------------------------------------------------------------- */

/* Layout rules (checked by graph_compile; braid/graph_check.h has the shared checker):
 * - every dim >= 1; the innermost dim of a block type is a whole number of blocks;
 * - strides are in bytes and >= 0. A plain type (F32, F16, BF16, I32) may have any strides,
 *   the innermost included (a transposed or padded view); an input may even repeat elements
 *   (stride 0), an output may not overlap itself. A block type's rows are contiguous: its
 *   innermost stride is written 0, and its outer strides step over whole rows;
 * - an intermediate (buffer NULL) has offset 0 and contiguous row-major strides, the layout the
 *   backend gives it. */
typedef struct braid_tensor_desc {
  uint32_t dtype;                  /* GGUF type id: 0 F32, 1 F16, 8 Q8_0, 26 I32, 30 BF16 … */
  uint32_t rank;                   /* 1..BRAID_MAX_DIMS */
  int64_t shape[BRAID_MAX_DIMS];   /* outermost first */
  int64_t strides[BRAID_MAX_DIMS]; /* bytes; the innermost is the element size when contiguous
                                      (0 for blocks) */
  braid_buffer_t* buffer;          /* NULL: an intermediate the backend places */
  uint64_t offset;                 /* bytes into buffer */
  const char* name;                /* for errors and debug dumps; may be NULL */
} braid_tensor_desc;

/* A node reads inputs[0..n_inputs) and writes `output`, which must not also be one of its
 * inputs. An intermediate must be written by an earlier node before a node reads it. */
typedef struct braid_node_desc {
  uint32_t op;                         /* braid_op_kind */
  uint32_t n_inputs;                   /* inputs used; an absent optional input is -1 */
  int32_t inputs[BRAID_MAX_OP_INPUTS]; /* indices into the graph's tensors */
  int32_t output;                      /* index into the graph's tensors */
  braid_op_params params;
} braid_node_desc;

typedef struct braid_graph_desc {
  uint32_t n_tensors;
  const braid_tensor_desc* tensors;
  uint32_t n_nodes;
  const braid_node_desc* nodes; /* in execution order */
} braid_graph_desc;

/* ---- the entry table ----------------------------------------------------------------------- */

typedef struct braid_backend_v1 {
  uint32_t abi_version; /* BRAID_BACKEND_ABI_VERSION the plugin was built with */
  uint32_t struct_size; /* sizeof(braid_backend_v1) the plugin was built with */
  const char* name;     /* "cpu", "cuda", "reference" */
  const char* version;  /* the plugin's own version string */

  braid_status (*probe)(braid_probe_result* out);

  braid_status (*device_open)(uint32_t index,
                              const braid_device_options* options,
                              braid_device_t** out);
  void (*device_close)(braid_device_t* device);
  braid_status (*device_info)(braid_device_t* device, braid_device_info* out);
  /* Text of the last failure on this device (this thread); never NULL. With device NULL: the
   * last failure of a call that has no device yet (probe, device_open) on this thread. (Added
   * to the contract before any plugin shipped: without it a failed device_open had no text.) */
  const char* (*last_error)(braid_device_t* device);

  braid_status (*buffer_alloc)(braid_device_t* device,
                               uint64_t bytes,
                               uint32_t usage,
                               braid_buffer_t** out);
  /* Wraps host memory the caller keeps alive (a memory-mapped weight file) without copying.
   * NOT_SUPPORTED where the device cannot read host memory directly. */
  braid_status (*buffer_wrap_host)(braid_device_t* device,
                                   const void* data,
                                   uint64_t bytes,
                                   braid_buffer_t** out);
  void (*buffer_free)(braid_device_t* device, braid_buffer_t* buffer);
  /* Host address of the buffer's first byte, or NULL when it is device memory. */
  void* (*buffer_host_ptr)(braid_device_t* device, braid_buffer_t* buffer);
  braid_status (*buffer_upload)(braid_device_t* device,
                                braid_buffer_t* dst,
                                uint64_t offset,
                                const void* src,
                                uint64_t bytes,
                                braid_stream_t* stream);
  braid_status (*buffer_download)(braid_device_t* device,
                                  braid_buffer_t* src,
                                  uint64_t offset,
                                  void* dst,
                                  uint64_t bytes,
                                  braid_stream_t* stream);
  braid_status (*buffer_copy)(braid_device_t* device,
                              braid_buffer_t* src,
                              uint64_t src_offset,
                              braid_buffer_t* dst,
                              uint64_t dst_offset,
                              uint64_t bytes,
                              braid_stream_t* stream);

  /* NULL stream arguments elsewhere mean the device's default stream. Transfers and runs may
   * be asynchronous: host memory passed to upload/download must stay valid, and is complete,
   * only once synchronize on that stream has returned. */
  braid_status (*stream_create)(braid_device_t* device, braid_stream_t** out);
  void (*stream_destroy)(braid_device_t* device, braid_stream_t* stream);
  braid_status (*synchronize)(braid_device_t* device, braid_stream_t* stream);

  /* 1 when node `node_index` of `graph` can run on this device as described, else 0; after a
   * 0, last_error(device) says why (for the scheduler's debug log). */
  int32_t (*supports_op)(braid_device_t* device,
                         const braid_graph_desc* graph,
                         uint32_t node_index);
  /* Prepares a graph: validates it, plans intermediates, creates primitives, may fuse. The
   * descriptions are copied; the buffers they name must outlive the compiled graph. */
  braid_status (*graph_compile)(braid_device_t* device,
                                const braid_graph_desc* graph,
                                braid_compiled_t** out);
  /* Enqueues one execution on `stream` (asynchronous where the device is). */
  braid_status (*graph_run)(braid_device_t* device,
                            braid_compiled_t* compiled,
                            braid_stream_t* stream);
  void (*graph_free)(braid_device_t* device, braid_compiled_t* compiled);

  /* Stream capture (CUDA graphs): between begin and end, runs on `stream` are recorded rather
   * than executed; graph_run of the compiled graph then replays the recording. Backends without
   * capture leave these NULL, and the host simply runs the graph each time. */
  braid_status (*capture_begin)(braid_device_t* device,
                                braid_compiled_t* compiled,
                                braid_stream_t* stream);
  braid_status (*capture_end)(braid_device_t* device,
                              braid_compiled_t* compiled,
                              braid_stream_t* stream);
} braid_backend_v1;

/* The one symbol a plugin exports. `host_abi_version` is the host's BRAID_BACKEND_ABI_VERSION;
 * a plugin that cannot serve it returns NULL. */
typedef const braid_backend_v1* (*braid_backend_entry_fn)(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* BRAID_BACKEND_H_ */
