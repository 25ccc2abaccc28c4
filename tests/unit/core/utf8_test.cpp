#include "braid/core/utf8.h"

#include <gtest/gtest.h>

namespace braid::core {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("plain ascii"));
  EXPECT_TRUE(is_valid_utf8("ü ▁ 🦙 \xF4\x8F\xBF\xBF"));  // U+10FFFF is the last code point
  uint32_t cp = 0;
  EXPECT_EQ(decode_utf8("🦙", 0, &cp), 4u);
  EXPECT_EQ(cp, 0x1F999u);
}

TEST(Utf8, RejectsMalformedSequencesAtTheirOffset) {
  EXPECT_EQ(find_invalid_utf8("ab\xC0\xAF"), 2u);         // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xED\xA0\x80"), 0u);       // a surrogate
  EXPECT_EQ(find_invalid_utf8("x\xF4\x90\x80\x80"), 1u);  // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("abc\xE2\x96"), 3u);        // truncated at the end
  EXPECT_EQ(find_invalid_utf8("\x80"), 0u);               // a lone continuation byte
  EXPECT_EQ(find_invalid_utf8("ok\xFF"), 2u);
}

TEST(Utf8, AppendRoundTrips) {
  for (uint32_t cp : {0x24u, 0xA2u, 0x20ACu, 0x10348u, 0x10FFFFu}) {
    std::string text;
    append_utf8(text, cp);
    uint32_t back = 0;
    EXPECT_EQ(decode_utf8(text, 0, &back), text.size());
    EXPECT_EQ(back, cp);
  }
}

}  // namespace
}  // namespace braid::core
