#include "braid/core/safetensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "test_paths.h"

namespace braid::core {
namespace {

using Json = nlohmann::json;
using Bytes = std::vector<std::byte>;

// A safetensors file: the 8-byte length (the header's own, unless `length` overrides it), the
// header text, then `data`.
Bytes make_file(std::string_view header,
                const std::vector<uint8_t>& data = {},
                std::optional<uint64_t> length = std::nullopt) {
  const uint64_t n = length.value_or(header.size());
  Bytes out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::byte>((n >> (8 * i)) & 0xFF));
  for (const char c : header) out.push_back(static_cast<std::byte>(c));
  for (const uint8_t b : data) out.push_back(static_cast<std::byte>(b));
  return out;
}

Bytes read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  Bytes out(chars.size());
  std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

Status parse_status(const Bytes& bytes, std::string name = "model.safetensors") {
  return SafetensorsFile::parse(bytes, std::move(name)).status();
}

// Expects a failure with `code` whose message contains `needle`.
void expect_error(const Status& status, StatusCode code, std::string_view needle) {
  EXPECT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), code) << status.to_string();
  EXPECT_NE(status.message().find(needle), std::string::npos)
      << "message: " << status.message() << "\nexpected to contain: " << needle;
  EXPECT_EQ(status.message().rfind("[safetensors] ", 0), 0u) << status.message();
}

std::filesystem::path golden(const std::string& relative) {
  return test::golden_dir() / "safetensors" / relative;
}

Json load_expected() {
  std::ifstream in(golden("expected.json"));
  return Json::parse(in);
}

std::string to_hex(std::span<const std::byte> bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (const std::byte b : bytes) {
    const auto v = std::to_integer<unsigned>(b);
    out += kDigits[v >> 4];
    out += kDigits[v & 15];
  }
  return out;
}

// Local decoders, so this test does not depend on core's half.h (tested on its own) and stays
// an independent check of the bytes.
float bf16_bits_to_float(uint16_t bits) {
  const uint32_t word = uint32_t{bits} << 16;
  float value;
  std::memcpy(&value, &word, sizeof(value));
  return value;
}

float fp16_bits_to_float(uint16_t bits) {
  const int sign = (bits >> 15) ? -1 : 1;
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  if (exponent == 0) return sign * std::ldexp(static_cast<float>(mantissa), -24);
  if (exponent == 31) return mantissa ? NAN : sign * INFINITY;
  return sign * std::ldexp(static_cast<float>(mantissa + 1024), exponent - 25);
}

template <typename T>
T load(std::span<const std::byte> data, size_t i) {
  T value;
  std::memcpy(&value, data.data() + i * sizeof(T), sizeof(T));
  return value;
}

// Compares element i of `tensor` with the value numpy wrote into expected.json.
void expect_value(const SafetensorsTensor& tensor, size_t i, const Json& want) {
  const auto& d = tensor.data;
  switch (tensor.dtype) {
    case SafetensorsDType::F32:
      EXPECT_EQ(load<float>(d, i), want.get<float>());
      break;
    case SafetensorsDType::F64:
      EXPECT_EQ(load<double>(d, i), want.get<double>());
      break;
    case SafetensorsDType::F16:
      EXPECT_EQ(fp16_bits_to_float(load<uint16_t>(d, i)), want.get<float>());
      break;
    case SafetensorsDType::BF16:
      EXPECT_EQ(bf16_bits_to_float(load<uint16_t>(d, i)), want.get<float>());
      break;
    case SafetensorsDType::I8:
      EXPECT_EQ(load<int8_t>(d, i), want.get<int64_t>());
      break;
    case SafetensorsDType::I16:
      EXPECT_EQ(load<int16_t>(d, i), want.get<int64_t>());
      break;
    case SafetensorsDType::I32:
      EXPECT_EQ(load<int32_t>(d, i), want.get<int64_t>());
      break;
    case SafetensorsDType::I64:
      EXPECT_EQ(load<int64_t>(d, i), want.get<int64_t>());
      break;
    case SafetensorsDType::U8:
      EXPECT_EQ(load<uint8_t>(d, i), want.get<uint64_t>());
      break;
    case SafetensorsDType::U16:
      EXPECT_EQ(load<uint16_t>(d, i), want.get<uint64_t>());
      break;
    case SafetensorsDType::U32:
      EXPECT_EQ(load<uint32_t>(d, i), want.get<uint64_t>());
      break;
    case SafetensorsDType::U64:
      EXPECT_EQ(load<uint64_t>(d, i), want.get<uint64_t>());
      break;
    case SafetensorsDType::Bool:
      EXPECT_EQ(load<uint8_t>(d, i) != 0, want.get<bool>());
      break;
    default:
      ADD_FAILURE() << "no value check for " << safetensors_dtype_name(tensor.dtype);
  }
}

