// Live reconfiguration and re-allocation without actors: the cluster
// manager's admin changes (validation, partial changes, declared clusters,
// stored changes applied at start, node states), which terminals must move,
// and the balancer's treatment of a draining node. (The control's choice of
// candidates is tested in tests/actors/control/terminal_table_test.cpp, the
// re-allocation pacer in tests/actors/policy/pacer_test.cpp.)
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "actors/cluster_balancer/cluster_balancer.hpp"
#include "actors/cluster_manager/cluster_manager.hpp"
#include "actors/system/errors.hpp"

namespace tether {
namespace {

cluster_manager_state::cluster_entry entry(const std::string& id,
                                           config::cluster_labels labels,
                                           bool enabled = true) {
  cluster_manager_state::cluster_entry c;
  c.cfg.id = id;
  c.cfg.labels = std::move(labels);
  c.cfg.nodes = {id + "-n1", id + "-n2"};
  c.enabled = enabled;
  c.balancers.push_back(
    balancer_info{id + "-b1", id, "ws://" + id, cluster_balancer_actor{}});
  return c;
}

assigned_label label(std::map<std::string, std::string> items) {
  return assigned_label{std::move(items)};
}

/// C1: GG1; C2: GG2; C3: declared (not in service), GG1 or GG2.
cluster_manager_state manager() {
  cluster_manager_state st;
  st.clusters.push_back(entry("C1", {{"region", {"GG1"}}}));
  st.clusters.push_back(entry("C2", {{"region", {"GG2"}}}));
  st.clusters.push_back(entry("C3", {{"region", {"GG1", "GG2"}}}, false));
  return st;
}

errc code_of(const caf::error& err) {
  return view(err).code;
}

// -- cluster changes
// -------------------------------------------------------------

TEST(AdminCluster, ChangeKeepsWhatItLeavesOut) {
  auto st = manager();
  cluster_change ch;
  ch.cluster_id = "C1";
  ch.state = "draining";
  auto s = st.settings_for(ch);
  ASSERT_TRUE(s) << caf::to_string(s.error());
  EXPECT_EQ(s->state, "draining");
  EXPECT_EQ(s->weight, 1u);
  EXPECT_EQ(s->labels, (config::cluster_labels{{"region", {"GG1"}}}));
  // Nothing applies before apply() (the store write comes first).
  EXPECT_EQ(st.clusters[0].state, "active");
  st.apply(*s);
  EXPECT_EQ(st.clusters[0].state, "draining");
  ch = {};
  ch.cluster_id = "C1";
  ch.has_labels = true;
  ch.labels = {{"model", {"GJ1"}}};
  ch.weight = 5;
  s = st.settings_for(ch);
  ASSERT_TRUE(s);
  st.apply(*s);
  EXPECT_EQ(st.clusters[0].state, "draining"); // kept
  EXPECT_EQ(st.clusters[0].cfg.weight, 5u);
  EXPECT_EQ(st.clusters[0].cfg.labels,
            (config::cluster_labels{{"model", {"GJ1"}}}));
}

TEST(AdminCluster, RefusesWhatCannotBeAndChangesNothing) {
  auto st = manager();
  auto before = st.status();
  auto refuse = [&](cluster_change ch, errc code, const std::string& field) {
    auto s = st.settings_for(ch);
    ASSERT_FALSE(s);
    EXPECT_EQ(code_of(s.error()), code);
    EXPECT_NE(view(s.error()).message.find(field), std::string::npos)
      << view(s.error()).message;
  };
  cluster_change unknown;
  unknown.cluster_id = "C9";
  refuse(unknown, errc::not_found, "C9");
  cluster_change bad_item;
  bad_item.cluster_id = "C1";
  bad_item.has_labels = true;
  bad_item.labels = {{"colour", {"red"}}};
  refuse(bad_item, errc::bad_request, "labels.colour");
  cluster_change no_values = bad_item;
  no_values.labels = {{"region", {}}};
  refuse(no_values, errc::bad_request, "labels.region");
  cluster_change bad_state;
  bad_state.cluster_id = "C1";
  bad_state.state = "sleeping";
  refuse(bad_state, errc::bad_request, "state");
  cluster_change bad_weight;
  bad_weight.cluster_id = "C1";
  bad_weight.weight = 1'000'001;
  refuse(bad_weight, errc::bad_request, "weight");
  auto after = st.status();
  ASSERT_EQ(after.size(), before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    EXPECT_EQ(after[i].labels, before[i].labels);
    EXPECT_EQ(after[i].state, before[i].state);
    EXPECT_EQ(after[i].weight, before[i].weight);
  }
}

TEST(AdminCluster, DeclaredClusterJoinsWhenAdded) {
  auto st = manager();
  std::string why;
  // Not in service: not listed, never chosen (GG1 only matches C1).
  ASSERT_EQ(st.status().size(), 2u);
  st.clusters[0].connections = 10;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}}), "", why), 0u);
  cluster_change add;
  add.cluster_id = "C3";
  auto s = st.settings_for(add);
  ASSERT_TRUE(s);
  st.apply(*s);
  ASSERT_EQ(st.status().size(), 3u);
  EXPECT_EQ(st.status()[2].cluster_id, "C3");
  // Now the fewest connections among C1 and C3: C3.
  EXPECT_EQ(st.choose(label({{"region", "GG1"}}), "", why), 2u);
}

