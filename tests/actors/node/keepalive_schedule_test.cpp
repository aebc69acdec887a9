// keepalive_schedule without actors: each session due every period from
// when it was added, removed ones never due again, late ticks keep the phase.
#include <gtest/gtest.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>

#include "actors/node/keepalive_schedule.hpp"

namespace tether {
namespace {

class KeepaliveSchedule : public ::testing::Test {
protected:
  /// A distinct address per actor; the schedule only compares them.
  caf::actor_addr addr() {
    auto a = sys.spawn([](caf::event_based_actor*) {});
    return a.address();
  }
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
};

TEST_F(KeepaliveSchedule, EachIsDueEveryPeriodFromWhenItWasAdded) {
  keepalive_schedule ks;
  auto a = addr(), b = addr();
  ks.add(a, 0, 1000);
  ks.add(b, 400, 1000);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{1000});
  EXPECT_TRUE(ks.take_due(999).empty());
  EXPECT_EQ(ks.take_due(1000), (std::vector<caf::actor_addr>{a}));
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{1400});
  EXPECT_EQ(ks.take_due(1400), (std::vector<caf::actor_addr>{b}));
  EXPECT_EQ(ks.take_due(2000), (std::vector<caf::actor_addr>{a}));
  EXPECT_EQ(ks.size(), 2u);
}

TEST_F(KeepaliveSchedule, RemovedOnesAreNeverDueAgain) {
  keepalive_schedule ks;
  auto a = addr(), b = addr();
  ks.add(a, 0, 1000);
  ks.add(b, 0, 1000);
  ks.remove(a);
  ks.remove(a); // twice: ignored
  EXPECT_EQ(ks.take_due(1000), (std::vector<caf::actor_addr>{b}));
  EXPECT_EQ(ks.size(), 1u);
  ks.remove(b);
  EXPECT_EQ(ks.size(), 0u);
  EXPECT_FALSE(ks.next_due());
  EXPECT_TRUE(ks.take_due(100'000).empty());
}

TEST_F(KeepaliveSchedule, ALateTickKeepsThePhaseAndSkipsMissedPeriods) {
  keepalive_schedule ks;
  auto a = addr();
  ks.add(a, 0, 1000);
  // 200 ms late: the next one stays at 2000, not 2200.
  EXPECT_EQ(ks.take_due(1200).size(), 1u);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{2000});
  // Paused for several periods: one tick, then one period from now.
  EXPECT_EQ(ks.take_due(5500).size(), 1u);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{6500});
}

TEST_F(KeepaliveSchedule, AddingAgainReschedules) {
  keepalive_schedule ks;
  auto a = addr();
  ks.add(a, 0, 1000);
  ks.add(a, 500, 2000);
  EXPECT_EQ(ks.size(), 1u);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{2500});
}

} // namespace
} // namespace tether
