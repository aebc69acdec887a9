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
  st.assign("T1", "C1");
  st.assign("T2", "C1");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 2u);
  EXPECT_EQ(st.clusters.find("C1")->connections,
            2u); // expected until the next refresh
  EXPECT_EQ(st.terminals.cluster_of.at("T1"), "C1");
  // Same cluster again: nothing changes.
  st.assign("T1", "C1");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 2u);
  EXPECT_EQ(st.clusters.find("C1")->connections, 2u);
  // Moving.
  st.assign("T1", "C2");
  EXPECT_EQ(st.clusters.find("C1")->assigned, 1u);
  EXPECT_EQ(st.clusters.find("C2")->assigned, 1u);
  EXPECT_EQ(st.terminals.cluster_of.at("T1"), "C2");
  EXPECT_EQ(st.clusters.find("C9"), nullptr);
}

TEST(ManagerDestination, ListsEveryBalancerInOrder) {
  cluster_manager_state st;
  st.keepalive_s = 25;
  st.clusters.entries.push_back(cluster("C1", {}, 0, 2));
  auto d = st.destination_for("T1", st.clusters[0]);
  EXPECT_EQ(d.terminal_id, "T1");
  EXPECT_EQ(d.cluster_id, "C1");
  EXPECT_EQ(d.cluster_urls,
            (std::vector<std::string>{"ws://C1/1", "ws://C1/2"}));
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
    // Every balancer, once, in the order of their ids rotated.
    auto pos = std::find(urls.begin(), urls.end(), "ws://a") - urls.begin();
    EXPECT_EQ(urls[(pos + 1) % 3], "ws://b");
    EXPECT_EQ(urls[(pos + 2) % 3], "ws://c");
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
