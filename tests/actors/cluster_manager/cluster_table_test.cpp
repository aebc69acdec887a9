// cluster_table and terminal_map: assignment counts, destinations, status,
// balancers joining and going, and the balancer order a terminal tries.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

TEST(ManagerAssign, CountsAndReassignment) {
  auto st = three_clusters();
  for (auto& c : st.clusters.entries)
    c.connections = 0;
  // Counted when chosen (expected until the next refresh), assigned when
  // stored.
  EXPECT_NE(st.reserve("T1", "C1"), 0u);
  EXPECT_NE(st.reserve("T2", "C1"), 0u);
  EXPECT_EQ(st.clusters.find("C1")->connections, 2u);
  EXPECT_EQ(st.clusters.find("C1")->assigned, 0u);
  st.assign("T1", "C1");
  st.assign("T2", "C1");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 2u);
  EXPECT_EQ(st.clusters.find("C1")->connections, 2u);
  EXPECT_EQ(st.terminals.current("T1"), "C1");
  // Same cluster again: nothing changes.
  EXPECT_EQ(st.reserve("T1", "C1"), 0u);
  st.assign("T1", "C1");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 2u);
  EXPECT_EQ(st.clusters.find("C1")->connections, 2u);
  // A reservation whose write failed is taken back; never below zero.
  auto round = st.reserve("T3", "C2");
  EXPECT_NE(round, 0u);
  EXPECT_EQ(st.clusters.find("C2")->connections, 1u);
  st.unreserve("T3", "C2", round);
  st.unreserve("T3", "C2", round);
  EXPECT_EQ(st.clusters.find("C2")->connections, 0u);
  EXPECT_EQ(st.reserve("T3", "C9"), 0u);
  st.unreserve("T3", "C9", 0); // nothing was counted: nothing happens
  // A report in between replaced the count (reported: 4, T4 not in it as
  // its write failed): it is not taken from the report's figure.
  round = st.reserve("T4", "C2");
  balancer_status r;
  r.cluster_id = "C2";
  r.connections = 4;
  st.clusters.take_reports({r});
  st.unreserve("T4", "C2", round);
  EXPECT_EQ(st.clusters.find("C2")->connections, 4u);
  // Moving.
  st.assign("T1", "C2");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 1u);
  EXPECT_EQ(st.clusters.find("C2")->assigned, 1u);
  EXPECT_EQ(st.terminals.current("T1"), "C2");
  EXPECT_EQ(st.clusters.find("C9"), nullptr);
  // Two registrations of one terminal in flight count it once; once its
  // assignment is stored (or the write failed) it may be counted again.
  auto before = st.clusters.find("C1")->connections;
  EXPECT_NE(st.reserve("T5", "C1"), 0u);
  EXPECT_EQ(st.reserve("T5", "C1"), 0u);
  EXPECT_EQ(st.clusters.find("C1")->connections, before + 1);
  st.assign("T5", "C1");
  EXPECT_EQ(st.reserve("T5", "C3"), st.clusters.find("C3")->round);
  EXPECT_EQ(st.reserve("T5", "C3"), 0u);
  st.unreserve("T5", "C3", st.clusters.find("C3")->round);
  EXPECT_NE(st.reserve("T5", "C3"), 0u);
}

TEST(ManagerDestination, ListsEveryBalancerInOrder) {
  cluster_manager_state st;
  st.keepalive_s = 25;
  st.clusters.entries.push_back(cluster("C1", {}, 0, 2));
  auto d = st.destination_for("T1", st.clusters[0]);
  EXPECT_EQ(d.terminal_id, "T1");
  EXPECT_EQ(d.cluster_id, "C1");
  // Both balancers, in the terminal's own order (url_order.hpp).
  EXPECT_EQ(d.cluster_urls, balancer_urls_for("T1", st.clusters[0].balancers));
  auto sorted = d.cluster_urls;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"ws://C1/1", "ws://C1/2"}));
  EXPECT_EQ(d.keepalive_s, 25u);
}

