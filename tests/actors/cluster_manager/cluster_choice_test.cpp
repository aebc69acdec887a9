// cluster_choice (tests/actors/cluster_manager/clusters.hpp builds the
// clusters): which cluster a terminal gets, staying where it is while its
// cluster still matches, saying why when none can; and which terminals a
// re-allocation must move.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

balancer_status report(const std::string& cluster, uint32_t connections,
                       std::vector<node_status> nodes) {
  balancer_status r;
  r.balancer_id = cluster + "-b1";
  r.cluster_id = cluster;
  r.url = "ws://x";
  r.connections = connections;
  r.nodes = std::move(nodes);
  return r;
}

// S640 (strict, the default): a cluster that names no model takes no
// terminal with one; lenient lets it.
TEST(ManagerChoose, StrictAndLenientMatching) {
  cluster_manager_state st;
  st.clusters.entries.push_back(
    cluster("C1", {{"region", {"GG1"}}, {"model", {"GJ1"}}}, 5));
  st.clusters.entries.push_back(cluster("C2", {{"region", {"GG1"}}}, 0));
  std::string why;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            0u);
  EXPECT_FALSE(
    st.choose(label({{"region", "GG1"}, {"model", "GJ5"}}), "", why));
  EXPECT_FALSE(why.empty());
  EXPECT_EQ(st.choose(label({}), "", why), 1u); // null label: any cluster
  st.choice.matching = label_matching::lenient;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            1u); // fewest connections
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ5"}}), "", why),
            1u);
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

/// A node's report with its load (utilisation as on a host of 1,000
/// bytes and one CPU).
node_status loaded(const char* id, const char* state, uint32_t sessions,
                   double cpu, uint64_t memory) {
  node_status n{id, state, sessions, cpu, memory};
  n.cpu_util = cpu;
  n.memory_util = static_cast<double>(memory) / 1000;
  return n;
}

TEST(ManagerChoose, LeastLoadFromTheBalancersReports) {
  auto st = three_clusters();
  st.choice.strategy = cluster_strategy::least_load;
  // C1's live node uses less memory than C3's (its failed node is ignored;
  // a node reported by two balancers counts once).
  st.clusters.take_reports(
    {report("C1", 7,
            {loaded("C1-n1", "active", 7, 0.9, 100),
             loaded("C1-n2", "failed", 0, 0.0, 1)}),
     report("C3", 1,
            {loaded("C3-n1", "active", 1, 0.1, 500),
             loaded("C3-n2", "active", 0, 0.1, 300)}),
     report("C3", 2, {loaded("C3-n1", "active", 1, 0.1, 500)}), std::nullopt});
  EXPECT_EQ(st.clusters[0].connections, 7u);
  EXPECT_EQ(st.clusters[0].memory, 100u);
  EXPECT_EQ(st.clusters[2].connections, 3u);
  EXPECT_EQ(st.clusters[2].memory, 400u); // mean of 500 and 300
  EXPECT_DOUBLE_EQ(st.clusters[2].memory_util, 0.4);
  EXPECT_DOUBLE_EQ(st.clusters[2].cpu_util, 0.1);
  EXPECT_EQ(st.clusters[1].connections, 0u); // no report: 0
  std::string why;
  // GG1 matches C1 and C3: C1 has less memory although more CPU.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            0u);
  // Fewest connections would have taken C3.
  st.choice.strategy = cluster_strategy::fewest_connections;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            2u);
  // A per-item rule for "model" brings least_load back for labels with a model.
  st.choice.item_strategies["model"] = cluster_strategy::least_load;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}, {"model", "GJ1"}}), "", why),
            0u);
  EXPECT_EQ(st.choose(label({{"region", "GG1"}}), "", why), 2u);
}

TEST(ManagerChoose, WeightedAndRoundRobinPerUser) {
  auto st = three_clusters(); // GG2: C2 (0 conns) and C3 (2 conns)
  st.clusters[1].connections = 10;
  st.clusters[2].connections = 12;
  st.clusters[2].cfg.weight = 3;
  st.choice.strategy = cluster_strategy::weighted;
  std::string why;
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why), 2u); // 12/3 < 10/1
  st.choice.strategy = cluster_strategy::round_robin_per_user;
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