// Checks every tensor of a golden file against what the reference writer was given.
void check_against_expected(const SafetensorsFile& file, const Json& want) {
  ASSERT_EQ(file.tensors().size(), want["tensors"].size()) << file.display_name();
  for (const auto& [name, entry] : want["tensors"].items()) {
    SCOPED_TRACE(name);
    const SafetensorsTensor* tensor = file.find(name);
    ASSERT_NE(tensor, nullptr);
    EXPECT_EQ(tensor->name, name);
    EXPECT_EQ(safetensors_dtype_name(tensor->dtype), entry["dtype"].get<std::string>());
    EXPECT_EQ(tensor->shape, entry["shape"].get<std::vector<int64_t>>());
    EXPECT_EQ(to_hex(tensor->data), entry["hex"].get<std::string>());
    EXPECT_EQ(tensor->data.size(), tensor->data_end - tensor->data_begin);
    if (entry.contains("values")) {
      const auto& values = entry["values"];
      ASSERT_EQ(static_cast<size_t>(tensor->n_elements()), values.size());
      for (size_t i = 0; i < values.size(); ++i) expect_value(*tensor, i, values[i]);
    }
  }
  for (const auto& [key, value] : want["metadata"].items()) {
    const auto it = file.metadata().find(key);
    ASSERT_NE(it, file.metadata().end()) << key;
    EXPECT_EQ(it->second, value.get<std::string>());
  }
  EXPECT_EQ(file.metadata().size(), want["metadata"].size());
}

// ---- files written by the reference implementation --------------------------------------

TEST(SafetensorsGolden, EveryFileMatchesWhatTheReferenceWrote) {
  const Json expected = load_expected();
  int files = 0;
  for (const auto& [relative, want] : expected.items()) {
    if (relative == "generator") continue;
    SCOPED_TRACE(relative);
    auto file = SafetensorsFile::open(golden(relative));
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    EXPECT_EQ(file->display_name(), golden(relative).string());
    check_against_expected(*file, want);
    ++files;
  }
  EXPECT_EQ(files, 3);
}

TEST(SafetensorsGolden, ParsingBytesMatchesOpeningThePath) {
  const auto path = golden("single/model.safetensors");
  const Bytes bytes = read_file(path);
  auto from_bytes = SafetensorsFile::parse(bytes, "single");
  ASSERT_TRUE(from_bytes.ok()) << from_bytes.status().to_string();
  check_against_expected(*from_bytes, load_expected()["single/model.safetensors"]);
  // The data section starts right after the header, and tensors point into `bytes`.
  const auto& first = from_bytes->tensors().front();
  EXPECT_EQ(first.data.data(), bytes.data() + from_bytes->data_section_offset() + first.data_begin);
  EXPECT_EQ(from_bytes->data_section_offset() + from_bytes->data_section_size(), bytes.size());
}

TEST(SafetensorsGolden, TensorsAreSortedAndFindable) {
  auto file = SafetensorsFile::open(golden("single/model.safetensors"));
  ASSERT_TRUE(file.ok());
  const auto& tensors = file->tensors();
  for (size_t i = 1; i < tensors.size(); ++i) EXPECT_LT(tensors[i - 1].name, tensors[i].name);
  EXPECT_EQ(file->find("no.such.tensor"), nullptr);
  const auto* scalar = file->find("f64.scalar");
  ASSERT_NE(scalar, nullptr);
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->n_elements(), 1);
  const auto* empty = file->find("empty.rows");
  ASSERT_NE(empty, nullptr);
  EXPECT_EQ(empty->n_elements(), 0);
  EXPECT_TRUE(empty->data.empty());
  EXPECT_EQ(file->find("bf16.weight")->core_dtype(), DType::BF16);
  EXPECT_EQ(file->find("u8.values")->core_dtype(), std::nullopt);
}

