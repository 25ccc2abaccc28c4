// SentencePiece ModelProto (.model) -> Vocab, with a minimal protobuf wire-format reader.
//
// Fields read (sentencepiece_model.proto):
//   ModelProto      1: repeated SentencePiece pieces, 2: TrainerSpec, 3: NormalizerSpec
//   SentencePiece   1: piece (string), 2: score (float), 3: type (enum, default NORMAL = 1)
//   TrainerSpec     3: model_type (UNIGRAM = 1 default, BPE = 2), 40: unk_id (0), 41: bos_id (1),
//                   42: eos_id (2), 43: pad_id (-1)
//   NormalizerSpec  3: add_dummy_prefix (default true)
#include <cstring>

#include "braid/text/vocab_import.h"

namespace braid::text {

using core::Result;
using core::Status;

namespace {

enum WireType : uint32_t { kVarint = 0, kFixed64 = 1, kBytes = 2, kFixed32 = 5 };

// Reads one protobuf message; every read is bounds-checked and errors name the absolute offset.
class ProtoReader {
 public:
  ProtoReader(std::span<const std::byte> bytes, size_t base, const std::string* where)
      : bytes_(bytes), base_(base), where_(where) {}

  bool done() const { return pos_ >= bytes_.size(); }

  Status error(std::string_view what) const {
    return core::data_loss(*where_, "offset ", base_ + pos_, ": ", what);
  }

  Result<uint64_t> varint() {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (done()) return error("truncated varint");
      const auto b = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) return value;
    }
    return error("varint longer than 10 bytes");
  }

  // A field header: (field number, wire type).
  Result<std::pair<uint32_t, uint32_t>> tag() {
    BRAID_ASSIGN_OR_RETURN(uint64_t key, varint());
    if ((key >> 3) == 0 || (key >> 3) > UINT32_MAX) return error("bad field number");
    return std::make_pair(static_cast<uint32_t>(key >> 3), static_cast<uint32_t>(key & 7));
  }

  // The payload of a length-delimited field, and the absolute offset where it starts.
  Result<std::pair<std::span<const std::byte>, size_t>> bytes() {
    BRAID_ASSIGN_OR_RETURN(uint64_t length, varint());
    if (length > bytes_.size() - pos_) return error("length-delimited field runs past its end");
    const auto out = bytes_.subspan(pos_, length);
    const size_t at = base_ + pos_;
    pos_ += length;
    return std::make_pair(out, at);
  }

  Result<float> fixed32_float() {
    if (bytes_.size() - pos_ < 4) return error("truncated fixed32");
    uint32_t raw = 0;
    for (int i = 0; i < 4; ++i) raw |= static_cast<uint32_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += 4;
    float value = 0;
    std::memcpy(&value, &raw, sizeof(value));
    return value;
  }

  Status skip(uint32_t wire_type) {
    switch (wire_type) {
      case kVarint:
        return varint().status();
      case kFixed64:
        if (bytes_.size() - pos_ < 8) return error("truncated fixed64");
        pos_ += 8;
        return Status::ok();
      case kBytes:
        return bytes().status();
      case kFixed32:
        if (bytes_.size() - pos_ < 4) return error("truncated fixed32");
        pos_ += 4;
        return Status::ok();
      default:
        return error(core::str_cat("unsupported wire type ", wire_type));
    }
  }

  Status expect(uint32_t wire_type, uint32_t want, std::string_view field) {
    if (wire_type == want) return Status::ok();
    return error(core::str_cat(field, " has wire type ", wire_type, ", expected ", want));
  }

 private:
  std::span<const std::byte> bytes_;
  size_t base_;
  const std::string* where_;
  size_t pos_ = 0;
};

