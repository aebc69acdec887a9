// The node-move rule (actors/cluster_manager/move_rule.hpp) without actors:
// the ratio and its tie, the period, the cooldown between moves, the
// min_nodes/max_nodes limits, which node leaves, the hysteresis that keeps a
// move from being undone, and a load flapping around the ratio that must not
// make nodes oscillate.
#include "actors/cluster_manager/move_rule.hpp"

#include <gtest/gtest.h>

namespace tether {
namespace {

/// A cluster with `sessions` on `nodes` active nodes "<id>-n1".., all of
/// which may leave, the sessions spread evenly.
pool_cluster cluster(const std::string& id, uint64_t sessions, size_t nodes,
                     uint32_t min_nodes = 1, uint32_t max_nodes = 8) {
  pool_cluster c;
  c.cluster_id = id;
  c.sessions = sessions;
  for (size_t i = 1; i <= nodes; ++i) {
    elastic_node n{id + "-n" + std::to_string(i),
                   static_cast<uint32_t>(sessions / nodes)};
    c.active.push_back(n);
    c.movable.push_back(n);
  }
  c.min_nodes = min_nodes;
  c.max_nodes = max_nodes;
  return c;
}

move_rule rule_with(int period_ms, int cooldown_ms, double ratio = 2) {
  move_rule r;
  r.ratio = ratio;
  r.period = std::chrono::milliseconds{period_ms};
  r.cooldown = std::chrono::milliseconds{cooldown_ms};
  return r;
}

TEST(MoveRule, TheLighterClusterGivesANodeOnceTheRatioHeldForThePeriod) {
  auto rule = rule_with(1'000, 0);
  // C2: 20 per node, C1: 5 per node.
  std::vector<pool_cluster> pool{cluster("C1", 10, 2), cluster("C2", 40, 2)};
  EXPECT_TRUE(rule.decide(pool, 0).node.empty()); // starts timing
  EXPECT_TRUE(rule.decide(pool, 999).node.empty());
  auto m = rule.decide(pool, 1'000);
  EXPECT_EQ(m.node, "C1-n1");
  EXPECT_EQ(m.from, "C1");
  EXPECT_EQ(m.to, "C2");
  EXPECT_NE(m.reason.find("C2: 40 sessions on 2 active nodes (20.0 per node) "
                          "is at least 2 times C1: 10 sessions on 2 active "
                          "nodes (5.0 per node)"),
            std::string::npos)
    << m.reason;
}

TEST(MoveRule, ExactlyTheRatioMovesAndJustUnderDoesNot) {
  auto rule = rule_with(0, 0);
  // 20 per node against 10: exactly 2 times.
  std::vector<pool_cluster> at{cluster("C1", 40, 4), cluster("C2", 40, 2)};
  EXPECT_EQ(rule.decide(at, 0).node, "C1-n1");
  auto under = rule_with(0, 0);
  std::vector<pool_cluster> below{cluster("C1", 40, 4), cluster("C2", 39, 2)};
  EXPECT_TRUE(under.decide(below, 0).node.empty());
  EXPECT_TRUE(under.decide(below, 60'000).node.empty());
}

TEST(MoveRule, AFigureUnderOneSessionPerNodeCountsAsOne) {
  auto rule = rule_with(0, 0);
  // 1.5 per node against 0: not 2 times one session per node.
  std::vector<pool_cluster> few{cluster("C1", 0, 2), cluster("C2", 3, 2)};
  EXPECT_TRUE(rule.decide(few, 0).node.empty());
  // 2 per node against 0 is.
  std::vector<pool_cluster> more{cluster("C1", 0, 2), cluster("C2", 4, 2)};
  EXPECT_EQ(rule.decide(more, 0).to, "C2");
}

TEST(MoveRule, ANodeThatLeavesIsTheOneWithFewestSessionsTiesByItsId) {
  auto rule = rule_with(0, 0);
  auto light = cluster("C1", 10, 3);
  light.movable = {{"C1-n3", 2}, {"C1-n2", 2}, {"C1-n1", 6}};
  std::vector<pool_cluster> pool{light, cluster("C2", 60, 2)};
  EXPECT_EQ(rule.decide(pool, 0).node, "C1-n2");
}

TEST(MoveRule, OnlyNodesThatMayLeaveLeave) {
  auto rule = rule_with(0, 0);
  auto light = cluster("C1", 10, 2);
  light.movable = {{"C1-n2", 5}}; // C1-n1 may not (declared standby)
  std::vector<pool_cluster> pool{light, cluster("C2", 60, 2)};
  EXPECT_EQ(rule.decide(pool, 0).node, "C1-n2");
  auto none = rule_with(0, 0);
  light.movable.clear();
  pool = {light, cluster("C2", 60, 2)};
  EXPECT_TRUE(none.decide(pool, 0).node.empty());
}

TEST(MoveRule, MinNodesKeepsTheGiverAndMaxNodesStopsTheReceiver) {
  auto rule = rule_with(0, 0);
  // C1 at min_nodes 2: it gives nothing.
  std::vector<pool_cluster> at_min{cluster("C1", 10, 2, 2),
                                   cluster("C2", 60, 2)};
  EXPECT_TRUE(rule.decide(at_min, 0).node.empty());
  // C2 at max_nodes 2: it receives nothing.
  std::vector<pool_cluster> at_max{cluster("C1", 10, 3),
                                   cluster("C2", 60, 2, 1, 2)};
  EXPECT_TRUE(rule.decide(at_max, 0).node.empty());
  // Below max_nodes it does.
  std::vector<pool_cluster> room{cluster("C1", 10, 3),
                                 cluster("C2", 60, 2, 1, 3)};
  EXPECT_EQ(rule.decide(room, 0).to, "C2");
}

TEST(MoveRule, TheHeaviestThatMayGrowReceivesFromTheLightestTiesFirst) {
  auto rule = rule_with(0, 0);
  // C3 is the heaviest but full; C2 receives. C1 and C4 tie as lightest:
  // C1, the first, gives.
  std::vector<pool_cluster> pool{cluster("C1", 4, 2), cluster("C2", 40, 2),
                                 cluster("C3", 90, 2, 1, 2),
                                 cluster("C4", 4, 2)};
  auto m = rule.decide(pool, 0);
  EXPECT_EQ(m.to, "C2");
  EXPECT_EQ(m.from, "C1");
}

TEST(MoveRule, AMoveThatWouldTurnTheOrderAroundIsNotMade) {
  auto rule = rule_with(0, 0);
  // 10 per node on 1 node against 4 per node on 2: after a move C2 would
  // hold 5 per node on 2 and C1 8 on 1: the reverse move would then hold.
  std::vector<pool_cluster> pool{cluster("C1", 8, 2), cluster("C2", 10, 1)};
  EXPECT_TRUE(rule.decide(pool, 0).node.empty());
  EXPECT_TRUE(rule.decide(pool, 60'000).node.empty());
}

TEST(MoveRule, MovesAreAtLeastTheCooldownApart) {
  auto rule = rule_with(0, 5'000);
  std::vector<pool_cluster> pool{cluster("C1", 10, 4), cluster("C2", 80, 2)};
  EXPECT_FALSE(rule.decide(pool, 0).node.empty());
  // The figures after the move (a node drained out of C1 into C2).
  pool = {cluster("C1", 10, 3), cluster("C2", 80, 3)};
  EXPECT_TRUE(rule.decide(pool, 1).node.empty());
  EXPECT_TRUE(rule.decide(pool, 4'999).node.empty());
  EXPECT_FALSE(rule.decide(pool, 5'000).node.empty());
}

TEST(MoveRule, ALoadFlappingAroundTheRatioMovesNothing) {
  auto rule = rule_with(3'000, 0);
  // 20 per node against 10 (the ratio), and 19.5 against 10.
  std::vector<pool_cluster> over{cluster("C1", 40, 4), cluster("C2", 40, 2)};
  std::vector<pool_cluster> under{cluster("C1", 40, 4), cluster("C2", 39, 2)};
  // Over for 2 s, under for 1 s, again and again: never 3 s in a row.
  for (int64_t t = 0; t < 60'000; t += 1'000) {
    const auto& pool = (t / 1'000) % 3 == 2 ? under : over;
    EXPECT_TRUE(rule.decide(pool, t).node.empty()) << "at " << t;
  }
  // Over for the whole period: then it moves.
  EXPECT_TRUE(rule.decide(over, 60'000).node.empty());
  EXPECT_TRUE(rule.decide(over, 62'000).node.empty());
  EXPECT_EQ(rule.decide(over, 63'000).node, "C1-n1");
}

TEST(MoveRule, AnotherPairRestartsThePeriod) {
  auto rule = rule_with(1'000, 0);
  std::vector<pool_cluster> a{cluster("C1", 10, 2), cluster("C2", 40, 2),
                              cluster("C3", 20, 2)};
  EXPECT_TRUE(rule.decide(a, 0).node.empty());
  // C3 is now the heaviest: its own period starts.
  std::vector<pool_cluster> b{cluster("C1", 10, 2), cluster("C2", 40, 2),
                              cluster("C3", 50, 2)};
  EXPECT_TRUE(rule.decide(b, 600).node.empty());
  EXPECT_TRUE(rule.decide(b, 1'599).node.empty());
  EXPECT_EQ(rule.decide(b, 1'600).to, "C3");
}

TEST(MoveRule, RatioZeroIsOff) {
  auto rule = rule_with(0, 0, 0);
  std::vector<pool_cluster> pool{cluster("C1", 0, 4), cluster("C2", 400, 2)};
  EXPECT_TRUE(rule.decide(pool, 0).node.empty());
}

} // namespace
} // namespace tether