TEST(AdminCluster, DrainingClusterTakesNoNewTerminals) {
  auto st = manager();
  cluster_change drain;
  drain.cluster_id = "C1";
  drain.state = "draining";
  st.apply(*st.settings_for(drain));
  std::string why;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}}), "", why), std::nullopt);
  EXPECT_NE(why.find("active"), std::string::npos) << why;
  // Weight 0 is the same.
  cluster_change zero;
  zero.cluster_id = "C2";
  zero.weight = 0;
  st.apply(*st.settings_for(zero));
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why), std::nullopt);
}

TEST(AdminCluster, StoredChangesApplyOverTheTopologyAtStart) {
  auto st = manager();
  storage::admin_settings admin;
  admin.clusters.push_back({"C2", {{"region", {"GG3"}}}, "draining", 3});
  admin.clusters.push_back({"C3", {{"region", {"GG1"}}}, "active", 1});
  admin.clusters.push_back({"C9", {}, "active", 1}); // gone from topology
  admin.node_states = {{"C1-n2", "draining"}, {"X-n1", "draining"}};
  st.apply_admin(admin);
  ASSERT_EQ(st.status().size(), 3u); // C3 was added at run time
  EXPECT_EQ(st.find("C2")->state, "draining");
  EXPECT_EQ(st.find("C2")->cfg.weight, 3u);
  EXPECT_EQ(st.find("C2")->cfg.labels,
            (config::cluster_labels{{"region", {"GG3"}}}));
  EXPECT_EQ(st.find("C9"), nullptr);
  EXPECT_EQ(st.node_state("C1-n2"), "draining");
  EXPECT_EQ(st.node_state("C1-n1"), "active");
  EXPECT_EQ(st.node_states.count("X-n1"), 0u);
}

TEST(AdminNode, NodesAreFoundInTheirCluster) {
  auto st = manager();
  ASSERT_NE(st.cluster_of_node("C2-n1"), nullptr);
  EXPECT_EQ(st.cluster_of_node("C2-n1")->cfg.id, "C2");
  // Nodes of a declared cluster may be drained before it is added.
  EXPECT_EQ(st.cluster_of_node("C3-n2")->cfg.id, "C3");
  EXPECT_EQ(st.cluster_of_node("C2-n9"), nullptr);
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
  EXPECT_EQ(st.terminal_cluster.at("T2"), "C1");
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
  st.apply(*st.settings_for(ch));
  ch.cluster_id = "C2";
  ch.labels = {{"region", {"GG1", "GG2"}}};
  st.apply(*st.settings_for(ch));
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
  st.apply(*st.settings_for(add));
  st.assign("T1", "C1");
  st.assign("T2", "C2");
  cluster_change drain;
  drain.cluster_id = "C1";
  drain.state = "draining";
  st.apply(*st.settings_for(drain));
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
  st.strategy = cluster_strategy::round_robin;
  st.assign("T1", "C2");
  st.rr.global = 7;
  st.rr.of("u1") = 3;
  realloc_plan plan;
  plan.terminal_ids = {"T1"};
  plan.labels = {label({{"region", "GG1"}})};
  ASSERT_TRUE(st.must_move(plan));
  EXPECT_EQ(st.rr.global, 7u);
  EXPECT_EQ(st.rr.of("u1"), 3u);
}

// -- the balancer and a draining node
// -------------------------------------------------

TEST(BalancerDrain, DrainingNodeTakesNoNewSessionsAndShowsItsState) {
  cluster_balancer_state st;
  st.cfg.cluster_id = "C1";
  for (const char* id : {"C1-n1", "C1-n2"})
    st.nodes.push_back(
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

} // namespace
} // namespace tether
