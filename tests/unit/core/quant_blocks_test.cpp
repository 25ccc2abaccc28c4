// The packed block layouts of quant_blocks.h, decoded by quant.h: every block type assembled byte
// by byte, with the expected values worked out by hand in the comments (independent of gguf-py and
// llama.cpp, which tests/unit/core/quant_test.cpp compares against).
#include "braid/core/quant_blocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "braid/core/dtype.h"
#include "braid/core/quant.h"

namespace braid::core {
namespace {

// Dequantizes one block given as raw bytes.
template <typename Block>
std::vector<float> decode(DType dtype, const Block& block, int n_values) {
  std::vector<float> out(n_values, std::nanf(""));
  const Status status = dequantize_row(dtype, &block, out.data(), n_values);
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  return out;
}

// fp16 bit patterns used below (sign·exponent·mantissa, checked by half_test):
constexpr uint16_t kHalf0_25 = 0x3400;
constexpr uint16_t kHalf0_5 = 0x3800;
constexpr uint16_t kHalf1 = 0x3c00;
constexpr uint16_t kHalf2 = 0x4000;
constexpr uint16_t kHalfMinus1 = 0xbc00;

TEST(QuantBlocks, SizesMatchDTypeTable) {
  EXPECT_EQ(sizeof(BlockQ8_0), dtype_info(DType::Q8_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_0), dtype_info(DType::Q4_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_1), dtype_info(DType::Q4_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_0), dtype_info(DType::Q5_0).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_1), dtype_info(DType::Q5_1).block_bytes);
  EXPECT_EQ(sizeof(BlockQ4_K), dtype_info(DType::Q4_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ5_K), dtype_info(DType::Q5_K).block_bytes);
  EXPECT_EQ(sizeof(BlockQ6_K), dtype_info(DType::Q6_K).block_bytes);
  EXPECT_EQ(offsetof(BlockQ6_K, d), 208u);  // Q6_K stores its scale last
}

TEST(QuantBlocks, ConvertibleTypesMatchDTypeTable) {
  for (uint32_t id = 0; id < 64; ++id) {
    const auto info = dtype_info(id);
    if (!info) continue;
    EXPECT_EQ(is_convertible(info->dtype), info->convertible) << info->name;
  }
}

TEST(QuantBlocks, Q8_0ByHand) {
  BlockQ8_0 b{};
  b.d = kHalf0_5;
  b.qs[0] = 1;      // 1 · 0.5 = 0.5
  b.qs[1] = -2;     // -1
  b.qs[2] = 127;    // 63.5
  b.qs[31] = -128;  // -64 (the reference never writes -128, but it decodes)
  const auto y = decode(DType::Q8_0, b, 32);
  EXPECT_EQ(y[0], 0.5f);
  EXPECT_EQ(y[1], -1.0f);
  EXPECT_EQ(y[2], 63.5f);
  EXPECT_EQ(y[3], 0.0f);
  EXPECT_EQ(y[31], -64.0f);
}

TEST(QuantBlocks, Q4_0ByHand) {
  BlockQ4_0 b{};
  b.d = kHalf0_5;
  std::memset(b.qs, 0x88, sizeof(b.qs));  // every nibble 8 -> (8-8)·0.5 = 0
  b.qs[0] = 0x1f;   // value 0: low nibble 15 -> (15-8)·0.5 = 3.5; value 16: high 1 -> -3.5
  b.qs[1] = 0x80;   // value 1: low 0 -> -4; value 17: high 8 -> 0
  b.qs[15] = 0xa3;  // value 15: 3 -> -2.5; value 31: 10 -> 1
  const auto y = decode(DType::Q4_0, b, 32);
  EXPECT_EQ(y[0], 3.5f);
  EXPECT_EQ(y[16], -3.5f);
  EXPECT_EQ(y[1], -4.0f);
  EXPECT_EQ(y[17], 0.0f);
  EXPECT_EQ(y[15], -2.5f);
  EXPECT_EQ(y[31], 1.0f);
  EXPECT_EQ(y[7], 0.0f);
}

TEST(QuantBlocks, Q4_1ByHand) {
  BlockQ4_1 b{};
  b.d = kHalf0_25;
  b.m = kHalfMinus1;
  b.qs[0] = 0x3a;  // value 0: 10·0.25 − 1 = 1.5; value 16: 3·0.25 − 1 = −0.25
  b.qs[5] = 0xf0;  // value 5: 0 -> −1; value 21: 15 -> 2.75
  const auto y = decode(DType::Q4_1, b, 32);
  EXPECT_EQ(y[0], 1.5f);
  EXPECT_EQ(y[16], -0.25f);
  EXPECT_EQ(y[5], -1.0f);
  EXPECT_EQ(y[21], 2.75f);
  EXPECT_EQ(y[9], -1.0f);  // q = 0 everywhere else: just m
}

TEST(QuantBlocks, Q5_0ByHand) {
  BlockQ5_0 b{};
  b.d = kHalf1;
  // qh as a little-endian u32 with bits 0 and 17 set: value 0 and value 17 get their 5th bit.
  b.qh[0] = 0x01;
  b.qh[2] = 0x02;
  b.qs[0] = 0x21;  // value 0: 1 | 16 = 17 -> 17−16 = 1; value 16: 2 (no 5th bit) -> −14
  b.qs[1] = 0x0f;  // value 1: 15 -> −1; value 17: 0 | 16 = 16 -> 0
  const auto y = decode(DType::Q5_0, b, 32);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[16], -14.0f);
  EXPECT_EQ(y[1], -1.0f);
  EXPECT_EQ(y[17], 0.0f);
  EXPECT_EQ(y[2], -16.0f);  // q = 0 -> −16
}

