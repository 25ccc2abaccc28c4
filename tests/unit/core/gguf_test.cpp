// GGUF reader and writer: round trips through the writer, and hostile files built byte by byte
// (independently of the writer) that must each give one clear error.
#include "braid/core/gguf.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "braid/core/gguf_writer.h"

namespace braid::core {
namespace {

// Builds raw GGUF bytes field by field, so malformed files can be made on purpose.
class RawGguf {
 public:
  RawGguf& u8(uint8_t v) { return pod(v); }
  RawGguf& u32(uint32_t v) { return pod(v); }
  RawGguf& u64(uint64_t v) { return pod(v); }
  RawGguf& str(const std::string& s) {
    u64(s.size());
    for (char c : s) bytes.push_back(static_cast<std::byte>(c));
    return *this;
  }
  RawGguf& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    u32(kGgufMagic).u32(version).u64(n_tensors).u64(n_kv);
    return *this;
  }
  RawGguf& pad_to(uint64_t alignment) {
    while (bytes.size() % alignment) bytes.push_back(std::byte{0});
    return *this;
  }
  RawGguf& zeros(size_t n) {
    bytes.resize(bytes.size() + n);
    return *this;
  }
  template <typename T>
  RawGguf& pod(T v) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes.insert(bytes.end(), p, p + sizeof(T));
    return *this;
  }
  std::vector<std::byte> bytes;
};

Result<GgufFile> parse(const std::vector<std::byte>& bytes) {
  return GgufFile::parse({bytes.data(), bytes.size()}, "test.gguf");
}

// Expects a parse failure whose message contains `needle`.
void expect_error(const std::vector<std::byte>& bytes, const std::string& needle) {
  auto file = parse(bytes);
  ASSERT_FALSE(file.ok()) << "expected an error containing: " << needle;
  EXPECT_NE(file.status().message().find(needle), std::string::npos) << file.status().message();
  EXPECT_NE(file.status().message().find("test.gguf"), std::string::npos);
}

GgufWriter writer_with_everything() {
  GgufWriter writer;
  writer.set("general.architecture", "llama");
  writer.set("t.u8", GgufValue{uint8_t{200}});
  writer.set("t.i8", GgufValue{int8_t{-100}});
  writer.set("t.u16", GgufValue{uint16_t{60000}});
  writer.set("t.i16", GgufValue{int16_t{-30000}});
  writer.set("t.u32", GgufValue{uint32_t{4000000000u}});
  writer.set("t.i32", GgufValue{int32_t{-2000000000}});
  writer.set("t.f32", GgufValue{1.5f});
  writer.set("t.bool", GgufValue{true});
  writer.set("t.u64", GgufValue{uint64_t{1} << 60});
  writer.set("t.i64", GgufValue{int64_t{-1} << 60});
  writer.set("t.f64", GgufValue{-2.25});
  writer.set("t.strings", gguf_array(std::vector<std::string>{"a", "", "ü ▁"}));
  writer.set("t.floats", gguf_array(std::vector<float>{0.5f, -1.0f}));
  GgufArray inner1 = std::get<GgufArray>(gguf_array(std::vector<int32_t>{1, 2}).data);
  GgufArray inner2 = std::get<GgufArray>(gguf_array(std::vector<int32_t>{3}).data);
  GgufArray nested;
  nested.element_type = GgufValueType::Array;
  nested.items = {GgufValue{inner1}, GgufValue{inner2}};
  writer.set("t.nested", GgufValue{nested});
  return writer;
}