// Tester finding (session 26): a cluster whose only node was draining
// still took new devices, which its balancer then closed with 1013 "no
// node available", again and again.
TEST(ManagerChoose, AClusterWithoutANodeTakingSessionsIsNoCandidate) {
  auto st = three_clusters(); // GG2: C2 (0 connections) and C3 (2)
  auto report = [](const char* cluster, std::vector<node_status> nodes) {
    balancer_status r;
    r.cluster_id = cluster;
    r.nodes = std::move(nodes);
    return std::optional<balancer_status>{std::move(r)};
  };
  std::string why;
  // C2's nodes: one draining, one failed; C3's: one active.
  st.clusters.take_reports({report("C2", {node_status{"C2-n1", "draining"},
                                          node_status{"C2-n2", "failed"}}),
                            report("C3", {node_status{"C3-n1", "active"}})});
  EXPECT_FALSE(st.clusters[1].open_nodes);
  auto pick = st.choose(label({{"region", "GG2"}}), "", why);
  ASSERT_TRUE(pick) << why;
  EXPECT_EQ(st.clusters[*pick].cfg.id, "C3");
  // A terminal of C2 that registers again stays: a node restarting must
  // not move a cluster's devices for good.
  pick = st.choose(label({{"region", "GG2"}}), "C2", why);
  ASSERT_TRUE(pick) << why;
  EXPECT_EQ(st.clusters[*pick].cfg.id, "C2");
  // A round in which C2's balancer did not answer changes nothing; its
  // next report with an active node opens it again.
  st.clusters.take_reports({std::nullopt, report("C3", {})});
  EXPECT_FALSE(st.clusters[1].open_nodes);
  EXPECT_FALSE(st.clusters[2].open_nodes);
  why.clear();
  EXPECT_FALSE(st.choose(label({{"region", "GG2"}}), "", why));
  EXPECT_NE(why.find("a node taking new sessions"), std::string::npos) << why;
  st.clusters.take_reports({report("C2", {node_status{"C2-n1", "active"}})});
  pick = st.choose(label({{"region", "GG2"}}), "", why);
  ASSERT_TRUE(pick) << why;
  EXPECT_EQ(st.clusters[*pick].cfg.id, "C2");
  // A balancer that joins opens its cluster until its first report (as
  // an operator's GET, whose live reports count too: note_open).
  st.clusters.note_open({report("C3", {node_status{"C3-n1", "failed"}})});
  EXPECT_FALSE(st.clusters[2].open_nodes);
  st.clusters.join(st.clusters[2].balancers.front());
  EXPECT_TRUE(st.clusters[2].open_nodes);
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
  st.choice.strategy = cluster_strategy::round_robin;
  std::string why;
  std::vector<size_t> picks;
  for (int i = 0; i < 4; ++i)
    picks.push_back(*st.choose(label({{"region", "GG2"}}), "", why));
  EXPECT_EQ(picks, (std::vector<size_t>{1, 2, 1, 2}));
}

// -- which terminals must move
// -----------------------------------------------------

TEST(Reallocation, OnlyTerminalsWhoseClusterChangesMove) {
  auto st = manager();
  st.assign("T1", "C1"); // GG1, stays
  st.assign("T2", "C1"); // now GG2: moves to C2
  st.assign("T3", "C2"); // GG2, stays
  st.assign("T4", "C2"); // now GG7: no cluster takes it, stays
  realloc_plan plan;
  plan.terminal_ids = {"T1", "T2", "T3", "T4", "T5"}; // T5: not mapped
  plan.labels = {label({{"region", "GG1"}}), label({{"region", "GG2"}}),
                 label({{"region", "GG2"}}), label({{"region", "GG7"}}),
                 label({{"region", "GG1"}})};
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_EQ(*moving, std::vector<std::string>{"T2"});
  // Planning changes nothing.
  EXPECT_EQ(st.terminals.current("T2"), "C1");
}

