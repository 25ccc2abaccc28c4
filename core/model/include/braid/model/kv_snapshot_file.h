// KV snapshots on disk, for chat's /save and /load: a small JSON header (which model, how many
// positions, the cache type and row size) followed by the rows, written whole or not at all.
#pragma once

#include <filesystem>
#include <string>

#include "braid/core/status.h"
#include "braid/model/decoder.h"

namespace braid::model {

/// A string that changes when the model does (architecture, sizes, weight bytes and type), so a
/// snapshot is never loaded into another model's cache.
std::string model_fingerprint(const Model& model);

/// Writes `snapshot` of the model with `fingerprint` to `path` (through `path`.partial, renamed
/// when complete). `app_state` is kept in the header as it is (chat stores its conversation
/// there). IoError naming the path on failure.
core::Status write_kv_snapshot(const std::filesystem::path& path,
                               const KvSnapshot& snapshot,
                               const std::string& fingerprint,
                               const std::string& app_state = {});

/// Reads a snapshot written by write_kv_snapshot; its app_state goes to `app_state` when given
/// ("" if none was saved). DataLoss for a file that is not one or is truncated; InvalidArgument
/// naming both when it was saved from another model.
core::Result<KvSnapshot> read_kv_snapshot(const std::filesystem::path& path,
                                          const std::string& fingerprint,
                                          std::string* app_state = nullptr);

}  // namespace braid::model