TEST(SafetensorsGolden, EveryTruncationIsDataLoss) {
  // The reference writer leaves no bytes after the last tensor, so every proper prefix of the
  // file is missing something a tensor needs, or the header itself.
  const Bytes whole = read_file(golden("single/model.safetensors"));
  for (size_t size = 0; size < whole.size(); ++size) {
    const Bytes prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(size));
    const Status status = parse_status(prefix);
    ASSERT_EQ(status.code(), StatusCode::DataLoss) << size << ": " << status.to_string();
  }
}

TEST(SafetensorsGolden, MutatedFilesNeverEscapeTheirBytes) {
  // A small built-in fuzz run: flip bytes of a real file and parse. check_safetensors_bytes
  // returns Internal if a span leaves the input; under ASan any stray read aborts.
  const Bytes whole = read_file(golden("single/model.safetensors"));
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int round = 0; round < 3000; ++round) {
    Bytes bytes = whole;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      bytes[rng() % bytes.size()] = static_cast<std::byte>(rng() & 0xFF);
    }
    if (round % 7 == 0) bytes.resize(rng() % bytes.size());
    const Status status = check_safetensors_bytes(bytes);
    ASSERT_NE(status.code(), StatusCode::Internal) << status.message();
    if (status.is_ok()) ++accepted;
  }
  // Flips inside tensor data leave a valid file; flips in the header mostly do not.
  EXPECT_GT(accepted, 0);
  EXPECT_LT(accepted, 3000);
}

// ---- valid files made here ---------------------------------------------------------------

TEST(Safetensors, EmptyHeaderObjectHasNoTensors) {
  auto file = SafetensorsFile::parse(make_file("{}"), "empty");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_TRUE(file->tensors().empty());
  EXPECT_TRUE(file->metadata().empty());
  EXPECT_EQ(file->data_section_offset(), 10u);
}

TEST(Safetensors, AcceptsPaddingGapsEmptyTensorsAndUnknownFields) {
  const std::string header = R"({"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6],"extra":1},)"
                             R"("a":{"dtype":"I16","shape":[1],"data_offsets":[0,2]},)"
                             R"("z":{"dtype":"F32","shape":[0,5],"data_offsets":[2,2]},)"
                             R"("y":{"dtype":"F32","shape":[3,0],"data_offsets":[2,2]},)"
                             R"("__metadata__":{"format":"pt","k":"v"}}    )";
  const Bytes bytes = make_file(header, {1, 2, 9, 9, 3, 4, 9});
  auto file = SafetensorsFile::parse(bytes, "ok");
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  ASSERT_EQ(file->tensors().size(), 4u);
  EXPECT_EQ(file->tensors()[0].name, "a");
  const auto* b = file->find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->dtype, SafetensorsDType::U8);
  EXPECT_EQ(to_hex(b->data), "0304");
  EXPECT_EQ(file->metadata().at("k"), "v");
  EXPECT_EQ(file->data_section_size(), 7u);
}

TEST(Safetensors, SubByteTypesCountBits) {
  const Bytes f4 = make_file(R"({"w":{"dtype":"F4","shape":[2,2],"data_offsets":[0,2]}})", {1, 2});
  EXPECT_TRUE(parse_status(f4).is_ok()) << parse_status(f4).to_string();
  const Bytes f6 =
      make_file(R"({"w":{"dtype":"F6_E2M3","shape":[4],"data_offsets":[0,3]}})", {1, 2, 3});
  EXPECT_TRUE(parse_status(f6).is_ok()) << parse_status(f6).to_string();
  const Bytes odd = make_file(R"({"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}})", {1, 2});
  expect_error(parse_status(odd), StatusCode::DataLoss,
               "shape [3] of F4 is 12 bits, not a whole number of bytes");
}