TEST(QuantBlocks, Q5_1ByHand) {
  BlockQ5_1 b{};
  b.d = kHalf0_5;
  b.m = kHalf2;
  b.qh[3] = 0x80;   // bit 31: value 31 gets its 5th bit
  b.qs[15] = 0xf0;  // value 15: 0 -> 0·0.5 + 2 = 2; value 31: 15 | 16 = 31 -> 15.5 + 2 = 17.5
  b.qs[0] = 0x07;   // value 0: 7 -> 5.5; value 16: 0 -> 2
  const auto y = decode(DType::Q5_1, b, 32);
  EXPECT_EQ(y[15], 2.0f);
  EXPECT_EQ(y[31], 17.5f);
  EXPECT_EQ(y[0], 5.5f);
  EXPECT_EQ(y[16], 2.0f);
}

// Sub-block scales sc = {1, 2, 3, 4, 17, 33, 50, 63} and mins m = {0, 1, 2, 3, 20, 40, 60, 5}
// packed into the 12-byte form by hand:
//   bytes 0–3:  sc[0..3] in bits 0–5, top 2 bits of sc[4..7] in bits 6–7
//               17 = 01'0001, 33 = 10'0001, 50 = 11'0010, 63 = 11'1111
//               -> 1|1<<6 = 0x41, 2|2<<6 = 0x82, 3|3<<6 = 0xc3, 4|3<<6 = 0xc4
//   bytes 4–7:  m[0..3] in bits 0–5, top 2 bits of m[4..7] in bits 6–7
//               20 = 01'0100, 40 = 10'1000, 60 = 11'1100, 5 = 00'0101
//               -> 0|1<<6 = 0x40, 1|2<<6 = 0x81, 2|3<<6 = 0xc2, 3|0 = 0x03
//   bytes 8–11: low 4 bits of sc[4..7] | low 4 bits of m[4..7] << 4
//               -> 1|4<<4 = 0x41, 1|8<<4 = 0x81, 2|12<<4 = 0xc2, 15|5<<4 = 0x5f
constexpr uint8_t kPackedScales[12] = {0x41, 0x82, 0xc3, 0xc4, 0x40, 0x81,
                                       0xc2, 0x03, 0x41, 0x81, 0xc2, 0x5f};
constexpr float kSubMin[8] = {0, 1, 2, 3, 20, 40, 60, 5};