TEST(Gguf, RoundTripsEveryValueType) {
  GgufWriter writer = writer_with_everything();
  auto bytes = writer.to_bytes();
  ASSERT_TRUE(bytes.ok());
  auto file = parse(*bytes);
  ASSERT_TRUE(file.ok()) << file.status().to_string();
  EXPECT_EQ(file->version(), 3u);
  EXPECT_EQ(file->metadata().size(), 15u);
  EXPECT_EQ(file->metadata()[0].key, "general.architecture");  // order kept
  EXPECT_EQ(*file->get<std::string>("general.architecture"), "llama");
  EXPECT_EQ(*file->get<uint8_t>("t.u8"), 200);
  EXPECT_EQ(*file->get<int8_t>("t.i8"), -100);
  EXPECT_EQ(*file->get<uint16_t>("t.u16"), 60000);
  EXPECT_EQ(*file->get<int16_t>("t.i16"), -30000);
  EXPECT_EQ(*file->get<uint32_t>("t.u32"), 4000000000u);
  EXPECT_EQ(*file->get<int32_t>("t.i32"), -2000000000);
  EXPECT_EQ(*file->get<float>("t.f32"), 1.5f);
  EXPECT_EQ(*file->get<bool>("t.bool"), true);
  EXPECT_EQ(*file->get<uint64_t>("t.u64"), uint64_t{1} << 60);
  EXPECT_EQ(*file->get<int64_t>("t.i64"), int64_t{-1} << 60);
  EXPECT_EQ(*file->get<double>("t.f64"), -2.25);
  EXPECT_EQ(*file->get<std::vector<std::string>>("t.strings"),
            (std::vector<std::string>{"a", "", "ü ▁"}));
  EXPECT_EQ(*file->get<std::vector<float>>("t.floats"), (std::vector<float>{0.5f, -1.0f}));
  auto nested = file->get<std::vector<std::vector<int64_t>>>("t.nested");
  ASSERT_TRUE(nested.ok()) << nested.status().to_string();
  EXPECT_EQ(*nested, (std::vector<std::vector<int64_t>>{{1, 2}, {3}}));
}

TEST(Gguf, TypedAccessConvertsIntegersThatFitAndNamesTheKey) {
  auto bytes = writer_with_everything().to_bytes();
  auto file = parse(*bytes);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ(*file->get<int64_t>("t.u32"), 4000000000);  // widening is fine
  auto narrow = file->get<int32_t>("t.u32");            // does not fit
  EXPECT_EQ(narrow.status().code(), StatusCode::OutOfRange);
  auto negative = file->get<uint32_t>("t.i8");
  EXPECT_EQ(negative.status().code(), StatusCode::OutOfRange);
  auto wrong = file->get<uint32_t>("general.architecture");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().message(),
            "[gguf] test.gguf: key 'general.architecture': expected an integer, found string");
  auto missing = file->get<uint32_t>("llama.block_count");
  EXPECT_EQ(missing.status().code(), StatusCode::NotFound);
  auto optional = file->get_optional<uint32_t>("llama.block_count");
  ASSERT_TRUE(optional.ok());
  EXPECT_FALSE(optional->has_value());
}

TEST(Gguf, RoundTripsTensorsAtAlignedOffsets) {
  for (uint32_t alignment : {32u, 64u, 1u}) {
    GgufWriter writer(alignment);
    std::vector<float> a = {1, 2, 3, 4, 5, 6};
    std::vector<std::byte> q(2 * 34, std::byte{7});
    ASSERT_TRUE(
        writer
            .add_tensor("a", DType::F32, {2, 3}, {reinterpret_cast<const std::byte*>(a.data()), 24})
            .is_ok());
    ASSERT_TRUE(writer.add_tensor("q", DType::Q8_0, {2, 32}, {q.data(), q.size()}).is_ok());
    ASSERT_TRUE(writer
                    .add_tensor("filled", DType::F16, {5},
                                [](std::span<std::byte> out) {
                                  for (auto& b : out) b = std::byte{0x3c};
                                  return Status::ok();
                                })
                    .is_ok());
    auto bytes = writer.to_bytes();
    ASSERT_TRUE(bytes.ok());
    auto file = parse(*bytes);
    ASSERT_TRUE(file.ok()) << file.status().to_string();
    EXPECT_EQ(file->alignment(), alignment);
    ASSERT_EQ(file->tensors().size(), 3u);
    const auto* ta = file->find_tensor("a");
    ASSERT_NE(ta, nullptr);
    EXPECT_EQ(ta->shape, (std::vector<int64_t>{2, 3}));
    EXPECT_EQ(ta->n_elements, 6);
    EXPECT_EQ(ta->file_offset % alignment, 0u);
    auto data = file->tensor_data(*ta);
    ASSERT_EQ(data.size(), 24u);
    EXPECT_EQ(std::memcmp(data.data(), a.data(), 24), 0);
    const auto* tq = file->find_tensor("q");
    ASSERT_NE(tq, nullptr);
    EXPECT_EQ(tq->dtype, DType::Q8_0);
    EXPECT_EQ(tq->n_bytes, 68u);
    EXPECT_EQ(file->tensor_data(*tq)[67], std::byte{7});
    const auto* tf = file->find_tensor("filled");
    EXPECT_EQ(file->tensor_data(*tf)[9], std::byte{0x3c});
    EXPECT_EQ(file->find_tensor("absent"), nullptr);
  }
}