TEST(Safetensors, DTypeTable) {
  for (const char* name :
       {"BOOL",        "U8",          "I8",      "U16", "I16",     "U32",    "I32",     "U64",
        "I64",         "F16",         "BF16",    "F32", "F64",     "C64",    "F8_E4M3", "F8_E5M2",
        "F8_E4M3FNUZ", "F8_E5M2FNUZ", "F8_E8M0", "F4",  "F6_E2M3", "F6_E3M2"}) {
    const auto dtype = safetensors_dtype_from_name(name);
    ASSERT_TRUE(dtype.has_value()) << name;
    EXPECT_EQ(safetensors_dtype_name(*dtype), name);
  }
  EXPECT_EQ(safetensors_dtype_from_name("f32"), std::nullopt);  // names are case-sensitive
  EXPECT_EQ(safetensors_dtype_bits(SafetensorsDType::BF16), 16u);
  EXPECT_EQ(safetensors_dtype_bits(SafetensorsDType::C64), 64u);
  EXPECT_EQ(safetensors_dtype_bits(SafetensorsDType::F4), 4u);
  EXPECT_EQ(safetensors_dtype_bits(SafetensorsDType::F6_E3M2), 6u);
  EXPECT_EQ(to_core_dtype(SafetensorsDType::F32), DType::F32);
  EXPECT_EQ(to_core_dtype(SafetensorsDType::F16), DType::F16);
  EXPECT_EQ(to_core_dtype(SafetensorsDType::I64), DType::I64);
  EXPECT_EQ(to_core_dtype(SafetensorsDType::F64), DType::F64);
  EXPECT_EQ(to_core_dtype(SafetensorsDType::U16), std::nullopt);
  EXPECT_EQ(to_core_dtype(SafetensorsDType::F8_E4M3), std::nullopt);
}

// ---- bad input: each a clear Status, never a crash ---------------------------------------

TEST(SafetensorsBad, FileShorterThanTheLength) {
  expect_error(parse_status(Bytes(5)), StatusCode::DataLoss, "file is 5 bytes, too short");
}

TEST(SafetensorsBad, HeaderLengthPastEndOfFile) {
  expect_error(parse_status(make_file("{}", {}, 100)), StatusCode::DataLoss,
               "header length 100 runs past the end of the file (2 bytes follow the length)");
}

TEST(SafetensorsBad, HeaderLengthTwoToTheSixtyThird) {
  expect_error(parse_status(make_file("{}", {}, uint64_t{1} << 63)), StatusCode::DataLoss,
               "header length 9223372036854775808 runs past the end");
  expect_error(parse_status(make_file("{}", {}, ~uint64_t{0})), StatusCode::DataLoss,
               "header length 18446744073709551615 runs past the end");
}

TEST(SafetensorsBad, HeaderOverTheCap) {
  // A sparse file: large enough to hold the claimed header, cheap on disk, and the reader must
  // refuse it before touching the header bytes.
  const auto path = test::scratch_dir() / "huge-header.safetensors";
  {
    const Bytes start = make_file("", {}, kSafetensorsMaxHeaderBytes + 1);
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(start.data()), 8);
  }
  std::filesystem::resize_file(path, kSafetensorsMaxHeaderBytes + 64);
  auto file = SafetensorsFile::open(path);
  ASSERT_FALSE(file.ok());
  expect_error(file.status(), StatusCode::OutOfRange,
               "header length 100000001 is over the limit of 100000000 bytes");
  EXPECT_NE(file.status().message().find(path.string()), std::string::npos);
}

TEST(SafetensorsBad, HeaderNotJsonNamesTheByte) {
  // The '1' where a ':' belongs is character 5 of the header, byte 8 + 5 of the file.
  expect_error(parse_status(make_file(R"({"a" 1})")), StatusCode::DataLoss,
               "[safetensors] model.safetensors: header: invalid JSON at byte 13 of the file");
  expect_error(parse_status(make_file("")), StatusCode::DataLoss, "invalid JSON at byte 8");
  expect_error(parse_status(make_file("{} x")), StatusCode::DataLoss, "invalid JSON");
  expect_error(parse_status(make_file(std::string("{\"\xff\":1}"))), StatusCode::DataLoss,
               "invalid JSON");  // not UTF-8
}

TEST(SafetensorsBad, HeaderNotAnObject) {
  expect_error(parse_status(make_file("[1, 2]")), StatusCode::DataLoss,
               "header is an array, expected a JSON object");
  expect_error(parse_status(make_file("7")), StatusCode::DataLoss, "header is 7");
}

