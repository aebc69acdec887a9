// The abuse limiters of net/limits: token bucket, per-source buckets, the
// flapping ban, the jittered Retry-After. Time is passed in.
#include <gtest/gtest.h>

#include "net/limits/flap_ban.hpp"
#include "net/limits/retry_after.hpp"
#include "net/limits/source_buckets.hpp"
#include "net/limits/token_bucket.hpp"

namespace {

using namespace std::chrono_literals;
using tether::net::limit_clock;

TEST(TokenBucket, BurstThenRate) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::token_bucket b{2.0, 3, t0};
  EXPECT_TRUE(b.take(t0));
  EXPECT_TRUE(b.take(t0));
  EXPECT_TRUE(b.take(t0));
  EXPECT_FALSE(b.take(t0));
  EXPECT_EQ(b.wait(t0), 500ms);
  EXPECT_FALSE(b.take(t0 + 499ms));
  EXPECT_TRUE(b.take(t0 + 500ms));
  EXPECT_FALSE(b.take(t0 + 500ms));
  EXPECT_FALSE(b.full(t0 + 1s));
  EXPECT_TRUE(b.full(t0 + 10s)); // never more than the burst
  EXPECT_TRUE(b.take(t0 + 10s));
  EXPECT_TRUE(b.take(t0 + 10s));
  EXPECT_TRUE(b.take(t0 + 10s));
  EXPECT_FALSE(b.take(t0 + 10s));
}

TEST(SourceBuckets, OneSourceIsLimitedOthersAreNot) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::source_buckets s{1.0, 2};
  EXPECT_EQ(s.take("127.0.0.2", t0), 0ms);
  EXPECT_EQ(s.take("127.0.0.2", t0), 0ms);
  EXPECT_EQ(s.take("127.0.0.2", t0), 1000ms);
  EXPECT_EQ(s.take("127.0.0.3", t0), 0ms);
  EXPECT_EQ(s.take("127.0.0.2", t0 + 1s), 0ms);
}

TEST(SourceBuckets, ManyTokensAtOnceAreAllTakenOrNone) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::source_buckets s{10.0, 50};
  EXPECT_EQ(s.take("k1", size_t{30}, t0), 0ms);
  // 20 left: 25 takes none and says when 25 are there (5 more at 10/s).
  EXPECT_EQ(s.take("k1", size_t{25}, t0), 500ms);
  EXPECT_EQ(s.take("k1", size_t{20}, t0), 0ms) << "the refused 25 took none";
  EXPECT_EQ(s.take("k1", t0), 100ms);
  EXPECT_EQ(s.take("k1", size_t{10}, t0 + 1s), 0ms);
  EXPECT_EQ(s.take("k2", size_t{50}, t0), 0ms) << "other keys: their own";
}

TEST(SourceBuckets, BoundedByForgettingFullBuckets) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::source_buckets s{1.0, 1, 2};
  EXPECT_EQ(s.take("a", t0), 0ms);
  EXPECT_EQ(s.take("b", t0), 0ms);
  EXPECT_EQ(s.take("c", t0), 0ms); // table full, none full again: not kept
  EXPECT_EQ(s.size(), 2u);
  EXPECT_EQ(s.take("c", t0 + 2s), 0ms); // a and b refilled: forgotten
  EXPECT_EQ(s.size(), 1u);
}

TEST(FlapBan, MoreThanTheLimitInAMinuteBansForTheBanTime) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::flap_ban f{3, 5min};
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f.connect("T1", t0 + i * 1s).retry_after, 0ms);
  auto fourth = f.connect("T1", t0 + 3s);
  EXPECT_EQ(fourth.retry_after, 5min);
  EXPECT_TRUE(fourth.banned_now);
  auto later = f.connect("T1", t0 + 63s);
  EXPECT_EQ(later.retry_after, 5min - 60s);
  EXPECT_FALSE(later.banned_now);
  EXPECT_EQ(f.connect("T2", t0 + 3s).retry_after, 0ms); // others unaffected
  EXPECT_EQ(f.connect("T1", t0 + 3s + 5min).retry_after, 0ms);
}

TEST(FlapBan, ANewMinuteStartsANewCount) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::flap_ban f{2, 5min};
  EXPECT_EQ(f.connect("T1", t0).retry_after, 0ms);
  EXPECT_EQ(f.connect("T1", t0 + 59s).retry_after, 0ms);
  EXPECT_EQ(f.connect("T1", t0 + 61s).retry_after, 0ms);
  EXPECT_EQ(f.connect("T1", t0 + 62s).retry_after, 0ms);
  EXPECT_NE(f.connect("T1", t0 + 63s).retry_after, 0ms);
}

TEST(FlapBan, ConnectsTheServerRefusedDoNotCount) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::flap_ban f{3, 5min};
  // A device retrying while its cluster has no live node: every connect is
  // refused by the server and taken back, so 12 in a minute (4 x the limit)
  // ban nothing.
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(f.connect("T1", t0 + i * 1s).retry_after, 0ms) << i;
    f.forgive("T1", t0 + i * 1s);
  }
  // Its own connects still count: three pass, the fourth is banned.
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(f.connect("T1", t0 + 21s).retry_after, 0ms);
  EXPECT_TRUE(f.connect("T1", t0 + 22s).banned_now);
  f.forgive("T1", t0 + 23s); // a ban already started stays
  EXPECT_NE(f.connect("T1", t0 + 24s).retry_after, 0ms);
  f.forgive("T9", t0); // an id never seen: nothing to take back
  EXPECT_EQ(f.connect("T9", t0).retry_after, 0ms);
}

TEST(FlapBan, AtMostFourTimesTheLimitIsForgivenAMinute) {
  auto t0 = limit_clock::time_point{} + 1h;
  tether::net::flap_ban f{3, 5min};
  // 12 (4 x 3) refused connects are taken back, then three more count.
  int passed = 0;
  for (int i = 0; i < 20; ++i) {
    if (f.connect("T1", t0 + i * 1s).retry_after != 0ms)
      break;
    ++passed;
    f.forgive("T1", t0 + i * 1s);
  }
  EXPECT_EQ(passed, 15);
  // A new minute forgives again.
  tether::net::flap_ban g{3, 5min};
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(g.connect("T1", t0).retry_after, 0ms);
    g.forgive("T1", t0);
  }
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(g.connect("T1", t0 + 61s).retry_after, 0ms) << i;
    g.forgive("T1", t0 + 61s);
  }
}

TEST(RetryAfter, WholeSecondsWithBoundedJitter) {
  for (int i = 0; i < 100; ++i) {
    auto s = tether::net::jittered_seconds(1500ms);
    EXPECT_GE(s, 2);
    EXPECT_LE(s, 3);
    auto ban = tether::net::jittered_seconds(300s);
    EXPECT_GE(ban, 300);
    EXPECT_LE(ban, 375);
  }
  EXPECT_GE(tether::net::jittered_seconds(0ms), 1);
}

} // namespace
