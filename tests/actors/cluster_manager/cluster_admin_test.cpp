// cluster_admin: the operator's cluster changes (validation, partial
// changes, declared clusters, stored changes applied at start) and node
// states.
#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

TEST(AdminCluster, ChangeKeepsWhatItLeavesOut) {
  auto st = manager();
  cluster_change ch;
  ch.cluster_id = "C1";
  ch.state = "draining";
  auto s = cluster_admin::settings_for(st.clusters, ch);
  ASSERT_TRUE(s) << caf::to_string(s.error());
  EXPECT_EQ(s->state, "draining");
  EXPECT_EQ(s->weight, 1u);
  EXPECT_EQ(s->labels,
            (config::cluster_labels{{"region", {"GG1"}}, {"model", {"*"}}}));
  // Nothing applies before apply() (the store write comes first).
  EXPECT_EQ(st.clusters[0].state, "active");
  cluster_admin::apply(st.clusters, *s);
  EXPECT_EQ(st.clusters[0].state, "draining");
  ch = {};
  ch.cluster_id = "C1";
  ch.has_labels = true;
  ch.labels = {{"model", {"GJ1"}}};
  ch.weight = 5;
  s = cluster_admin::settings_for(st.clusters, ch);
  ASSERT_TRUE(s);
  cluster_admin::apply(st.clusters, *s);
  EXPECT_EQ(st.clusters[0].state, "draining"); // kept
  EXPECT_EQ(st.clusters[0].cfg.weight, 5u);
  EXPECT_EQ(st.clusters[0].cfg.labels,
            (config::cluster_labels{{"model", {"GJ1"}}}));
}

TEST(AdminCluster, RefusesWhatCannotBeAndChangesNothing) {
  auto st = manager();
  auto before = st.status();
  auto refuse = [&](cluster_change ch, errc code, const std::string& field) {
    auto s = cluster_admin::settings_for(st.clusters, ch);
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
  auto s = cluster_admin::settings_for(st.clusters, add);
  ASSERT_TRUE(s);
  cluster_admin::apply(st.clusters, *s);
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
  cluster_admin::apply(st.clusters,
                       *cluster_admin::settings_for(st.clusters, drain));
  std::string why;
  EXPECT_EQ(st.choose(label({{"region", "GG1"}}), "", why), std::nullopt);
  EXPECT_NE(why.find("active"), std::string::npos) << why;
  // Weight 0 is the same.
  cluster_change zero;
  zero.cluster_id = "C2";
  zero.weight = 0;
  cluster_admin::apply(st.clusters,
                       *cluster_admin::settings_for(st.clusters, zero));
  EXPECT_EQ(st.choose(label({{"region", "GG2"}}), "", why), std::nullopt);
}

TEST(AdminCluster, StoredChangesApplyOverTheTopologyAtStart) {
  auto st = manager();
  storage::admin_settings admin;
  admin.clusters.push_back({"C2", {{"region", {"GG3"}}}, "draining", 3});
  admin.clusters.push_back({"C3", {{"region", {"GG1"}}}, "active", 1});
  admin.clusters.push_back({"C9", {}, "active", 1}); // gone from topology
  admin.node_states = {{"C1-n2", "draining"}, {"X-n1", "draining"}};
  st.admin.apply_stored(st.clusters, admin);
  ASSERT_EQ(st.status().size(), 3u); // C3 was added at run time
  EXPECT_EQ(st.clusters.find("C2")->state, "draining");
  EXPECT_EQ(st.clusters.find("C2")->cfg.weight, 3u);
  EXPECT_EQ(st.clusters.find("C2")->cfg.labels,
            (config::cluster_labels{{"region", {"GG3"}}}));
  EXPECT_EQ(st.clusters.find("C9"), nullptr);
  EXPECT_EQ(st.admin.node_state("C1-n2"), "draining");
  EXPECT_EQ(st.admin.node_state("C1-n1"), "active");
  EXPECT_EQ(st.admin.node_states.count("X-n1"), 0u);
}

TEST(AdminNode, NodesAreFoundInTheirCluster) {
  auto st = manager();
  ASSERT_NE(st.clusters.of_node("C2-n1"), nullptr);
  EXPECT_EQ(st.clusters.of_node("C2-n1")->cfg.id, "C2");
  // Nodes of a declared cluster may be drained before it is added.
  EXPECT_EQ(st.clusters.of_node("C3-n2")->cfg.id, "C3");
  EXPECT_EQ(st.clusters.of_node("C2-n9"), nullptr);
}

TEST(AdminNode, NodeChangesAreCheckedThenRecorded) {
  auto st = manager();
  EXPECT_EQ(code_of(cluster_admin::check_node(st.clusters, "C9-n1", "active")),
            errc::not_found);
  EXPECT_EQ(code_of(cluster_admin::check_node(st.clusters, "C1-n1", "asleep")),
            errc::bad_request);
  EXPECT_FALSE(cluster_admin::check_node(st.clusters, "C1-n1", "draining"));
  st.admin.set_node_state("C1-n1", "draining");
  EXPECT_EQ(st.admin.node_state("C1-n1"), "draining");
  st.admin.set_node_state("C1-n1", "active");
  EXPECT_TRUE(st.admin.node_states.empty());
}

} // namespace
} // namespace tether::test
