// early_frames' greeting of a re-homing batch (session_spec::batched): while
// the balancer's hello is awaited, what a session sends the device is held,
// in order and within a bound; once greeted, frames go through again.
#include <gtest/gtest.h>

#include "actors/cluster_balancer/early_frames.hpp"

namespace tether::test {
namespace {

TEST(EarlyGreeting, NothingIsHeldUnlessAGreetingIsAwaited) {
  early_frames e;
  std::string text = "ping";
  EXPECT_FALSE(e.awaits_greeting());
  EXPECT_FALSE(e.hold_for_device(text));
  EXPECT_EQ(text, "ping") << "left to the caller, who sends it";
}

TEST(EarlyGreeting, FramesWaitInOrderUntilGreeted) {
  early_frames e;
  e.await_greeting();
  EXPECT_TRUE(e.awaits_greeting());
  for (std::string text : {"job1", "job2"})
    EXPECT_TRUE(e.hold_for_device(text));
  EXPECT_EQ(e.greeted(), (std::vector<std::string>{"job1", "job2"}));
  EXPECT_FALSE(e.awaits_greeting());
  std::string later = "job3";
  EXPECT_FALSE(e.hold_for_device(later)) << "after the hello: sent at once";
  EXPECT_TRUE(e.greeted().empty());
}

TEST(EarlyGreeting, AtMostTheBoundIsHeld) {
  early_frames e;
  e.await_greeting();
  for (int i = 0; i < 3; ++i) {
    std::string text = "f" + std::to_string(i);
    EXPECT_TRUE(e.hold_for_device(text, 3));
  }
  std::string over = "f3";
  EXPECT_FALSE(e.hold_for_device(over, 3)) << "beyond the bound: sent now";
  EXPECT_EQ(e.greeted().size(), 3u);
}

TEST(EarlyGreeting, AwaitedAgainAfterABatchIsPlacedAnew) {
  // A batch whose node died is asked of another node: it awaits that
  // node's greeting, keeping what was held.
  early_frames e;
  e.await_greeting();
  std::string text = "job1";
  ASSERT_TRUE(e.hold_for_device(text));
  e.await_greeting();
  EXPECT_EQ(e.greeted(), std::vector<std::string>{"job1"});
}

} // namespace
} // namespace tether::test
