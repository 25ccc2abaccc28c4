#include "braid/model/kv_snapshot_file.h"

#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>

namespace braid::model {
namespace {

constexpr char kMagic[8] = {'B', 'R', 'A', 'I', 'D', 'K', 'V', '1'};
constexpr uint32_t kMaxHeader = 1 << 26;  // the header may carry a long conversation

}  // namespace

std::string model_fingerprint(const Model& model) {
  return core::str_cat(model.config().summary(), "; ", model.weight_bytes(), " bytes of ",
                       model.weight_type_name());
}

core::Status write_kv_snapshot(const std::filesystem::path& path,
                               const KvSnapshot& s,
                               const std::string& fingerprint,
                               const std::string& app_state) {
  nlohmann::json header = {{"model", fingerprint},         {"n_past", s.n_past},
                           {"type", kv_type_name(s.type)}, {"n_layer", s.n_layer},
                           {"row_bytes", s.row_bytes},     {"bytes", s.data.size()}};
  if (!app_state.empty()) header["app_state"] = app_state;
  const std::string text = header.dump();
  if (text.size() > kMaxHeader) {
    return core::invalid_argument("[kv] ", path.string(), ": the header of ", text.size(),
                                  " bytes is over the limit of ", kMaxHeader);
  }
  const uint32_t length = static_cast<uint32_t>(text.size());
  std::filesystem::path partial = path;
  partial += ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(kMagic, sizeof(kMagic));
    out.write(reinterpret_cast<const char*>(&length), sizeof(length));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.write(reinterpret_cast<const char*>(s.data.data()),
              static_cast<std::streamsize>(s.data.size()));
    if (!out) return core::io_error("[kv] ", partial.string(), ": cannot write");
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) return core::io_error("[kv] ", path.string(), ": cannot write: ", ec.message());
  return core::Status::ok();
}

core::Result<KvSnapshot> read_kv_snapshot(const std::filesystem::path& path,
                                          const std::string& fingerprint,
                                          std::string* app_state) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::io_error("[kv] ", path.string(), ": cannot open");
  const std::string where = core::str_cat("[kv] ", path.string(), ": ");
  char magic[sizeof(kMagic)] = {};
  uint32_t length = 0;
  in.read(magic, sizeof(magic));
  in.read(reinterpret_cast<char*>(&length), sizeof(length));
  if (!in || std::memcmp(magic, kMagic, sizeof(kMagic)) != 0 || length > kMaxHeader) {
    return core::data_loss(where, "not a braid KV snapshot");
  }
  std::string text(length, '\0');
  in.read(text.data(), length);
  const nlohmann::json header = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!in || !header.is_object()) return core::data_loss(where, "malformed header");
  KvSnapshot s;
  uint64_t bytes = 0;
  std::string type;
  try {
    if (header.at("model").get<std::string>() != fingerprint) {
      return core::invalid_argument(where, "saved from another model (",
                                    header.at("model").get<std::string>(), "), not this one (",
                                    fingerprint, ")");
    }
    s.n_past = header.at("n_past").get<int64_t>();
    s.n_layer = header.at("n_layer").get<int64_t>();
    s.row_bytes = header.at("row_bytes").get<uint64_t>();
    bytes = header.at("bytes").get<uint64_t>();
    type = header.at("type").get<std::string>();
    if (app_state != nullptr) {
      *app_state = header.contains("app_state") ? header.at("app_state").get<std::string>() : "";
    }
  } catch (const nlohmann::json::exception& e) {
    return core::data_loss(where, "malformed header: ", e.what());
  }
  const auto kv_type = parse_kv_type(type);
  if (!kv_type) return core::data_loss(where, "unknown cache type '", type, "'");
  s.type = *kv_type;
  const auto size = std::filesystem::file_size(path);
  if (bytes != size - sizeof(kMagic) - sizeof(length) - length) {
    return core::data_loss(where, "holds ", size - sizeof(kMagic) - sizeof(length) - length,
                           " bytes of rows, the header says ", bytes);
  }
  s.data.resize(bytes);
  in.read(reinterpret_cast<char*>(s.data.data()), static_cast<std::streamsize>(bytes));
  if (!in) return core::data_loss(where, "truncated");
  return s;
}

}  // namespace braid::model
