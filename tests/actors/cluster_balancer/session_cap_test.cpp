// Quality classes at the balancer (docs/ARCHITECTURE.md): a node holding
// its cluster's max_sessions_per_node takes no new session, the next
// least-loaded node does; when every live node is full, the reason of the
// 1013 close names the cap and ends with a retry hint.
#include <string>

#include <gtest/gtest.h>

#include "tests/actors/cluster_balancer/balancers.hpp"

namespace tether::test {
namespace {

TEST(SessionCap, AFullNodeIsPassedOver) {
  auto st = balancer_with({report("n1", 2), report("n2", 3), report("n3", 5)});
  st.cfg.max_sessions_per_node = 3;
  EXPECT_EQ(st.pick_node(), 0u);           // 2 < 3
  st.nodes[0].last.sessions = 3;           // at the cap: full
  EXPECT_EQ(st.pick_node(), std::nullopt); // n2 full too, n3 over it
  st.nodes[1].last.sessions = 2;
  EXPECT_EQ(st.pick_node(), 1u); // the next least-loaded with room
  // This balancer's own exact count counts before the next report.
  st.nodes[1].own = 3;
  EXPECT_EQ(st.pick_node(), std::nullopt);
  st.cfg.max_sessions_per_node = 0; // no cap: the least loaded again
  EXPECT_EQ(st.pick_node(), 0u);
}

TEST(SessionCap, EveryNodeFullNamesTheCapWithARetryHint) {
  auto st = balancer_with({report("n1", 4), report("n2", 4)});
  st.cfg.max_sessions_per_node = 4;
  st.cfg.retry_after_s = 7;
  ASSERT_EQ(st.pick_node(), std::nullopt);
  auto why = st.no_node_reason();
  EXPECT_NE(why.find("max_sessions_per_node = 4"), std::string::npos) << why;
  EXPECT_LE(why.size(), 120u); // a close reason's room (ws_server)
  EXPECT_EQ(why.substr(why.size() - 15), "retry after 7 s") << why;
  // No live node at all is not a cap: the old reason.
  st.nodes[0].failed = st.nodes[1].failed = true;
  EXPECT_EQ(st.no_node_reason(), "no node available, try again later");
  st.cfg.max_sessions_per_node = 0;
  EXPECT_EQ(st.no_node_reason(), "no node available, try again later");
}

TEST(SessionCap, RebalancingMovesNothingOntoAFullNode) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  for (uint64_t conn = 1; conn <= 6; ++conn) {
    auto& c = st.conns.by_id[conn];
    c.terminal_id = "T" + std::to_string(conn);
    c.at = cluster_balancer_state::phase::live;
    st.place(c, 0);
  }
  rebalance_target t{0, 1};
  EXPECT_TRUE(st.rebalances(st.conns.by_id[1], t));
  st.cfg.max_sessions_per_node = 1;
  st.nodes[1].last.sessions = 1; // the taker is full
  EXPECT_FALSE(st.rebalances(st.conns.by_id[1], t));
}

} // namespace
} // namespace tether::test
