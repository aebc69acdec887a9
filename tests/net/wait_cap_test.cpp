// wait_cap: a queue's cap that judges by expected wait, with a hard count
// cap as the last guard (time passed in: a fake clock).
#include <gtest/gtest.h>

#include "net/limits/wait_cap.hpp"

namespace {

using namespace std::chrono_literals;
using tether::net::wait_cap;

const auto t0 = wait_cap::clock::time_point{} + 1h;

/// A queue of `waiting` served at 100 a second for 200 ms from t0 (its
/// first answer after 10 ms).
void drain_at_100_per_s(wait_cap& cap, size_t waiting) {
  for (int i = 0; i <= 20; ++i)
    cap.judge(t0 + i * 10ms, waiting, static_cast<uint64_t>(i));
}

TEST(WaitCap, BelowTheCountAlwaysTakes) {
  wait_cap cap{10, 1s};
  for (size_t w = 0; w < 10; ++w)
    EXPECT_TRUE(cap.judge(t0, w, 0).admit) << w;
}

TEST(WaitCap, OverTheCountTakesWhileTheExpectedWaitIsShort) {
  wait_cap cap{100, 2s}; // the hard cap, 800, is far
  drain_at_100_per_s(cap, 150);
  auto v = cap.judge(t0 + 200ms, 150, 20);
  EXPECT_TRUE(v.admit);
  ASSERT_TRUE(v.wait);
  EXPECT_EQ(*v.wait, 1510ms) << "151 to serve at 100 a second";
  v = cap.judge(t0 + 200ms, 199, 20);
  EXPECT_TRUE(v.admit) << "2 s: just within";
  v = cap.judge(t0 + 200ms, 200, 20);
  EXPECT_FALSE(v.admit);
  ASSERT_TRUE(v.wait);
  EXPECT_EQ(*v.wait, 2010ms) << "refused, with the wait it would have had";
}

TEST(WaitCap, OverTheCountRefusesWhileNothingIsMeasuredOrServed) {
  wait_cap cap{10, 1s};
  cap.judge(t0, 9, 0);
  auto first = cap.judge(t0 + 1ms, 10, 0); // a burst's first milliseconds
  EXPECT_FALSE(first.admit);
  EXPECT_FALSE(first.wait);
  auto stalled = cap.judge(t0 + 500ms, 10, 0); // nothing served since
  EXPECT_FALSE(stalled.admit);
  EXPECT_FALSE(stalled.wait);
}

TEST(WaitCap, TheHardCapRefusesHoweverFastTheQueueDrains) {
  wait_cap cap{10, 3s};
  EXPECT_EQ(cap.hard(), 80u);
  for (int i = 0; i <= 150; ++i) // 10,000 a second
    cap.judge(t0 + i * 1ms, 50, static_cast<uint64_t>(i) * 10);
  EXPECT_TRUE(cap.judge(t0 + 150ms, 79, 1500).admit);
  auto v = cap.judge(t0 + 150ms, 80, 1500);
  EXPECT_FALSE(v.admit);
  ASSERT_TRUE(v.wait);
  EXPECT_LT(*v.wait, 3s) << "refused by the count, not by the wait";
}

TEST(WaitCap, NoMaxWaitIsTheCountAlone) {
  wait_cap cap{10, 0ms};
  EXPECT_EQ(cap.hard(), 10u);
  drain_at_100_per_s(cap, 10);
  EXPECT_TRUE(cap.judge(t0 + 200ms, 9, 20).admit);
  EXPECT_FALSE(cap.judge(t0 + 200ms, 10, 20).admit);
}

} // namespace