TEST(ManagerStatus, ReportsEveryCluster) {
  auto st = three_clusters();
  st.clusters[1].state = "draining";
  st.clusters[1].cfg.weight = 3;
  st.assign("T1", "C2");
  auto s = st.status();
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].cluster_id, "C1");
  EXPECT_EQ(s[0].labels, st.clusters[0].cfg.labels);
  EXPECT_EQ(s[1].state, "draining");
  EXPECT_EQ(s[1].weight, 3u);
  EXPECT_EQ(s[1].assigned, 1u);
  EXPECT_EQ(s[1].balancers, std::vector<std::string>{"ws://C2/1"});
}

TEST(BalancerUrls, StableFirstChoiceSpreadEvenlyAllForFailover) {
  std::vector<balancer_info> joined{{"C1-b3", "C1", "ws://c", {}},
                                    {"C1-b1", "C1", "ws://a", {}},
                                    {"C1-b2", "C1", "ws://b", {}}};
  std::map<std::string, int> first;
  for (int i = 0; i < 3000; ++i) {
    auto id = "T" + std::to_string(i);
    auto urls = balancer_urls_for(id, joined);
    ASSERT_EQ(urls.size(), 3u);
    // Every balancer, once (their order: url_order_test.cpp).
    auto sorted = urls;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_EQ(sorted, (std::vector<std::string>{"ws://a", "ws://b", "ws://c"}));
    ++first[urls[0]];
    // The join order does not matter; the same terminal gets the same order.
    auto reordered = joined;
    std::reverse(reordered.begin(), reordered.end());
    EXPECT_EQ(balancer_urls_for(id, reordered), urls);
  }
  for (auto url : {"ws://a", "ws://b", "ws://c"})
    EXPECT_NEAR(first[url], 1000, 150) << url;
  EXPECT_TRUE(balancer_urls_for("T1", {}).empty());
}

TEST(ClusterTable, BalancersJoinOnceAndGoWithTheirActor) {
  auto st = three_clusters();
  // Joining again replaces the older entry; an unknown cluster takes none.
  auto* c = st.clusters.join({"C1-b1", "C1", "ws://C1/new", {}});
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->cfg.id, "C1");
  ASSERT_EQ(c->balancers.size(), 1u);
  EXPECT_EQ(c->balancers[0].url, "ws://C1/new");
  EXPECT_EQ(st.clusters.join({"C9-b1", "C9", "ws://C9", {}}), nullptr);
  // A null handle's address is null: every balancer here goes with it.
  auto gone = st.clusters.drop(caf::actor_addr{});
  ASSERT_EQ(gone.size(), 3u);
  EXPECT_EQ(gone[0].balancer_id, "C1-b1");
  EXPECT_EQ(gone[0].cluster_id, "C1");
  EXPECT_TRUE(st.clusters.find("C2")->balancers.empty());
}

TEST(ClusterTable, LiveReportsShowEachNodeOnceFailedIfAnyLostIt) {
  auto st = three_clusters();
  auto out = st.status();
  merge_reports(out, {balancer_status{"C1-b1",
                                      "C1",
                                      "ws://a",
                                      2,
                                      {node_status{"n1", "active", 2, 0, 0},
                                       node_status{"n2", "active", 1, 0, 0}},
                                      0,
                                      {}},
                      balancer_status{"C1-b2",
                                      "C1",
                                      "ws://b",
                                      3,
                                      {node_status{"n1", "active", 5, 0, 0},
                                       node_status{"n2", "failed", 0, 0, 0}},
                                      0,
                                      {}},
                      std::nullopt});
  EXPECT_EQ(out[0].connections, 5u);
  ASSERT_EQ(out[0].nodes.size(), 2u);
  EXPECT_EQ(out[0].nodes[0].sessions, 5u); // the largest count seen
  EXPECT_EQ(out[0].nodes[1].state, "failed");
  EXPECT_EQ(out[1].connections, 0u);
}

