// cluster_manager_state and cluster_balancer_state without actors: the
// manager's cluster choice (stay when still matching, say why when none can),
// assignment counts and destinations; the balancer's node choice, counts and
// status.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/cluster_balancer/cluster_balancer.hpp"
#include "actors/cluster_manager/cluster_manager.hpp"

namespace tether {
namespace {

// -- cluster_manager_state
// ------------------------------------------------------

cluster_manager_state::cluster_entry cluster(const std::string& id,
                                             config::cluster_labels labels,
                                             uint32_t connections = 0,
                                             size_t balancers = 1) {
  cluster_manager_state::cluster_entry c;
  c.cfg.id = id;
  c.cfg.labels = std::move(labels);
  c.connections = connections;
  for (size_t i = 0; i < balancers; ++i)
    c.balancers.push_back(balancer_info{
      id + "-b" + std::to_string(i + 1), id,
      "ws://" + id + "/" + std::to_string(i + 1), cluster_balancer_actor{}});
  return c;
}

assigned_label label(std::map<std::string, std::string> items) {
  return assigned_label{std::move(items)};
}

/// C1: region GG1 (models GJ1, GJ2); C2: region GG2; C3: region GG1 or GG2.
cluster_manager_state three_clusters() {
  cluster_manager_state st;
  st.clusters.push_back(
    cluster("C1", {{"region", {"GG1"}}, {"model", {"GJ1", "GJ2"}}}, 5));
  st.clusters.push_back(cluster("C2", {{"region", {"GG2"}}}, 0));
  st.clusters.push_back(cluster("C3", {{"region", {"GG1", "GG2"}}}, 2));
  return st;
}

TEST(ManagerChoose, FewestConnectionsAmongMatching) {
  auto st = three_clusters();
  std::string why;
  // GG1/GJ1 matches C1 (5) and C3 (2): C3.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            2u);
  // GG2 matches C2 (0) and C3: C2.
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why), 1u);
  // GG1 with another model only matches C3.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ7"}}), "", why),
            2u);
  EXPECT_TRUE(why.empty());
}

balancer_status report(const std::string& cluster, uint32_t connections,
                       std::vector<node_status> nodes) {
  return balancer_status{cluster + "-b1", cluster, "ws://x", connections,
                         std::move(nodes)};
}

TEST(ManagerChoose, LeastLoadFromTheBalancersReports) {
  auto st = three_clusters();
  st.strategy = cluster_strategy::least_load;
  // C1's live node uses less memory than C3's (its failed node is ignored;
  // a node reported by two balancers counts once).
  st.take_reports(
    {report("C1", 7,
            {node_status{"C1-n1", "active", 7, 0.9, 100},
             node_status{"C1-n2", "failed", 0, 0.0, 1}}),
     report("C3", 1,
            {node_status{"C3-n1", "active", 1, 0.1, 500},
             node_status{"C3-n2", "active", 0, 0.1, 300}}),
     report("C3", 2, {node_status{"C3-n1", "active", 1, 0.1, 500}}),
     std::nullopt});
  EXPECT_EQ(st.clusters[0].connections, 7u);
  EXPECT_EQ(st.clusters[0].memory, 100u);
  EXPECT_EQ(st.clusters[2].connections, 3u);
  EXPECT_EQ(st.clusters[2].memory, 400u);    // mean of 500 and 300
  EXPECT_EQ(st.clusters[1].connections, 0u); // no report: 0
  std::string why;
  // GG1 matches C1 and C3: C1 has less memory although more CPU.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            0u);
  // Fewest connections would have taken C3.
  st.strategy = cluster_strategy::fewest_connections;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            2u);
  // A per-item rule for "model" brings least_load back for labels with a model.
  st.item_strategies["model"] = cluster_strategy::least_load;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            0u);
  EXPECT_EQ(st.choose(label({{"region", "GG1"}}), "", why), 2u);
}

TEST(ManagerChoose, WeightedAndRoundRobinPerUser) {
  auto st = three_clusters(); // GG2: C2 (0 conns) and C3 (2 conns)
  st.clusters[1].connections = 10;
  st.clusters[2].connections = 12;
  st.clusters[2].cfg.weight = 3;
  st.strategy = cluster_strategy::weighted;
  std::string why;
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why), 2u); // 12/3 < 10/1
  st.strategy = cluster_strategy::round_robin_per_user;
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why, "u1"), 1u);
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why, "u2"), 1u);
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why, "u1"), 2u);
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why, "u1"), 1u);
}

TEST(ManagerChoose, KeepsTheCurrentClusterWhileItMatches) {
  auto st = three_clusters();
  std::string why;
  // C1 has the most connections, but the terminal is already there.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "C1", why),
            0u);
  // Its label changed: C1 no longer matches, so it moves.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ9"}}), "C1", why),
            2u);
  // The current cluster is draining: it moves.
  st.clusters[0].state = "draining";
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "C1", why),
            2u);
  st.clusters[0].state = "active";
  // ... has weight 0: it moves.
  st.clusters[0].cfg.weight = 0;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "C1", why),
            2u);
  st.clusters[0].cfg.weight = 1;
  // ... has lost its balancers: it moves.
  st.clusters[0].balancers.clear();
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "C1", why),
            2u);
  // An unknown current cluster does not matter.
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "C9", why), 1u);
}

TEST(ManagerChoose, NoMatchSaysWhichLabel) {
  auto st = three_clusters();
  std::string why;
  auto pick = st.choose(label({{"region", "GG9"}, {"model", "GJ1"}}), "", why);
  EXPECT_FALSE(pick);
  EXPECT_NE(why.find("no cluster matches"), std::string::npos) << why;
  EXPECT_NE(why.find("region=GG9"), std::string::npos) << why;
  EXPECT_NE(why.find("model=GJ1"), std::string::npos) << why;
}

