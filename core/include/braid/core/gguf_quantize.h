// Quantizing a GGUF model file into another: `braid quantize`'s engine. Tensors are converted
// row by row with core's reference quantizers (byte-identical to llama.cpp's), on several
// threads, straight from the memory-mapped input into the writer: the model is never held in
// memory twice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "braid/core/gguf.h"
#include "braid/core/quant_recipe.h"
#include "braid/core/status.h"

namespace braid::core {

/// One tensor done (or about to be written), for progress reports.
struct QuantizeProgress {
  size_t index = 0;  ///< 0-based, in the order the output file holds the tensors
  size_t count = 0;
  const TensorPlan* plan = nullptr;
  std::vector<int64_t> shape;
  uint64_t bytes_in = 0;
  uint64_t bytes_out = 0;
};

struct QuantizeOptions {
  int threads = 0;    ///< 0: every hardware thread
  bool pure = false;  ///< see PlanOptions::pure
  /// Called from the writing thread after each tensor (may be empty).
  std::function<void(const QuantizeProgress&)> on_tensor;
};

struct QuantizeReport {
  std::vector<TensorPlan> plan;  ///< in the output file's order
  uint64_t tensor_bytes_in = 0;
  uint64_t tensor_bytes_out = 0;
  int64_t n_elements = 0;
  size_t n_fallback = 0;
  /// Names of tensors that were already quantized and were dequantized and quantized again.
  std::vector<std::string> requantized;
};

/// The facts the type rules need, read from `file`'s metadata (missing keys read as 0).
ModelFacts model_facts_of(const GgufFile& file);

/// The plan for `file` under `recipe`, in llama.cpp's tensor order (the output file's order).
std::vector<TensorPlan> plan_for_file(const GgufFile& file,
                                      const QuantRecipe& recipe,
                                      const PlanOptions& options = {});

/// Quantizes `input` into `output` (written via a temporary file and renamed when complete).
/// Metadata is copied in order with general.quantization_version = 2 and general.file_type set
/// to the recipe's value (split.* keys dropped, as llama-quantize drops them); tensors come in
/// llama.cpp's order. Tensors whose type does not change are copied byte for byte.
/// Errors: InvalidArgument when `output` is `input`; NotSupported for a tensor that must change
/// type but is stored in a type braid cannot convert (named); DataLoss for non-finite weights;
/// the reader's and writer's errors otherwise. The caller decides about existing outputs.
Result<QuantizeReport> quantize_gguf(const std::filesystem::path& input,
                                     const std::filesystem::path& output,
                                     const QuantRecipe& recipe,
                                     const QuantizeOptions& options = {});

}  // namespace braid::core
