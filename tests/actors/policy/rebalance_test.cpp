// The rebalancing rule (actors/policy/rebalance.hpp) without actors: the
// ratio threshold, ties, balanced clusters, nodes that take no part,
// weights, the minimum period between rounds, hysteresis, and loads that
// flap around the threshold without making the nodes oscillate.
#include "actors/policy/rebalance.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace tether {
namespace {

std::vector<rebalance_node> loads(std::vector<uint32_t> sessions) {
  std::vector<rebalance_node> out;
  for (auto s : sessions)
    out.push_back({s, 1, true});
  return out;
}

uint32_t total(const std::vector<rebalance_move>& ms) {
  uint32_t n = 0;
  for (const auto& m : ms)
    n += m.count;
  return n;
}

TEST(RebalanceRule, MovesFromTheFullestToTheEmptiestUntilBalanced) {
  rebalance_rule rule;
  auto ms = rule.plan(loads({10, 5}), 0); // exactly twice: a round
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].from, 0u);
  EXPECT_EQ(ms[0].to, 1u);
  EXPECT_EQ(ms[0].count, 2u); // 8 and 7: one more would swap them
  EXPECT_TRUE(rule.balancing());
  // A node back after a failure takes half.
  rebalance_rule back;
  ms = back.plan(loads({100, 0}), 0);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].count, 50u);
}

TEST(RebalanceRule, BelowTheRatioOrBalancedNothingMoves) {
  for (auto l : {loads({9, 5}), loads({5, 5}), loads({3, 2}), loads({2, 1}),
                 loads({1, 0}), loads({0, 0}), loads({7}), loads({})}) {
    rebalance_rule rule;
    EXPECT_TRUE(rule.plan(l, 0).empty());
    EXPECT_FALSE(rule.balancing());
  }
  // Twice as many, but one move would only swap them (2 and 1).
  rebalance_rule rule;
  EXPECT_TRUE(rule.plan(loads({2, 1}), 0).empty());
  // The smallest difference that moves: 2 and 0.
  EXPECT_EQ(total(rule.plan(loads({2, 0}), 0)), 1u);
}

TEST(RebalanceRule, TiesGoToTheLowestIndex) {
  rebalance_rule rule;
  auto ms = rule.plan(loads({6, 6, 0}), 0);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].from, 0u); // both are fullest: the first gives first
  EXPECT_EQ(ms[0].to, 2u);
  EXPECT_EQ(ms[0].count, 2u);
  EXPECT_EQ(ms[1].from, 1u);
  EXPECT_EQ(ms[1].to, 2u);
  EXPECT_EQ(ms[1].count, 2u); // 4, 4, 4
  // Two emptiest: the first takes.
  rebalance_rule other;
  ms = other.plan(loads({4, 0, 0}), 0);
  ASSERT_EQ(ms.size(), 2u);
  EXPECT_EQ(ms[0].to, 1u);
  EXPECT_EQ(ms[1].to, 2u);
  EXPECT_EQ(total(ms), 2u); // 2, 1, 1
}

TEST(RebalanceRule, FailedDrainingAndWeightZeroNodesTakeNoPart) {
  auto l = loads({10, 0, 4, 0});
  l[1].usable = false; // failed or draining
  l[3].weight = 0;     // takes no new sessions
  rebalance_rule rule;
  auto ms = rule.plan(l, 0);
  ASSERT_EQ(ms.size(), 1u);
  EXPECT_EQ(ms[0].from, 0u);
  EXPECT_EQ(ms[0].to, 2u);
  EXPECT_EQ(ms[0].count, 3u); // 7 and 7
  // A heavy node that takes no part does not give either.
  l = loads({50, 1, 1});
  l[0].usable = false;
  EXPECT_TRUE(rebalance_rule{}.plan(l, 0).empty());
}

TEST(RebalanceRule, LoadIsSessionsOverWeight) {
  auto l = loads({10, 2});
  l[0].weight = 2; // 5 per unit against 2
  rebalance_rule rule;
  EXPECT_EQ(total(rule.plan(l, 0)), 2u); // 8 (4 per unit) and 4
  // 12 sessions on weight 3 against 4 on weight 1: equal loads.
  l = loads({12, 4});
  l[0].weight = 3;
  EXPECT_TRUE(rebalance_rule{}.plan(l, 0).empty());
}

TEST(RebalanceRule, RatioZeroIsOff) {
  rebalance_rule rule{{0, 5'000}};
  EXPECT_TRUE(rule.plan(loads({100, 0}), 0).empty());
}

TEST(RebalanceRule, RoundsAreAPeriodApart) {
  rebalance_rule rule{{2, 5'000}};
  EXPECT_FALSE(rule.plan(loads({10, 5}), 1'000).empty());
  // The moves have not shown in the reports yet: too soon for another.
  EXPECT_TRUE(rule.plan(loads({10, 5}), 2'000).empty());
  EXPECT_TRUE(rule.plan(loads({10, 5}), 5'999).empty());
  EXPECT_FALSE(rule.plan(loads({10, 5}), 6'000).empty());
}

TEST(RebalanceRule, HysteresisARoundGoesOnUntilBalanced) {
  rebalance_rule rule{{2, 1'000}};
  EXPECT_EQ(total(rule.plan(loads({10, 5}), 0)), 2u);
  // Only one of the two moved (the other was busy): below the ratio, but
  // the round goes on.
  EXPECT_EQ(total(rule.plan(loads({9, 6}), 1'000)), 1u);
  // Balanced: over.
  EXPECT_TRUE(rule.plan(loads({8, 7}), 2'000).empty());
  EXPECT_FALSE(rule.balancing());
  // Below the ratio again: nothing until it is crossed.
  EXPECT_TRUE(rule.plan(loads({9, 5}), 3'000).empty());
  EXPECT_FALSE(rule.plan(loads({10, 5}), 4'000).empty());
}

TEST(RebalanceRule, FlappingAroundTheThresholdNeverReversesAMove) {
  // Reports that jump around the threshold every second for a minute
  // (devices come and go): rounds stay a period apart, and every move goes
  // from the fuller node to the emptier one, never back.
  rebalance_rule rule{{2, 5'000}};
  std::vector<std::vector<uint32_t>> pattern{{10, 5}, {9, 5}, {10, 5}, {5, 10},
                                             {5, 9},  {7, 7}, {8, 7},  {7, 8}};
  int rounds = 0;
  int64_t last = -1'000'000;
  for (int64_t t = 0; t < 60'000; t += 1'000) {
    auto l = pattern[static_cast<size_t>(t / 1'000) % pattern.size()];
    auto ms = rule.plan(loads(l), t);
    if (ms.empty())
      continue;
    ++rounds;
    EXPECT_GE(t - last, 5'000) << "at " << t;
    last = t;
    for (const auto& m : ms) {
      EXPECT_GT(l[m.from], l[m.to] + 1) << "at " << t;
      EXPECT_LE(m.count, (l[m.from] - l[m.to]) / 2) << "at " << t;
    }
  }
  EXPECT_GE(rounds, 1);
  EXPECT_LE(rounds, 12);
  // Balanced within one: never a move, however often asked.
  rebalance_rule still{{2, 0}};
  for (int64_t t = 0; t < 100; ++t)
    EXPECT_TRUE(still.plan(loads({7, 8, 8}), t).empty());
}

} // namespace
} // namespace tether