TEST(SafetensorsBad, DeepNestingIsRefusedWithoutRecursing) {
  const std::string deep = R"({"a":)" + std::string(200000, '[') + std::string(200000, ']') + "}";
  expect_error(parse_status(make_file(deep)), StatusCode::DataLoss, "nesting deeper than");
}

TEST(SafetensorsBad, DuplicateTensorName) {
  const Bytes bytes = make_file(R"({"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                                R"("w":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}})",
                                {1, 2, 3, 4});
  expect_error(parse_status(bytes), StatusCode::DataLoss, "key 'w' appears twice");
}

TEST(SafetensorsBad, DuplicateFieldInsideAnEntry) {
  const Bytes bytes =
      make_file(R"({"w":{"dtype":"U8","dtype":"F32","shape":[2],"data_offsets":[0,2]}})", {1, 2});
  expect_error(parse_status(bytes), StatusCode::DataLoss,
               "key 'dtype' appears twice in object 'w'");
}

TEST(SafetensorsBad, WrongFieldTypes) {
  struct Case {
    const char* header;
    const char* message;
  };
  const Case cases[] = {
      {R"({"w":5})", "tensor 'w': entry is 5, expected an object"},
      {R"({"w":{"shape":[1],"data_offsets":[0,1]}})", "tensor 'w': field 'dtype' missing"},
      {R"({"w":{"dtype":1,"shape":[1],"data_offsets":[0,1]}})",
       "tensor 'w': field 'dtype' is 1, expected a string"},
      {R"({"w":{"dtype":"U8","data_offsets":[0,1]}})", "tensor 'w': field 'shape' missing"},
      {R"({"w":{"dtype":"U8","shape":"1","data_offsets":[0,1]}})",
       "tensor 'w': field 'shape' is a string, expected an array"},
      {R"({"w":{"dtype":"U8","shape":[1,-1],"data_offsets":[0,1]}})",
       "tensor 'w': shape[1] is -1, expected a non-negative integer"},
      {R"({"w":{"dtype":"U8","shape":[1.0],"data_offsets":[0,1]}})",
       "tensor 'w': shape[0] is 1.0, expected a non-negative integer"},
      {R"({"w":{"dtype":"U8","shape":[null],"data_offsets":[0,1]}})",
       "tensor 'w': shape[0] is null, expected a non-negative integer"},
      {R"({"w":{"dtype":"U8","shape":[1]}})", "tensor 'w': field 'data_offsets' missing"},
      {R"({"w":{"dtype":"U8","shape":[1],"data_offsets":{"a":0}}})",
       "tensor 'w': field 'data_offsets' is an object, expected an array"},
      {R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0]}})",
       "tensor 'w': data_offsets has 1 numbers, expected 2"},
      {R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1,2]}})",
       "tensor 'w': data_offsets has 3 numbers, expected 2"},
      {R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[-1,0]}})",
       "tensor 'w': data_offsets[0] is -1, expected a non-negative integer"},
      {R"({"w":{"dtype":"U8","shape":[1],"data_offsets":["0",1]}})",
       "tensor 'w': data_offsets[0] is a string, expected a non-negative integer"},
      {R"({"__metadata__":[1]})", "__metadata__ is an array, expected an object of strings"},
      {R"({"__metadata__":{"format":1}})", "__metadata__ 'format' is 1, expected a string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.header);
    expect_error(parse_status(make_file(c.header, {0, 0})), StatusCode::DataLoss, c.message);
  }
}

TEST(SafetensorsBad, UnknownDType) {
  const Bytes bytes = make_file(R"({"w":{"dtype":"F12","shape":[1],"data_offsets":[0,1]}})", {0});
  expect_error(parse_status(bytes), StatusCode::NotSupported,
               "tensor 'w': unknown dtype 'F12' (known: BOOL, U8");
}

TEST(SafetensorsBad, OffsetsPastTheEnd) {
  const Bytes bytes = make_file(R"({"w":{"dtype":"U8","shape":[4],"data_offsets":[0,4]}})", {1, 2});
  expect_error(parse_status(bytes), StatusCode::DataLoss,
               "tensor 'w': data_offsets [0, 4] run past the end of the data section (2 bytes)");
  const Bytes far = make_file(
      R"({"w":{"dtype":"U8","shape":[1],"data_offsets":[18446744073709551614,18446744073709551615]}})",
      {1, 2});
  expect_error(parse_status(far), StatusCode::DataLoss, "run past the end of the data section");
}

