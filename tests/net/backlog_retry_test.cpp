// backlog_seconds: the Retry-After of a request refused by a cap that
// judges by wait (net/limits/retry_after.hpp); the draw is passed in.
#include <gtest/gtest.h>

#include <utility>

#include "net/limits/retry_after.hpp"

namespace {

using namespace std::chrono_literals;
using tether::net::backlog_seconds;

/// A draw that records its bounds and picks the low (or high) one.
struct bounds {
  int64_t lo = -1, hi = -1;
  bool high = false;
  int64_t operator()(int64_t l, int64_t h) {
    lo = l;
    hi = h;
    return high ? h : l;
  }
};

TEST(BacklogRetry, SpreadFromWhenTheCapTakesAgainToWhenTheQueueIsGone) {
  bounds b;
  EXPECT_EQ(backlog_seconds(8s, 3s, 2s, std::ref(b)), 5);
  EXPECT_EQ(b.lo, 5000);
  EXPECT_EQ(b.hi, 8000);
  b.high = true;
  EXPECT_EQ(backlog_seconds(8'400ms, 3s, 2s, std::ref(b)), 9) << "rounded up";
}

TEST(BacklogRetry, NeverZeroAndAtLeastOneSecondWide) {
  bounds b;
  EXPECT_EQ(backlog_seconds(200ms, 3s, 2s, std::ref(b)), 1);
  EXPECT_EQ(b.lo, 1000);
  EXPECT_EQ(b.hi, 2000);
  EXPECT_EQ(backlog_seconds(0ms, 0ms, 2s, std::ref(b)), 1);
}

TEST(BacklogRetry, BoundedWhateverTheBacklog) {
  bounds b{.high = true};
  EXPECT_EQ(backlog_seconds(1h, 3s, 2s, std::ref(b)), 10);
  EXPECT_EQ(b.lo, 9000);
  EXPECT_EQ(b.hi, 10000);
}

TEST(BacklogRetry, AnUnknownWaitGetsTheJitteredBase) {
  for (int i = 0; i < 100; ++i) {
    auto s = backlog_seconds(std::nullopt, 3s, 2s);
    EXPECT_GE(s, 2);
    EXPECT_LE(s, 3);
  }
}

TEST(BacklogRetry, RandomDrawsStayInTheWindow) {
  for (int i = 0; i < 100; ++i) {
    auto s = backlog_seconds(8s, 3s, 2s);
    EXPECT_GE(s, 5);
    EXPECT_LE(s, 8);
  }
}

} // namespace
