// drain_waits: a busy session on a draining node waits from its first busy
// answer, is asked again every poll (never past its wait), and moves once
// the wait is over; job_wait 0 asks no session at all.
#include <gtest/gtest.h>

#include "actors/cluster_balancer/drain_waits.hpp"

namespace tether::test {
namespace {

using std::chrono::milliseconds;

TEST(DrainWaits, BusySessionWaitsUntilItsWaitIsOver) {
  drain_waits w{milliseconds{1'000}, milliseconds{250}};
  EXPECT_TRUE(w.enabled());
  EXPECT_EQ(w.busy(7, 10'000), milliseconds{250});
  EXPECT_EQ(w.since(7), 10'000);
  EXPECT_EQ(w.busy(7, 10'250), milliseconds{250}) << "counts from the first";
  EXPECT_EQ(w.busy(7, 10'900), milliseconds{100}) << "never past the wait";
  EXPECT_EQ(w.busy(7, 11'000), std::nullopt) << "over: it moves now";
  EXPECT_EQ(w.since(7), std::nullopt) << "and is forgotten";
  // Another connection waits on its own.
  EXPECT_EQ(w.busy(8, 11'000), milliseconds{250});
  EXPECT_EQ(w.size(), 1u);
  w.forget(8);
  EXPECT_EQ(w.size(), 0u);
  // Forgotten (it moved, or its node drains no longer): a later busy
  // answer starts a new wait.
  EXPECT_EQ(w.busy(8, 20'000), milliseconds{250});
  EXPECT_EQ(w.since(8), 20'000);
}

TEST(DrainWaits, ZeroWaitAsksNoSession) {
  drain_waits w{milliseconds{0}};
  EXPECT_FALSE(w.enabled());
  EXPECT_EQ(w.busy(1, 5), std::nullopt);
  EXPECT_EQ(w.size(), 0u);
  drain_waits negative{milliseconds{-5}};
  EXPECT_FALSE(negative.enabled());
}

} // namespace
} // namespace tether::test