TEST(Gguf, WriterRejectsBadTensors) {
  GgufWriter writer;
  std::vector<std::byte> data(64);
  EXPECT_FALSE(writer.add_tensor("x", DType::F32, {4}, {data.data(), 15}).is_ok());
  EXPECT_FALSE(writer.add_tensor("x", DType::Q4_0, {31}, {data.data(), 18}).is_ok());
  EXPECT_FALSE(writer.add_tensor(std::string(64, 'n'), DType::F32, {1}, {data.data(), 4}).is_ok());
  EXPECT_FALSE(writer.add_tensor("x", DType::F32, {1, 1, 1, 1, 1}, {data.data(), 4}).is_ok());
  EXPECT_TRUE(writer.add_tensor("x", DType::F32, {4}, {data.data(), 16}).is_ok());
  EXPECT_FALSE(writer.add_tensor("x", DType::F32, {4}, {data.data(), 16}).is_ok());  // duplicate
}

TEST(Gguf, EveryTruncationFailsCleanly) {
  GgufWriter writer = writer_with_everything();
  std::vector<float> a(8, 1.0f);
  ASSERT_TRUE(
      writer.add_tensor("a", DType::F32, {8}, {reinterpret_cast<const std::byte*>(a.data()), 32})
          .is_ok());
  auto bytes = writer.to_bytes();
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(parse(*bytes).ok());
  for (size_t n = 0; n < bytes->size(); ++n) {
    std::vector<std::byte> prefix(bytes->begin(), bytes->begin() + n);
    auto file = parse(prefix);
    EXPECT_FALSE(file.ok()) << "a prefix of " << n << " bytes parsed";
    if (!file.ok()) {
      EXPECT_EQ(file.status().code(), StatusCode::DataLoss);
    }
  }
}

TEST(Gguf, RejectsWrongMagicAndVersions) {
  expect_error(RawGguf().u32(0x46554746).u32(3).u64(0).u64(0).bytes, "expected \"GGUF\"");
  expect_error({}, "too short");
  expect_error(RawGguf().header(0, 0, 4).bytes, "expected 2 or 3, found 4");
  expect_error(RawGguf().header(0, 0, 0x03000000).bytes, "big-endian");
  auto v1 = parse(RawGguf().header(0, 0, 1).bytes);
  EXPECT_EQ(v1.status().code(), StatusCode::NotSupported);
  EXPECT_TRUE(parse(RawGguf().header(0, 0, 2).bytes).ok());
}

TEST(Gguf, RejectsImpossibleCountsBeforeAllocating) {
  expect_error(RawGguf().header(0, uint64_t{1} << 62).bytes, "kv_count");
  expect_error(RawGguf().header(std::numeric_limits<uint64_t>::max(), 0).bytes, "tensor_count");
  // An array claiming 2^40 u64 items with a few bytes left.
  expect_error(RawGguf().header(0, 1).str("k").u32(9).u32(10).u64(uint64_t{1} << 40).bytes,
               "cannot fit");
}

TEST(Gguf, RejectsHugeStringLengths) {
  expect_error(RawGguf().header(0, 1).u64(uint64_t{1} << 63).zeros(16).bytes, "string length");
  expect_error(RawGguf().header(0, 1).str("k").u32(8).u64(uint64_t{1} << 63).bytes,
               "string length 9223372036854775808");
}

