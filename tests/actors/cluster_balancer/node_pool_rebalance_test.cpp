// node_pool_rebalance through the balancer's state: a balancer moves its
// share of a round, its own live sessions on the fullest node, paced at
// max_rate, busy ones last next round; nothing new while a round moves.
#include "actors/cluster_balancer/node_pool_rebalance.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_balancer/balancers.hpp"

namespace tether::test {
namespace {

using phase = cluster_balancer_state::phase;
using std::chrono::milliseconds;

/// `n` live connections (ids from `first`) of this balancer on node `node`.
void place_live(cluster_balancer_state& st, size_t node, uint64_t first,
                int n) {
  for (uint64_t conn = first; conn < first + static_cast<uint64_t>(n); ++conn) {
    auto& c = st.conns.by_id[conn];
    c.terminal_id = "T" + std::to_string(conn);
    c.at = phase::live;
    st.place(c, node);
  }
}

TEST(BalancerRebalance, MovesItsShareAtTheRate) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  place_live(st, 0, 1, 6);
  node_pool_rebalance r{{2, 1'000}, 4}; // 4 per second
  auto moves = r.plan(st.nodes, st.conns, {}, 10'000);
  ASSERT_EQ(moves.size(), 3u); // 6 and 0: three move
  EXPECT_EQ(moves[0].second, milliseconds{0});
  EXPECT_EQ(moves[1].second, milliseconds{250});
  EXPECT_EQ(moves[2].second, milliseconds{500});
  EXPECT_EQ(r.pending(), 3u);
  auto t = r.take(moves[0].first);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->from, 0u);
  EXPECT_EQ(t->to, 1u);
  EXPECT_FALSE(r.take(moves[0].first)); // taken once
  EXPECT_FALSE(r.take(999));
  // While the round moves, no new round.
  EXPECT_TRUE(r.plan(st.nodes, st.conns, {}, 20'000).empty());
}

TEST(BalancerRebalance, SharesTheRoundWithTheOtherBalancers) {
  // The node reports 8 sessions, of which this balancer holds 4: it moves
  // half of the round's 4.
  auto st = balancer_with({report("n1", 8), report("n2", 0)});
  place_live(st, 0, 1, 4);
  node_pool_rebalance r{{2, 1'000}, 50};
  EXPECT_EQ(r.plan(st.nodes, st.conns, {}, 0).size(), 2u);
  // Only live sessions move (one still starting stays).
  auto st2 = balancer_with({report("n1", 0), report("n2", 0)});
  place_live(st2, 0, 1, 4);
  st2.conns.by_id[1].at = phase::spawning;
  node_pool_rebalance r2{{2, 1'000}, 50};
  auto moves = r2.plan(st2.nodes, st2.conns, {}, 0);
  ASSERT_EQ(moves.size(), 2u);
  for (const auto& [conn, after] : moves)
    EXPECT_NE(conn, 1u);
}

TEST(BalancerRebalance, BusySessionsGoLastNextRound) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  place_live(st, 0, 1, 4);
  node_pool_rebalance r{{2, 1'000}, 50};
  auto moves = r.plan(st.nodes, st.conns, {}, 0);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].first, 1u); // connection order
  EXPECT_EQ(moves[1].first, 2u);
  for (const auto& [conn, after] : moves)
    r.take(conn);
  r.busy(1);
  r.busy(2);
  // Neither moved (both busy): next round the others go first.
  moves = r.plan(st.nodes, st.conns, {}, 1'000);
  ASSERT_EQ(moves.size(), 2u);
  EXPECT_EQ(moves[0].first, 3u);
  EXPECT_EQ(moves[1].first, 4u);
  // Pacing holds across rounds: no faster than 50/s after the last slot.
  EXPECT_GE(moves[0].second, milliseconds{0});
}

TEST(BalancerRebalance, DrainingAndFailedNodesTakeNoPart) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  place_live(st, 0, 1, 6);
  st.nodes[1].draining = true;
  node_pool_rebalance r{{2, 1'000}, 50};
  EXPECT_TRUE(r.plan(st.nodes, st.conns, {}, 0).empty());
  st.nodes[1].draining = false;
  st.nodes[1].failed = true;
  EXPECT_TRUE(r.plan(st.nodes, st.conns, {}, 0).empty());
  st.nodes[1].failed = false;
  EXPECT_EQ(r.plan(st.nodes, st.conns, {}, 0).size(), 3u);
}

TEST(BalancerRebalance, AMoveIsCheckedAgainWhenItsTurnComes) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  place_live(st, 0, 1, 4);
  rebalance_target t{0, 1};
  EXPECT_TRUE(st.rebalances(st.conns.by_id[1], t));
  // Evened out meanwhile (3 and 2 once this one moved... 2 and 2 here).
  auto& c = st.conns.by_id[2];
  st.place(c, 1);
  auto& d = st.conns.by_id[3];
  st.place(d, 1);
  EXPECT_FALSE(st.rebalances(st.conns.by_id[1], t));
  // Not on the giver any more, or not live.
  EXPECT_FALSE(st.rebalances(st.conns.by_id[2], t));
  st.nodes[1].draining = true;
  st.place(d, 0);
  st.place(c, 0);
  EXPECT_FALSE(st.rebalances(st.conns.by_id[1], t)); // taker drains
  st.nodes[1].draining = false;
  EXPECT_TRUE(st.rebalances(st.conns.by_id[1], t));
  st.conns.by_id[1].at = phase::spawning;
  EXPECT_FALSE(st.rebalances(st.conns.by_id[1], t));
}

} // namespace
} // namespace tether::test
