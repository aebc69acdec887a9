// timeout_to: no timer for a request to an actor of the same process, the
// request timeout for one in another process (or for no actor at all).
#include "actors/system/timeout_to.hpp"

#include <chrono>

#include <gtest/gtest.h>

namespace tether {
namespace {

using namespace std::chrono_literals;

/// Stands for a handle: an actor (or none) on a node (process).
struct fake_handle {
  int node_id = 0;
  bool valid = true;
  explicit operator bool() const { return valid; }
  int node() const { return node_id; }
  const fake_handle* operator->() const { return this; }
};

TEST(TimeoutTo, ARequestInsideTheProcessHasNoTimer) {
  fake_handle self{1};
  auto t = timeout_to(self, fake_handle{1}, 5000ms);
  EXPECT_FALSE(t.valid()) << "caf::infinite";
}

TEST(TimeoutTo, ARequestToAnotherProcessKeepsItsTimeout) {
  fake_handle self{1};
  auto t = timeout_to(self, fake_handle{2}, 5000ms);
  EXPECT_TRUE(t.valid());
  EXPECT_EQ(t, caf::duration{5000ms});
}

TEST(TimeoutTo, NoActorKeepsTheTimeout) {
  fake_handle self{1};
  auto t = timeout_to(self, fake_handle{1, false}, 250ms);
  EXPECT_EQ(t, caf::duration{250ms});
}

} // namespace
} // namespace tether