TEST(Gguf, RejectsBadValues) {
  expect_error(RawGguf().header(0, 1).str("k").u32(13).u32(0).bytes, "unknown value type 13");
  expect_error(RawGguf().header(0, 1).str("k").u32(7).u8(2).bytes, "bool must be 0 or 1");
  expect_error(RawGguf().header(0, 2).str("k").u32(4).u32(1).str("k").u32(4).u32(2).bytes,
               "duplicate key");
  expect_error(RawGguf().header(0, 1).str("").u32(4).u32(1).bytes, "empty key");
  expect_error(RawGguf().header(0, 1).str("general.alignment").u32(4).u32(48).bytes,
               "not a power of two");
  expect_error(RawGguf().header(0, 1).str("general.alignment").u32(5).pod(int32_t{32}).bytes,
               "expected u32");
  RawGguf deep;
  deep.header(0, 1).str("k");
  deep.u32(9);
  for (int i = 0; i < 20; ++i) deep.u32(9).u64(1);
  deep.u32(0).u64(0);
  expect_error(deep.bytes, "nested deeper");
}

// One tensor info followed by padding and `data_bytes` of data.
RawGguf one_tensor(const std::string& name,
                   std::vector<uint64_t> dims,
                   uint32_t type,
                   uint64_t offset,
                   size_t data_bytes) {
  RawGguf raw;
  raw.header(1, 0).str(name).u32(static_cast<uint32_t>(dims.size()));
  for (auto d : dims) raw.u64(d);
  raw.u32(type).u64(offset).pad_to(32).zeros(data_bytes);
  return raw;
}

TEST(Gguf, RejectsBadTensorInfos) {
  EXPECT_TRUE(parse(one_tensor("w", {4, 2}, 0, 0, 32).bytes).ok());
  expect_error(one_tensor("w", {4, 2}, 0, 0, 31).bytes, "runs past the end");
  expect_error(one_tensor("w", {4, 2}, 0, 1u << 20, 32).bytes, "runs past the end");
  expect_error(one_tensor("w", {4, 2}, 0, 16, 64).bytes, "not a multiple of the alignment");
  expect_error(one_tensor("w", {4, 2}, 4, 0, 64).bytes, "unknown tensor type id 4");
  expect_error(one_tensor("w", {4, 2}, 1000, 0, 64).bytes, "unknown tensor type id 1000");
  expect_error(one_tensor("w", {31}, 2, 0, 64).bytes, "not a multiple of the Q4_0 block size 32");
  expect_error(one_tensor("w", {uint64_t{1} << 40, uint64_t{1} << 40}, 0, 0, 64).bytes,
               "product of the dims overflows");
  expect_error(one_tensor("w", {uint64_t{1} << 63}, 0, 0, 64).bytes, "out of range");
  expect_error(one_tensor("w", {1, 1, 1, 1, 1}, 0, 0, 64).bytes, "n_dims = 5");
  expect_error(one_tensor("w", {}, 0, 0, 64).bytes, "n_dims = 0");
  expect_error(one_tensor(std::string(64, 'x'), {4}, 0, 0, 64).bytes, "at most 63 allowed");
  expect_error(one_tensor("", {4}, 0, 0, 64).bytes, "empty name");
  // 2^61 f32 values: the element count fits int64, the byte count does not.
  expect_error(one_tensor("w", {uint64_t{1} << 61, 4}, 0, 0, 64).bytes, "overflow");
}

TEST(Gguf, RejectsOverlappingAndDuplicateTensors) {
  RawGguf raw;
  raw.header(2, 0);
  raw.str("a").u32(1).u64(16).u32(0).u64(0);
  raw.str("b").u32(1).u64(16).u32(0).u64(32);  // a spans [0, 64): b starts inside it
  raw.pad_to(32).zeros(128);
  expect_error(raw.bytes, "overlaps tensor 'a'");
  RawGguf dup;
  dup.header(2, 0);
  dup.str("a").u32(1).u64(8).u32(0).u64(0);
  dup.str("a").u32(1).u64(8).u32(0).u64(32);
  dup.pad_to(32).zeros(64);
  expect_error(dup.bytes, "duplicate tensor name");
}

TEST(Gguf, ErrorsNameTheByteOffset) {
  auto file = parse(RawGguf().header(0, 1).str("k").u32(13).bytes);
  ASSERT_FALSE(file.ok());
  // header 24 bytes + key (8 + 1): the type starts at 33.
  EXPECT_NE(file.status().message().find("offset 33"), std::string::npos)
      << file.status().message();
}

}  // namespace
}  // namespace braid::core
