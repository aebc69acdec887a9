// keepalive_schedule without actors: each session due every period from
// when it was added, ended ones dropped when they come up, late ticks keep
// the phase, each period its own queue.
#include <gtest/gtest.h>

#include <set>

#include "actors/node/keepalive_schedule.hpp"

namespace tether {
namespace {

auto all_live = [](caf::actor_id) {
  return true;
};

TEST(KeepaliveSchedule, EachIsDueEveryPeriodFromWhenItWasAdded) {
  keepalive_schedule ks;
  ks.add(1, 0, 1000);
  ks.add(2, 400, 1000);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{1000});
  EXPECT_TRUE(ks.take_due(999, all_live).empty());
  EXPECT_EQ(ks.take_due(1000, all_live), (std::vector<caf::actor_id>{1}));
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{1400});
  EXPECT_EQ(ks.take_due(1400, all_live), (std::vector<caf::actor_id>{2}));
  EXPECT_EQ(ks.take_due(2000, all_live), (std::vector<caf::actor_id>{1}));
  EXPECT_EQ(ks.size(), 2u);
}

TEST(KeepaliveSchedule, EndedOnesAreDroppedWhenTheyComeUp) {
  keepalive_schedule ks;
  ks.add(1, 0, 1000);
  ks.add(2, 0, 1000);
  std::set<caf::actor_id> live{2};
  auto is_live = [&](caf::actor_id id) {
    return live.count(id) > 0;
  };
  EXPECT_EQ(ks.take_due(1000, is_live), (std::vector<caf::actor_id>{2}));
  EXPECT_EQ(ks.size(), 1u) << "the ended one's place is gone";
  live.clear();
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{2000});
  EXPECT_TRUE(ks.take_due(2000, is_live).empty());
  EXPECT_EQ(ks.size(), 0u);
  EXPECT_FALSE(ks.next_due());
  EXPECT_TRUE(ks.take_due(100'000, is_live).empty());
}

TEST(KeepaliveSchedule, ALateTickKeepsThePhaseAndSkipsMissedPeriods) {
  keepalive_schedule ks;
  ks.add(1, 0, 1000);
  // 200 ms late: the next one stays at 2000, not 2200.
  EXPECT_EQ(ks.take_due(1200, all_live).size(), 1u);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{2000});
  // Paused for several periods: one tick, then one period from now.
  EXPECT_EQ(ks.take_due(5500, all_live).size(), 1u);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{6500});
}

TEST(KeepaliveSchedule, EachPeriodKeepsItsOwnPace) {
  keepalive_schedule ks;
  ks.add(1, 0, 3000);
  ks.add(2, 0, 1000);
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{1000});
  EXPECT_EQ(ks.take_due(1000, all_live), (std::vector<caf::actor_id>{2}));
  EXPECT_EQ(ks.take_due(2000, all_live), (std::vector<caf::actor_id>{2}));
  auto at3000 = ks.take_due(3000, all_live);
  EXPECT_EQ(std::set<caf::actor_id>(at3000.begin(), at3000.end()),
            (std::set<caf::actor_id>{1, 2}));
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{4000});
}

// One added while a tick was late can be due before the late one's next
// turn: the queue stays in due order, and the late one goes at that one's
// time, later by at most how late its tick was.
TEST(KeepaliveSchedule, OneAddedDuringALateTickDelaysByAtMostThatLateness) {
  keepalive_schedule ks;
  ks.add(1, 0, 1000);    // due 1000
  ks.add(3, 1005, 1000); // at 1005, while the tick of 1000 is late: 2005
  // The tick of 1000 comes at 1010: 1 would be due at 2000, before 3.
  EXPECT_EQ(ks.take_due(1010, all_live), (std::vector<caf::actor_id>{1}));
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{2005});
  EXPECT_TRUE(ks.take_due(2004, all_live).empty());
  EXPECT_EQ(ks.take_due(2005, all_live), (std::vector<caf::actor_id>{3, 1}));
  EXPECT_EQ(ks.next_due(), std::optional<int64_t>{3005});
}

} // namespace
} // namespace tether