TEST(ClusterTable, ANodeIsReachedIfAnyBalancerReachedIt) {
  auto st = three_clusters();
  auto out = st.status();
  auto node = [](const char* state, bool reached) {
    node_status n{"n1", state, 0, 0, 0};
    n.reached = reached;
    return n;
  };
  // Whatever the order, and whichever report carries more sessions.
  merge_reports(
    out,
    {balancer_status{"C1-b1", "C1", "ws://a", 0, {node("failed", true)}, 0, {}},
     balancer_status{
       "C1-b2", "C1", "ws://b", 0, {node("failed", false)}, 0, {}},
     balancer_status{
       "C2-b1", "C2", "ws://c", 0, {node("failed", false)}, 0, {}}});
  ASSERT_EQ(out[0].nodes.size(), 1u);
  EXPECT_TRUE(out[0].nodes[0].reached);
  ASSERT_EQ(out[1].nodes.size(), 1u);
  EXPECT_FALSE(out[1].nodes[0].reached) << "no balancer of C2 reached it";
}

TEST(TerminalMap, LookupSaysWhenATerminalIsNotRegistered) {
  auto st = three_clusters();
  st.assign("T1", "C2");
  EXPECT_EQ(st.terminals.current("T1"), "C2");
  EXPECT_EQ(st.terminals.current("T9"), "");
  EXPECT_EQ(*st.terminals.lookup("T1"), "C2");
  auto missing = st.terminals.lookup("T9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(code_of(missing.error()), errc::not_found);
  // The destination of a mapped terminal; none while its cluster has no
  // balancer.
  EXPECT_EQ(st.destination_of("T1")->cluster_id, "C2");
  st.clusters.find("C2")->balancers.clear();
  EXPECT_EQ(code_of(st.destination_of("T1").error()), errc::unavailable);
  EXPECT_EQ(code_of(st.destination_of("T9").error()), errc::not_found);
  EXPECT_TRUE(st.balancers_of("T1").empty());
  EXPECT_TRUE(st.balancers_of("T9").empty());
}

} // namespace
} // namespace tether::test