TEST(QuantBlocks, Q4_KByHand) {
  BlockQ4_K b{};
  b.d = kHalf1;
  b.dmin = kHalf0_5;
  std::memcpy(b.scales, kPackedScales, 12);
  // Group g (values 64g..64g+63) uses qs[32g..32g+31]: low nibble -> sub-block 2g, high -> 2g+1.
  b.qs[0] = 0x3a;  // value 0 (sub 0, q 10): 1·1·10 − 0.5·0 = 10; value 32 (sub 1, q 3): 6 − 0.5
  b.qs[64] = 0x0f;  // value 128 (sub 4, q 15): 17·15 − 0.5·20 = 245; value 160 (sub 5, q 0): −20
  b.qs[96 + 5] =
      0x7c;  // value 197 (sub 6, q 12): 50·12 − 30 = 570; value 229 (sub 7, q 7): 441 − 2.5
  const auto y = decode(DType::Q4_K, b, 256);
  EXPECT_EQ(y[0], 10.0f);
  EXPECT_EQ(y[32], 5.5f);
  EXPECT_EQ(y[128], 245.0f);
  EXPECT_EQ(y[160], -20.0f);
  EXPECT_EQ(y[197], 570.0f);
  EXPECT_EQ(y[229], 438.5f);
  for (int i : {1, 33, 70, 100, 129, 200, 255}) {  // q = 0: just −dmin·m of the sub-block
    EXPECT_EQ(y[i], -0.5f * kSubMin[i / 32]) << i;
  }
}

TEST(QuantBlocks, Q5_KByHand) {
  BlockQ5_K b{};
  b.d = kHalf1;
  b.dmin = kHalf0_5;
  std::memcpy(b.scales, kPackedScales, 12);
  b.qs[0] = 0x3a;  // low nibbles as in Q4_KByHand
  b.qs[96 + 5] = 0x7c;
  b.qh[0] = 0x03;  // bit s of qh[l] = 5th bit of value l of sub-block s: values 0 and 32
  b.qh[5] = 0x80;  // sub-block 7, l = 5: value 229
  const auto y = decode(DType::Q5_K, b, 256);
  EXPECT_EQ(y[0], 26.0f);      // q = 10+16: 1·26 − 0
  EXPECT_EQ(y[32], 37.5f);     // q = 3+16: 2·19 − 0.5
  EXPECT_EQ(y[197], 570.0f);   // sub 6, bit 6 of qh[5] clear: q = 12 as in Q4_K
  EXPECT_EQ(y[229], 1446.5f);  // q = 7+16: 63·23 − 2.5
  EXPECT_EQ(y[100], -0.5f * kSubMin[3]);
}

TEST(QuantBlocks, Q6_KByHand) {
  BlockQ6_K b{};
  b.d = kHalf0_5;
  const int8_t scales[16] = {2, -3, 4, 0, 1, 0, -1, 0, 10, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(b.scales, scales, 16);
  // First half, l = 0: qh[0] = 0b00'01'10'11 -> high bits 3 (value 0), 2 (value 32),
  // 1 (value 64), 0 (value 96).
  b.qh[0] = 0x1b;
  b.ql[0] = 0x21;   // value 0: 1 | 3<<4 = 49 -> 17, sub 0: 0.5·2·17 = 17
                    // value 64: 2 | 1<<4 = 18 -> −14, sub 4: 0.5·1·(−14) = −7
  b.ql[32] = 0xf0;  // value 32: 0 | 2<<4 = 32 -> 0, sub 2: 0
                    // value 96: 15 | 0 = 15 -> −17, sub 6: 0.5·(−1)·(−17) = 8.5
  // Second half (ql[64..], qh[32..], scales[8..]), l = 0: value 128 = 5 | 2<<4 = 37 -> 5,
  // sub 8: 0.5·10·5 = 25.
  b.ql[64] = 0x05;
  b.qh[32] = 0x02;
  const auto y = decode(DType::Q6_K, b, 256);
  EXPECT_EQ(y[0], 17.0f);
  EXPECT_EQ(y[64], -7.0f);
  EXPECT_EQ(y[32], 0.0f);
  EXPECT_EQ(y[96], 8.5f);
  EXPECT_EQ(y[128], 25.0f);
  EXPECT_EQ(y[16], 48.0f);  // l = 16 is sub-block 1: q = 0 -> −32, 0.5·(−3)·(−32)
  EXPECT_EQ(y[1], -32.0f);  // sub 0, q −32: 0.5·2·(−32)
  EXPECT_EQ(y[48], 0.0f);   // sub 3 has scale 0
}

}  // namespace
}  // namespace braid::core
