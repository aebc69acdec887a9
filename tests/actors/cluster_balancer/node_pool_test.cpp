// node_pool through the balancer's state: the node a new session goes to
// (live, not draining, least loaded counting this balancer's own sessions),
// and the nodes as the balancer reports them.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_balancer/balancers.hpp"

namespace tether::test {
namespace {

TEST(BalancerPickNode, FewestSessionsAmongLiveNodes) {
  auto st = balancer_with({report("n1", 4), report("n2", 1), report("n3", 2)});
  EXPECT_EQ(st.pick_node(), 1u);
  // Ties: the first.
  st = balancer_with({report("n1", 1), report("n2", 1)});
  EXPECT_EQ(st.pick_node(), 0u);
  // Failed (down) and draining nodes are skipped.
  st = balancer_with(
    {report("n1", 0), report("n2", 0, "draining"), report("n3", 7)});
  st.nodes[0].failed = true;
  EXPECT_EQ(st.pick_node(), 2u);
  st.nodes[2].failed = true;
  EXPECT_EQ(st.pick_node(), std::nullopt);
  EXPECT_EQ(balancer_with({}).pick_node(), std::nullopt);
}

TEST(BalancerPickNode, OwnSessionsCountBeforeTheNextReport) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  // Place three connections: the load spreads without a new report.
  std::vector<size_t> picks;
  for (uint64_t conn = 1; conn <= 4; ++conn) {
    auto& c = st.conns.by_id[conn];
    c.terminal_id = "T" + std::to_string(conn);
    auto n = st.pick_node();
    ASSERT_TRUE(n);
    st.place(c, n);
    picks.push_back(*n);
  }
  EXPECT_EQ(picks, (std::vector<size_t>{0, 1, 0, 1}));
  EXPECT_EQ(st.nodes[0].own, 2u);
  EXPECT_EQ(st.nodes[1].own, 2u);
  // A report that includes other balancers' sessions raises the load.
  st.nodes[0].last.sessions = 10;
  EXPECT_EQ(st.pick_node(), 1u);
  // A stale report lower than our own count does not lower it.
  st.nodes[0].last.sessions = 0;
  st.nodes[1].last.sessions = 1;
  EXPECT_EQ(st.pick_node(), 0u); // max(0,2)=2 vs max(1,2)=2: tie, first
}

TEST(BalancerStatus, CountsAndNodeStates) {
  auto st = balancer_with(
    {report("n1", 3), report("n2", 0), report("n3", 0, "draining")});
  using phase = cluster_balancer_state::phase;
  phase phases[] = {phase::admitting, phase::upgrading, phase::spawning,
                    phase::live, phase::live};
  uint64_t conn = 0;
  for (auto p : phases) {
    auto& c = st.conns.by_id[++conn];
    c.terminal_id = "T" + std::to_string(conn);
    c.at = p;
  }
  st.place(st.conns.by_id[4], 1);
  st.place(st.conns.by_id[5], 1);
  st.nodes[0].failed = true;
  auto s = st.status();
  EXPECT_EQ(s.balancer_id, "C1-b1");
  EXPECT_EQ(s.cluster_id, "C1");
  EXPECT_EQ(s.url, "ws://C1/1");
  EXPECT_EQ(s.connections, 3u); // spawning and live only
  EXPECT_EQ(st.live_connections(), 3u);
  ASSERT_EQ(s.nodes.size(), 3u);
  EXPECT_EQ(s.nodes[0].state, "failed");
  EXPECT_EQ(s.nodes[0].sessions, 0u); // a failed node's sessions moved away
  EXPECT_EQ(s.nodes[1].state, "active");
  EXPECT_EQ(s.nodes[1].sessions, 2u); // own count exceeds the report
  EXPECT_EQ(s.nodes[2].state, "draining");
  EXPECT_DOUBLE_EQ(s.nodes[1].cpu, 0.5);
}

TEST(BalancerDrain, DrainingNodeTakesNoNewSessionsAndShowsItsState) {
  cluster_balancer_state st;
  st.cfg.cluster_id = "C1";
  for (const char* id : {"C1-n1", "C1-n2"})
    st.nodes.entries.push_back(
      {id, node_actor{}, node_status{id, "active", 0, 0, 0}, 0, false, false});
  st.nodes[1].last.sessions = 5;
  EXPECT_EQ(st.pick_node(), 0u);
  st.nodes[0].draining = true;
  EXPECT_EQ(st.pick_node(), 1u); // busier, but the only one taking
  EXPECT_EQ(st.status().nodes[0].state, "draining");
  EXPECT_EQ(st.status().nodes[1].state, "active");
  st.nodes[1].draining = true;
  EXPECT_EQ(st.pick_node(), std::nullopt);
  // A failed node shows as failed, drained or not.
  st.nodes[1].failed = true;
  EXPECT_EQ(st.status().nodes[1].state, "failed");
}

TEST(BalancerDrain, MovesTheLiveSessionsOfADrainingNodeOneByOne) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  st.cfg.drain_per_s = 4;
  using phase = cluster_balancer_state::phase;
  for (uint64_t conn = 1; conn <= 3; ++conn) {
    auto& c = st.conns.by_id[conn];
    c.at = conn == 3 ? phase::spawning : phase::live;
    st.place(c, 0);
  }
  EXPECT_EQ(st.nodes.set_state("n1", "draining"), 0u);
  EXPECT_EQ(st.nodes.set_state("n1", "draining"), std::nullopt); // already
  auto moves = st.drain_moves(0);
  ASSERT_EQ(moves.size(), 2u); // live only
  EXPECT_EQ(moves[0].second, std::chrono::milliseconds{250});
  EXPECT_EQ(moves[1].second, std::chrono::milliseconds{500});
  EXPECT_TRUE(st.moves_off(st.conns.by_id[1]));
  EXPECT_FALSE(st.moves_off(st.conns.by_id[3])); // not live
  st.nodes[1].failed = true;                     // nowhere to go
  EXPECT_FALSE(st.moves_off(st.conns.by_id[1]));
  st.nodes[1].failed = false;
  EXPECT_EQ(st.nodes.set_state("n1", "active"), std::nullopt);
  EXPECT_FALSE(st.moves_off(st.conns.by_id[1])); // restored
}