namespace tether::test {
namespace {

/// C1 (C1-n1, C1-n2) and C2 (C2-n1), as the topology declares them.
cluster_table two_pool_clusters() {
  cluster_table t;
  cluster_entry c1;
  c1.cfg.id = "C1";
  c1.cfg.nodes = {"C1-n1", "C1-n2"};
  cluster_entry c2;
  c2.cfg.id = "C2";
  c2.cfg.nodes = {"C2-n1"};
  t.entries = {c1, c2};
  return t;
}

TEST(ClusterTableMoves, ANodeIsListedWhereItServesOrWhereItStillDrains) {
  auto t = two_pool_clusters();
  EXPECT_EQ(t.listed_in("C1-n2"), "C1");
  EXPECT_EQ(t.listed_in("C9-n1"), "");
  EXPECT_EQ(t.of_node("C1-n2")->cfg.id, "C1");
  // Moving to C2: it serves C2, listed in C1 until drained.
  t.placed["C1-n2"] = "C2";
  t.leaving["C1-n2"] = "C1";
  EXPECT_EQ(t.of_node("C1-n2")->cfg.id, "C2");
  EXPECT_EQ(t.listed_in("C1-n2"), "C1");
  t.leaving.clear();
  EXPECT_EQ(t.listed_in("C1-n2"), "C2");
}

TEST(ClusterTableMoves, EachStatusKeepsOnlyTheNodesItListsAndCpuCountsThem) {
  auto t = two_pool_clusters();
  t.placed["C1-n2"] = "C2";
  // Both balancers report every node of the pool.
  std::vector<std::optional<balancer_status>> rs(2);
  for (size_t i = 0; i < 2; ++i) {
    rs[i] = balancer_status{};
    rs[i]->cluster_id = i == 0 ? "C1" : "C2";
    rs[i]->nodes = {node_status{"C1-n1", "active", 3, 0.9},
                    node_status{"C1-n2", "active", 2, 0.3},
                    node_status{"C2-n1", "active", 1, 0.1}};
  }
  auto out = t.status();
  merge_reports(out, rs);
  t.keep_listed(out);
  ASSERT_EQ(out.size(), 2u);
  ASSERT_EQ(out[0].nodes.size(), 1u);
  EXPECT_EQ(out[0].nodes[0].node_id, "C1-n1");
  ASSERT_EQ(out[1].nodes.size(), 2u);
  EXPECT_EQ(out[1].nodes[0].node_id, "C1-n2");
  EXPECT_EQ(out[1].nodes[1].node_id, "C2-n1");
  t.take_reports(rs);
  EXPECT_DOUBLE_EQ(t.find("C1")->cpu, 0.9);
  EXPECT_DOUBLE_EQ(t.find("C2")->cpu, 0.2);
}

// Tester finding (session 26): with a cluster's only balancer down, none
// of its nodes was listed, though their processes were alive.
TEST(ClusterTableMoves, NodesNoBalancerReportedAreListedAsUnknown) {
  auto t = two_pool_clusters(); // C1: C1-n1, C1-n2; C2: C2-n1
  t.entries[1].pool_nodes = {"C2-n1", "C1-n1", "C1-n2"};
  t.placed["C1-n2"] = "C2";
  std::vector<std::optional<balancer_status>> rs(1);
  rs[0] = balancer_status{};
  rs[0]->cluster_id = "C1";
  rs[0]->nodes = {node_status{"C1-n1", "active", 3, 0.9}};
  auto out = t.status();
  merge_reports(out, rs);
  t.keep_listed(out);
  t.add_unreported(out);
  ASSERT_EQ(out.size(), 2u);
  // C1's report stands; C2 (no report) lists its own node and the one
  // moved to it, neither with a known load.
  ASSERT_EQ(out[0].nodes.size(), 1u);
  EXPECT_EQ(out[0].nodes[0].state, "active");
  EXPECT_TRUE(out[0].nodes[0].load_known());
  ASSERT_EQ(out[1].nodes.size(), 2u);
  EXPECT_EQ(out[1].nodes[0].node_id, "C2-n1");
  EXPECT_EQ(out[1].nodes[1].node_id, "C1-n2");
  for (const auto& n : out[1].nodes) {
    EXPECT_EQ(n.state, "unknown");
    EXPECT_FALSE(n.load_known());
  }
  // Added once only.
  t.add_unreported(out);
  EXPECT_EQ(out[1].nodes.size(), 2u);
}

TEST(ClusterAdminMoves, AStoredMoveIsAKeyOfItsOwnAppliedWhenTheTopologyAllows) {
  EXPECT_EQ(cluster_admin::placement_key("C2-n1"), "C2-n1#cluster");
  EXPECT_EQ(cluster_admin::moved_node("C2-n1#cluster"), "C2-n1");
  EXPECT_FALSE(cluster_admin::moved_node("C2-n1"));
  EXPECT_FALSE(cluster_admin::moved_node("#cluster"));
  auto t = two_pool_clusters();
  t.entries[1].pool_nodes = {"C2-n1", "C1-n1", "C1-n2"};
  storage::admin_settings stored;
  stored.node_states = {{"C1-n2#cluster", "C2"},
                        {"C2-n1#cluster", "C1"}, // C1 does not hold C2-n1
                        {"C1-n1", "draining"}};
  cluster_admin admin;
  admin.apply_stored(t, stored);
  EXPECT_EQ(t.placed, (std::map<std::string, std::string>{{"C1-n2", "C2"}}));
  EXPECT_EQ(admin.node_state("C1-n1"), "draining");
  EXPECT_EQ(admin.node_state("C1-n2"), "active");
}

} // namespace
} // namespace tether::test