TEST(SafetensorsBad, EndBeforeBegin) {
  const Bytes bytes =
      make_file(R"({"w":{"dtype":"U8","shape":[0],"data_offsets":[4,2]}})", {1, 2, 3, 4});
  expect_error(parse_status(bytes), StatusCode::DataLoss,
               "tensor 'w': data_offsets [4, 2] end before they begin");
}

TEST(SafetensorsBad, OverlappingTensors) {
  const Bytes bytes = make_file(R"({"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},)"
                                R"("b":{"dtype":"U8","shape":[2],"data_offsets":[6,8]},)"
                                R"("c":{"dtype":"U8","shape":[2],"data_offsets":[3,5]}})",
                                std::vector<uint8_t>(8, 0));
  expect_error(parse_status(bytes), StatusCode::DataLoss,
               "tensor 'c': data_offsets [3, 5] overlap tensor 'a' at [0, 4]");
  // A tensor inside a longer one is caught too, not only neighbours.
  const Bytes inside = make_file(R"({"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},)"
                                 R"("b":{"dtype":"U8","shape":[1],"data_offsets":[6,7]}})",
                                 std::vector<uint8_t>(8, 0));
  expect_error(parse_status(inside), StatusCode::DataLoss, "tensor 'b'");
  const Bytes same = make_file(R"({"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},)"
                               R"("b":{"dtype":"I16","shape":[1],"data_offsets":[0,2]}})",
                               {1, 2});
  expect_error(parse_status(same), StatusCode::DataLoss, "overlap tensor 'a' at [0, 2]");
}

TEST(SafetensorsBad, SizeDoesNotMatchShape) {
  const Bytes bytes =
      make_file(R"({"lm_head.weight":{"dtype":"F32","shape":[4,4],"data_offsets":[0,10]}})",
                std::vector<uint8_t>(10, 0));
  const Status status = parse_status(bytes);
  EXPECT_EQ(status.code(), StatusCode::DataLoss);
  EXPECT_EQ(status.message(),
            "[safetensors] model.safetensors: tensor 'lm_head.weight': data_offsets [0, 10] hold "
            "10 bytes but shape [4, 4] of F32 needs 64");
}

TEST(SafetensorsBad, ShapeOverflow) {
  expect_error(
      parse_status(make_file(
          R"({"w":{"dtype":"U8","shape":[4294967296,4294967296,2],"data_offsets":[0,1]}})", {0})),
      StatusCode::DataLoss, "shape [4294967296, 4294967296, 2] has more than 2^64 elements");
  expect_error(parse_status(make_file(
                   R"({"w":{"dtype":"F64","shape":[2305843009213693952,2],"data_offsets":[0,8]}})",
                   std::vector<uint8_t>(8, 0))),
               StatusCode::DataLoss, "of F64 needs more than 2^64 bytes");
  expect_error(
      parse_status(make_file(
          R"({"w":{"dtype":"U8","shape":[9223372036854775808],"data_offsets":[0,1]}})", {0})),
      StatusCode::DataLoss, "shape[0] = 9223372036854775808 is larger than 9223372036854775807");
  // A zero dim makes the product zero even after huge dims: still consistent, still valid.
  EXPECT_TRUE(
      parse_status(
          make_file(R"({"w":{"dtype":"U8","shape":[9223372036854775807,0],"data_offsets":[0,0]}})"))
          .is_ok());
}

TEST(SafetensorsBad, LongNamesAreCutInMessages) {
  const std::string name(5000, 'n');
  const Bytes bytes =
      make_file(R"({")" + name + R"(":{"dtype":"U8","shape":[1],"data_offsets":[0,2]}})", {0, 0});
  const Status status = parse_status(bytes);
  expect_error(status, StatusCode::DataLoss, "(5000 bytes)");
  EXPECT_LT(status.message().size(), 500u);
}

TEST(SafetensorsBad, MissingFileIsNotFound) {
  auto file = SafetensorsFile::open(test::scratch_dir() / "absent.safetensors");
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.status().code(), StatusCode::NotFound);
}

}  // namespace
}  // namespace braid::core