TEST(Reallocation, ChangedClusterLabelsMoveExactlyTheirTerminals) {
  auto st = manager();
  st.assign("A", "C1");
  st.assign("B", "C1");
  st.assign("C", "C2");
  // C1 now only takes model GJ1; C2 takes GG1 too.
  cluster_change ch;
  ch.cluster_id = "C1";
  ch.has_labels = true;
  ch.labels = {{"region", {"GG1"}}, {"model", {"GJ1"}}};
  cluster_admin::apply(st.clusters,
                       *cluster_admin::settings_for(st.clusters, ch));
  ch.cluster_id = "C2";
  ch.labels = {{"region", {"GG1", "GG2"}}, {"model", {"*"}}};
  cluster_admin::apply(st.clusters,
                       *cluster_admin::settings_for(st.clusters, ch));
  realloc_plan plan;
  plan.terminal_ids = {"A", "B", "C"};
  plan.labels = {label({{"region", "GG1"}, {"model", "GJ1"}}),
                 label({{"region", "GG1"}, {"model", "GJ2"}}),
                 label({{"region", "GG2"}, {"model", "GJ2"}})};
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_EQ(*moving, std::vector<std::string>{"B"});
}

TEST(Reallocation, DrainingClusterMovesItsTerminalsWhereOthersCanTakeThem) {
  auto st = manager();
  cluster_change add;
  add.cluster_id = "C3";
  cluster_admin::apply(st.clusters,
                       *cluster_admin::settings_for(st.clusters, add));
  st.assign("T1", "C1");
  st.assign("T2", "C2");
  cluster_change drain;
  drain.cluster_id = "C1";
  drain.state = "draining";
  cluster_admin::apply(st.clusters,
                       *cluster_admin::settings_for(st.clusters, drain));
  realloc_plan plan;
  plan.cluster_id = "C1";
  plan.terminal_ids = {"T1", "T2"};
  plan.labels = {label({{"region", "GG1"}}), label({{"region", "GG2"}})};
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_EQ(*moving, std::vector<std::string>{"T1"});
  plan.cluster_id = "C9";
  auto unknown = st.must_move(plan);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(code_of(unknown.error()), errc::not_found);
}

TEST(Reallocation, PlanningKeepsTheRoundRobinPosition) {
  auto st = manager();
  st.choice.strategy = cluster_strategy::round_robin;
  st.assign("T1", "C2");
  st.choice.rr.global = 7;
  st.choice.rr.of("u1") = 3;
  realloc_plan plan;
  plan.terminal_ids = {"T1"};
  plan.labels = {label({{"region", "GG1"}})};
  ASSERT_TRUE(st.must_move(plan));
  EXPECT_EQ(st.choice.rr.global, 7u);
  EXPECT_EQ(st.choice.rr.of("u1"), 3u);
}

// Label classes (docs/LABELS.md, "Periodic re-allocation"): C1 takes every
// error frequency ("*"), C2 names "high" explicitly, C3 too (same class).
cluster_manager_state error_classes() {
  cluster_manager_state st;
  st.clusters.entries.push_back(
    cluster("C1", {{"region", {"GG1"}}, {"api_error_frequency", {"*"}}}, 0));
  st.clusters.entries.push_back(
    cluster("C2", {{"region", {"GG1"}}, {"api_error_frequency", {"high"}}}, 9));
  st.clusters.entries.push_back(
    cluster("C3", {{"region", {"GG1"}}, {"api_error_frequency", {"high"}}}, 4));
  return st;
}

TEST(LabelClass, CountsComputedItemsNamedExplicitly) {
  config::cluster_labels labels{{"region", {"GG1"}},
                                {"api_error_frequency", {"high"}},
                                {"print_frequency", {"*"}}};
  EXPECT_EQ(label_class(labels, label({{"region", "GG1"},
                                       {"api_error_frequency", "high"},
                                       {"print_frequency", "low"}})),
            1u); // region is not computed, "*" names nothing
  EXPECT_EQ(label_class(labels, label({{"api_error_frequency", "low"}})), 0u);
  EXPECT_EQ(label_class(labels, label({})), 0u);
}

TEST(ManagerChoose, TheBestClassWinsOverLoad) {
  auto st = error_classes();
  std::string why;
  auto high = label({{"region", "GG1"}, {"api_error_frequency", "high"}});
  // C1 has the fewest connections, but C2/C3 name "high": the fewest of
  // those (C3).
  EXPECT_EQ(st.choose(high, "", why), std::optional<size_t>{2});
  auto low = label({{"region", "GG1"}, {"api_error_frequency", "low"}});
  EXPECT_EQ(st.choose(low, "", why), std::optional<size_t>{0});
}

