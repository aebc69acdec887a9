// burst_trim: the heap is trimmed once per connect burst, after it is over
// (no connect for `quiet`) and only when it was large enough.
#include "net/burst_trim.hpp"

#include <memory>
#include <vector>

#include <gtest/gtest.h>

namespace tether::net {
namespace {

using namespace std::chrono_literals;
using clock_type = burst_trim::clock;

TEST(BurstTrim, TrimsOnceWhenALargeBurstIsOver) {
  burst_trim t{3, 2s};
  auto t0 = clock_type::time_point{} + 100s;
  EXPECT_TRUE(t.on_connect(t0));          // arms the check
  EXPECT_FALSE(t.on_connect(t0 + 500ms)); // armed already
  EXPECT_FALSE(t.on_connect(t0 + 1s));
  // The check fires 2 s after the first connect: the last one was 1 s ago.
  auto c = t.on_check(t0 + 2s);
  EXPECT_FALSE(c.trim);
  EXPECT_EQ(c.again, 1s); // 2 s after the last connect
  c = t.on_check(t0 + 3s);
  EXPECT_TRUE(c.trim);
  EXPECT_EQ(c.again.count(), 0);
  EXPECT_EQ(t.trims(), 1u);
  // A new burst arms again; it starts counting from zero.
  EXPECT_TRUE(t.on_connect(t0 + 10s));
  c = t.on_check(t0 + 12s);
  EXPECT_FALSE(c.trim); // one connect is not a burst worth a trim
  EXPECT_EQ(c.again.count(), 0);
  EXPECT_EQ(t.trims(), 1u);
}

TEST(BurstTrim, SmallBurstsAddUpSinceTheLastTrim) {
  burst_trim t{4, 1s};
  auto now = clock_type::time_point{} + 50s;
  for (int burst = 0; burst < 2; ++burst) {
    EXPECT_TRUE(t.on_connect(now));
    EXPECT_FALSE(t.on_connect(now));
    auto c = t.on_check(now + 1s);
    EXPECT_EQ(c.trim, burst == 1) << burst; // 2 connects, then 4
    now += 10s;
  }
  EXPECT_EQ(t.trims(), 1u);
}

// What a connect burst leaves: long-lived objects among freed handshake
// memory. The free pages between them go back to the system.
TEST(BurstTrim, GivesBackFreePagesBetweenLiveObjects) {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (int i = 0; i < 16 * 1024; ++i) {
    blocks.emplace_back(new char[1024]);
    blocks.back()[0] = static_cast<char>(i); // touched: resident
  }
  for (size_t i = 0; i < blocks.size(); ++i)
    if (i % 64 != 63)
      blocks[i].reset(); // 63 KiB free runs between the kept ones
  EXPECT_TRUE(burst_trim::trim());
}

} // namespace
} // namespace tether::net
