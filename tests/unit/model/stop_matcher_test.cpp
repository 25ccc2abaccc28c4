#include "braid/model/stop_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace braid::model {
namespace {

// Feeds pieces one by one and returns everything released, in order, plus the final state.
struct Streamed {
  std::string shown;
  bool stopped = false;
  size_t stop_index = 0;
  size_t stopped_at_piece = 0;
};

Streamed feed(StopMatcher& matcher, const std::vector<std::string>& pieces) {
  Streamed run;
  for (size_t i = 0; i < pieces.size(); ++i) {
    const StopMatch m = matcher.push(pieces[i]);
    run.shown += m.text;
    if (m.stopped && !run.stopped) {
      run.stopped = true;
      run.stop_index = m.stop_index;
      run.stopped_at_piece = i;
    }
  }
  if (!run.stopped) run.shown += matcher.flush();
  return run;
}

TEST(StopMatcher, StopStringAcrossPieces) {
  StopMatcher matcher({"Observation:"});
  const Streamed run = feed(matcher, {"Thought: look", " it up\nObs", "erv", "ation: 42", " more"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.stop_index, 0u);
  EXPECT_EQ(run.stopped_at_piece, 3u);
  EXPECT_EQ(run.shown, "Thought: look it up\n");
}

TEST(StopMatcher, HoldsBackOnlyWhatCouldStartAStop) {
  StopMatcher matcher({"</s>", "###"});
  StopMatch m = matcher.push("hello <");
  EXPECT_EQ(m.text, "hello ");  // "<" may begin "</s>"
  EXPECT_FALSE(m.stopped);
  EXPECT_EQ(matcher.held_back(), 1u);
  m = matcher.push("/");
  EXPECT_EQ(m.text, "");
  EXPECT_EQ(matcher.held_back(), 2u);
  m = matcher.push("b> #");  // "</b>" is not a stop: released; "#" held
  EXPECT_EQ(m.text, "</b> ");
  EXPECT_EQ(matcher.held_back(), 1u);
  m = matcher.push("#!");
  EXPECT_EQ(m.text, "##!");
  EXPECT_EQ(matcher.held_back(), 0u);
  m = matcher.push("plain");
  EXPECT_EQ(m.text, "plain");  // nothing in it can start a stop string
  EXPECT_EQ(matcher.flush(), "");
}

TEST(StopMatcher, OverlappingPrefixes) {
  // "aaab": after "aaa" the tail "aa" may still become "aab"; the first "a" is final.
  StopMatcher matcher({"aab"});
  EXPECT_EQ(matcher.push("a").text, "");
  EXPECT_EQ(matcher.push("a").text, "");
  EXPECT_EQ(matcher.push("a").text, "a");
  const StopMatch m = matcher.push("b");
  EXPECT_TRUE(m.stopped);
  EXPECT_EQ(m.text, "");
}

TEST(StopMatcher, EarliestStopWinsThenListOrder) {
  StopMatcher matcher({"world", "lo w", "lo"});
  const StopMatch m = matcher.push("hello world");
  EXPECT_TRUE(m.stopped);
  EXPECT_EQ(m.stop_index, 1u);  // "lo w" and "lo" start at the same byte; "lo w" is listed first
  EXPECT_EQ(m.text, "hel");
  EXPECT_TRUE(matcher.push("more").text.empty());
  EXPECT_TRUE(matcher.push("more").stopped == false);
  EXPECT_TRUE(matcher.stopped());
  EXPECT_EQ(matcher.flush(), "");
}

TEST(StopMatcher, StopInsideOnePieceWithTextAfter) {
  StopMatcher matcher({"\n\n"});
  const Streamed run = feed(matcher, {"line one\n", "\nline two"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.shown, "line one");
}

TEST(StopMatcher, Utf8StopSplitInsideACharacter) {
  // "停止" is 6 bytes; byte-level token pieces may cut it anywhere.
  const std::string stop = "\xe5\x81\x9c\xe6\xad\xa2";
  StopMatcher matcher({stop});
  const Streamed run = feed(matcher, {"ok \xe5", "\x81", "\x9c\xe6", "\xad\xa2", "tail"});
  EXPECT_TRUE(run.stopped);
  EXPECT_EQ(run.stopped_at_piece, 3u);
  EXPECT_EQ(run.shown, "ok ");
}

TEST(StopMatcher, NoStopFlushReleasesTheHeldTail) {
  StopMatcher matcher({"STOP"});
  const Streamed run = feed(matcher, {"almost ST", "O"});
  EXPECT_FALSE(run.stopped);
  EXPECT_EQ(run.shown, "almost STO");
}

TEST(StopMatcher, EmptyStopStringsAreIgnoredAndResetStartsOver) {
  StopMatcher matcher({"", "end"});
  StopMatch m = matcher.push("the en");
  EXPECT_EQ(m.text, "the ");
  m = matcher.push("d");
  EXPECT_TRUE(m.stopped);
  EXPECT_EQ(m.stop_index, 1u);
  matcher.reset();
  EXPECT_FALSE(matcher.stopped());
  EXPECT_EQ(matcher.push("again").text, "again");
  StopMatcher none({});
  EXPECT_EQ(none.push("anything at all").text, "anything at all");
}

}  // namespace
}  // namespace braid::model