std::string as_string(std::span<const std::byte> bytes) {
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Status read_piece(ProtoReader& reader, Vocab& vocab) {
  std::string piece;
  float score = 0;
  int64_t type = static_cast<int64_t>(TokenType::Normal);
  while (!reader.done()) {
    BRAID_ASSIGN_OR_RETURN(auto tag, reader.tag());
    if (tag.first == 1) {
      BRAID_TRY(reader.expect(tag.second, kBytes, "SentencePiece.piece"));
      BRAID_ASSIGN_OR_RETURN(auto payload, reader.bytes());
      piece = as_string(payload.first);
    } else if (tag.first == 2) {
      BRAID_TRY(reader.expect(tag.second, kFixed32, "SentencePiece.score"));
      BRAID_ASSIGN_OR_RETURN(score, reader.fixed32_float());
    } else if (tag.first == 3) {
      BRAID_TRY(reader.expect(tag.second, kVarint, "SentencePiece.type"));
      BRAID_ASSIGN_OR_RETURN(uint64_t value, reader.varint());
      if (value < 1 || value > 6) return reader.error(core::str_cat("piece type ", value));
      type = static_cast<int64_t>(value);
    } else {
      BRAID_TRY(reader.skip(tag.second));
    }
  }
  vocab.tokens.push_back(std::move(piece));
  vocab.scores.push_back(score);
  vocab.types.push_back(static_cast<TokenType>(type));
  return Status::ok();
}

struct TrainerFields {
  int64_t model_type = 1;  // UNIGRAM
  int64_t unk_id = 0, bos_id = 1, eos_id = 2, pad_id = -1;
};

Status read_trainer(ProtoReader& reader, TrainerFields& trainer) {
  while (!reader.done()) {
    BRAID_ASSIGN_OR_RETURN(auto tag, reader.tag());
    int64_t* target = nullptr;
    switch (tag.first) {
      case 3:
        target = &trainer.model_type;
        break;
      case 40:
        target = &trainer.unk_id;
        break;
      case 41:
        target = &trainer.bos_id;
        break;
      case 42:
        target = &trainer.eos_id;
        break;
      case 43:
        target = &trainer.pad_id;
        break;
      default:
        BRAID_TRY(reader.skip(tag.second));
        continue;
    }
    BRAID_TRY(reader.expect(tag.second, kVarint, "TrainerSpec field"));
    BRAID_ASSIGN_OR_RETURN(uint64_t value, reader.varint());
    *target = static_cast<int32_t>(static_cast<uint32_t>(value));  // int32 fields
  }
  return Status::ok();
}

Status read_normalizer(ProtoReader& reader, bool& add_dummy_prefix) {
  while (!reader.done()) {
    BRAID_ASSIGN_OR_RETURN(auto tag, reader.tag());
    if (tag.first == 3) {
      BRAID_TRY(reader.expect(tag.second, kVarint, "NormalizerSpec.add_dummy_prefix"));
      BRAID_ASSIGN_OR_RETURN(uint64_t value, reader.varint());
      add_dummy_prefix = value != 0;
    } else {
      BRAID_TRY(reader.skip(tag.second));
    }
  }
  return Status::ok();
}

}  // namespace

Result<Vocab> vocab_from_sentencepiece_model(std::span<const std::byte> bytes, std::string name) {
  const std::string where = core::str_cat("[tokenizer] ", name, ": ");
  Vocab vocab;
  vocab.name = std::move(name);
  vocab.model = VocabModel::Spm;
  TrainerFields trainer;
  bool add_dummy_prefix = true;
  ProtoReader reader(bytes, 0, &where);
  while (!reader.done()) {
    BRAID_ASSIGN_OR_RETURN(auto tag, reader.tag());
    if (tag.first >= 1 && tag.first <= 3) {
      BRAID_TRY(reader.expect(tag.second, kBytes, "ModelProto field"));
      BRAID_ASSIGN_OR_RETURN(auto payload, reader.bytes());
      ProtoReader inner(payload.first, payload.second, &where);
      if (tag.first == 1) {
        BRAID_TRY(read_piece(inner, vocab));
      } else if (tag.first == 2) {
        BRAID_TRY(read_trainer(inner, trainer));
      } else {
        BRAID_TRY(read_normalizer(inner, add_dummy_prefix));
      }
    } else {
      BRAID_TRY(reader.skip(tag.second));
    }
  }
  if (vocab.tokens.empty()) return core::data_loss(where, "no pieces (not a SentencePiece model?)");
  if (trainer.model_type != 2) {
    return core::not_supported(where, "SentencePiece model type ", trainer.model_type,
                               " is not supported (only BPE = 2)");
  }
  const auto id = [&](int64_t value) -> Result<int32_t> {
    if (value < 0) return kNoToken;
    if (static_cast<size_t>(value) >= vocab.tokens.size()) {
      return core::data_loss(where, "special id ", value, " is outside the ", vocab.tokens.size(),
                             " pieces");
    }
    return static_cast<int32_t>(value);
  };
  BRAID_ASSIGN_OR_RETURN(vocab.unk_id, id(trainer.unk_id));
  BRAID_ASSIGN_OR_RETURN(vocab.bos_id, id(trainer.bos_id));
  BRAID_ASSIGN_OR_RETURN(vocab.eos_id, id(trainer.eos_id));
  BRAID_ASSIGN_OR_RETURN(vocab.pad_id, id(trainer.pad_id));
  vocab.add_bos = vocab.bos_id != kNoToken;
  vocab.add_space_prefix = add_dummy_prefix;
  return vocab;
}

}  // namespace braid::text