TEST(BalancerNodes, DownAndReachableAgain) {
  node_pool pool;
  pool.add("n1", node_actor{}); // not reachable yet: failed
  EXPECT_TRUE(pool[0].failed);
  EXPECT_TRUE(pool.to_ask().empty());
  EXPECT_TRUE(pool.reach({{"n9", node_actor{}}}).empty());
  EXPECT_TRUE(pool.fail(caf::actor_addr{}).empty()); // failed already
  // Never reached since this balancer started: reported so (a spare node
  // whose process is not started yet is not one that was lost).
  EXPECT_FALSE(pool.status()[0].reached);
  EXPECT_EQ(pool.status()[0].state, "failed");
  pool[0].reached = true; // as reach() with its handle would have set
  pool[0].failed = true;  // and a later failure
  EXPECT_TRUE(pool.status()[0].reached) << "once reached, reported so";
}

TEST(BalancerNodes, AFailedNodeReportsNoSessionsAndNoSessionActors) {
  // Its last report is stale: a killed node's 50 actors must not stay in
  // the tether_session_actors_live gauge after its devices moved.
  auto st = balancer_with({report("n1", 50), report("n2", 0)});
  st.nodes[0].last.session_actors = 50;
  EXPECT_EQ(st.nodes.status()[0].session_actors, 50);
  st.nodes[0].failed = true;
  auto nodes = st.nodes.status();
  EXPECT_EQ(nodes[0].state, "failed");
  EXPECT_EQ(nodes[0].sessions, 0u);
  EXPECT_EQ(nodes[0].session_actors, 0);
}

} // namespace
} // namespace tether::test