TEST(ManagerChoose, MatchingButUnusableSaysSo) {
  auto st = three_clusters();
  st.clusters[1].state = "draining"; // C2
  st.clusters[2].balancers.clear();  // C3 unreachable
  std::string why;
  EXPECT_FALSE(st.choose(label({{"region", "GG2"}}), "", why));
  EXPECT_NE(why.find("region=GG2"), std::string::npos) << why;
  EXPECT_NE(why.find("is active and reachable"), std::string::npos) << why;
  // Weight 0 takes no new terminals either.
  st = three_clusters();
  st.clusters[1].cfg.weight = 0;
  st.clusters[2].cfg.weight = 0;
  why.clear();
  EXPECT_FALSE(st.choose(label({{"region", "GG2"}}), "", why));
  EXPECT_FALSE(why.empty());
}

TEST(ManagerChoose, EmptyLabelMatchesEveryCluster) {
  auto st = three_clusters();
  std::string why;
  EXPECT_EQ(st.choose(label({}), "", why), 1u); // fewest connections: C2
}

TEST(ManagerChoose, RoundRobinAmongMatching) {
  auto st = three_clusters();
  st.strategy = cluster_strategy::round_robin;
  std::string why;
  std::vector<size_t> picks;
  for (int i = 0; i < 4; ++i)
    picks.push_back(*st.choose(label({{"region", "GG2"}}), "", why));
  EXPECT_EQ(picks, (std::vector<size_t>{1, 2, 1, 2}));
}

TEST(ManagerAssign, CountsAndReassignment) {
  auto st = three_clusters();
  for (auto& c : st.clusters)
    c.connections = 0;
  st.assign("T1", "C1");
  st.assign("T2", "C1");
  EXPECT_EQ(st.find("C1")->assigned, 2u);
  EXPECT_EQ(st.find("C1")->connections, 2u); // expected until the next refresh
  EXPECT_EQ(st.terminal_cluster.at("T1"), "C1");
  // Same cluster again: nothing changes.
  st.assign("T1", "C1");
  EXPECT_EQ(st.find("C1")->assigned, 2u);
  EXPECT_EQ(st.find("C1")->connections, 2u);
  // Moving.
  st.assign("T1", "C2");
  EXPECT_EQ(st.find("C1")->assigned, 1u);
  EXPECT_EQ(st.find("C2")->assigned, 1u);
  EXPECT_EQ(st.terminal_cluster.at("T1"), "C2");
  EXPECT_EQ(st.find("C9"), nullptr);
}

TEST(ManagerDestination, ListsEveryBalancerInOrder) {
  cluster_manager_state st;
  st.keepalive_s = 25;
  st.clusters.push_back(cluster("C1", {}, 0, 2));
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

// -- cluster_balancer_state
// --------------------------------------------------------

cluster_balancer_state balancer_with(std::vector<node_status> reports) {
  cluster_balancer_state st;
  st.cfg.balancer_id = "C1-b1";
  st.cfg.cluster_id = "C1";
  st.cfg.url = "ws://C1/1";
  for (auto& r : reports)
    st.nodes.push_back({r.node_id, node_actor{}, r, 0, false});
  return st;
}

node_status report(const char* id, uint32_t sessions,
                   const char* state = "active") {
  return node_status{id, state, sessions, 0.5, 1000};
}

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
    auto& c = st.conns[conn];
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

TEST(BalancerPlace, MovesAndErase) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  auto& c = st.conns[1];
  c.terminal_id = "T1";
  st.by_terminal["T1"] = 1;
  st.place(c, 0);
  EXPECT_EQ(st.nodes[0].own, 1u);
  st.place(c, 1); // restarted on another node
  EXPECT_EQ(st.nodes[0].own, 0u);
  EXPECT_EQ(st.nodes[1].own, 1u);
  auto erased = st.erase(1);
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->terminal_id, "T1");
  EXPECT_EQ(st.nodes[1].own, 0u);
  EXPECT_TRUE(st.conns.empty());
  EXPECT_TRUE(st.by_terminal.empty());
  EXPECT_FALSE(st.erase(1));
}

TEST(BalancerErase, KeepsTheNewerConnectionOfTheTerminal) {
  auto st = balancer_with({report("n1", 0)});
  st.conns[1].terminal_id = "T1";
  st.conns[2].terminal_id = "T1";
  st.by_terminal["T1"] = 2; // conn 2 replaced conn 1
  st.erase(1);
  EXPECT_EQ(st.by_terminal.at("T1"), 2u);
  st.erase(2);
  EXPECT_EQ(st.by_terminal.count("T1"), 0u);
}

TEST(BalancerStatus, CountsAndNodeStates) {
  auto st = balancer_with(
    {report("n1", 3), report("n2", 0), report("n3", 0, "draining")});
  using phase = cluster_balancer_state::phase;
  phase phases[] = {phase::admitting, phase::upgrading, phase::spawning,
                    phase::live, phase::live};
  uint64_t conn = 0;
  for (auto p : phases) {
    auto& c = st.conns[++conn];
    c.terminal_id = "T" + std::to_string(conn);
    c.at = p;
  }
  st.place(st.conns[4], 1);
  st.place(st.conns[5], 1);
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

} // namespace
} // namespace tether

namespace tether {
namespace {

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

} // namespace
} // namespace tether