TEST(Reallocation, ABetterClassMovesATerminalWhoseClusterStillMatches) {
  auto st = error_classes();
  st.assign("T1", "C1"); // placed while its errors were low
  st.assign("T2", "C1");
  realloc_plan plan;
  plan.terminal_ids = {"T1", "T2"};
  plan.labels = {label({{"region", "GG1"}, {"api_error_frequency", "high"}}),
                 label({{"region", "GG1"}, {"api_error_frequency", "low"}})};
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_EQ(*moving, std::vector<std::string>{"T1"});
}

TEST(Reallocation, EqualClassesNeverMoveForLoadOrTieBreak) {
  auto st = error_classes();
  st.assign("T1", "C2"); // C3 has fewer connections: same class, stays
  st.assign("T2", "C1"); // low: C1 is the only match
  realloc_plan plan;
  plan.terminal_ids = {"T1", "T2"};
  plan.labels = {label({{"region", "GG1"}, {"api_error_frequency", "high"}}),
                 label({{"region", "GG1"}, {"api_error_frequency", "low"}})};
  for (auto how :
       {cluster_strategy::fewest_connections, cluster_strategy::round_robin,
        cluster_strategy::weighted, cluster_strategy::least_load}) {
    st.choice.strategy = how;
    auto moving = st.must_move(plan);
    ASSERT_TRUE(moving);
    EXPECT_TRUE(moving->empty());
  }
  // A tie of connections between C2 and C3 moves nobody either.
  st.clusters.entries[1].connections = 4;
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_TRUE(moving->empty());
}

TEST(Reallocation, AnUnusableBetterClassMovesNobody) {
  auto st = error_classes();
  st.assign("T1", "C1");
  st.clusters.entries[1].state = "draining";
  st.clusters.entries[2].balancers.clear(); // unreachable
  realloc_plan plan;
  plan.terminal_ids = {"T1"};
  plan.labels = {label({{"region", "GG1"}, {"api_error_frequency", "high"}})};
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_TRUE(moving->empty());
}

// GE/GF classes are spread: each member has its slot among the clusters
// of the best class (rendezvous hashing), which re-allocation keeps.
TEST(ManagerChoose, MembersOfAClassAreSpreadOverTheClusters) {
  cluster_manager_state st;
  for (auto id : {"C1", "C2", "C3"})
    st.clusters.entries.push_back(
      cluster(id, {{"disconnect_group", {"*"}}}, 0));
  std::map<std::string, int> per_cluster;
  realloc_plan plan;
  for (int i = 0; i < 60; ++i) {
    auto id = "T" + std::to_string(i);
    auto member = label({{"disconnect_group", "ge-1700000000"}});
    std::string why;
    auto pick = st.choose(member, "", why, {}, {}, id);
    ASSERT_TRUE(pick);
    ++per_cluster[st.clusters[*pick].cfg.id];
    // All placed on C1 before the class existed: the slot decides.
    st.assign(id, "C1");
    plan.terminal_ids.push_back(id);
    plan.labels.push_back(member);
  }
  ASSERT_EQ(per_cluster.size(), 3u); // every cluster gets members
  for (const auto& [c, n] : per_cluster)
    EXPECT_GE(n, 10) << c; // 20 each on average
  auto moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_EQ(moving->size(), 60u - static_cast<size_t>(per_cluster["C1"]));
  // Once on their slots, nobody moves again.
  for (const auto& id : *moving) {
    std::string why;
    st.assign(
      id,
      st.clusters[*st.choose(plan.labels[0], "C1", why, {}, {}, id)].cfg.id);
  }
  moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_TRUE(moving->empty());
  // Not in a class ("none"): stays where it is.
  plan.labels.assign(60, label({{"disconnect_group", "none"}}));
  moving = st.must_move(plan);
  ASSERT_TRUE(moving);
  EXPECT_TRUE(moving->empty());
}

TEST(ManagerPlace, SetsTheClusterOrSaysWhyNot) {
  auto st = three_clusters();
  terminal_record rec;
  rec.terminal_id = "T1";
  EXPECT_FALSE(st.place(rec, label({{"region", "GG2"}}), ""));
  EXPECT_EQ(rec.cluster_id, "C2");
  auto err = st.place(rec, label({{"region", "GG9"}}), "");
  EXPECT_EQ(code_of(err), errc::unavailable);
  EXPECT_NE(view(err).message.find("region=GG9"), std::string::npos);
}

} // namespace
} // namespace tether::test
