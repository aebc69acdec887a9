// cluster_admin's node capacity and weight (PUT /v1/admin/nodes/{id}):
// checked before anything is stored, what a change leaves out stays, the
// stored record reads back, and stored values are applied at start over
// the topology's.
#include <string>

#include <gtest/gtest.h>

#include "tests/actors/cluster_manager/clusters.hpp"

namespace tether::test {
namespace {

cluster_manager_state two_clusters() {
  cluster_manager_state st;
  st.clusters.entries.push_back(entry("C1", {{"region", {"GG1"}}}));
  st.clusters.entries.push_back(entry("C2", {{"region", {"GG2"}}}));
  st.clusters.entries[0].cfg.node_capacity = {{"C1-n2", 4}};
  st.clusters.entries[0].cfg.node_weights = {{"C1-n2", 2}};
  return st;
}

node_change change(const std::string& node, int64_t capacity, int64_t weight) {
  node_change ch;
  ch.node_id = node;
  ch.capacity = capacity;
  ch.weight = weight;
  return ch;
}

TEST(NodeTuning, ChangeKeepsWhatItLeavesOut) {
  auto st = two_clusters();
  auto t = cluster_admin::tuning_for(st.clusters, change("C1-n2", 7, -1));
  ASSERT_TRUE(t) << caf::to_string(t.error());
  ASSERT_TRUE(*t);
  EXPECT_EQ((*t)->capacity, 7u);
  EXPECT_EQ((*t)->weight, 2u) << "the topology's weight stays";
  // Nothing applies before apply_tuning (the store write comes first).
  EXPECT_EQ(st.clusters[0].cfg.node_capacity["C1-n2"], 4u);
  st.admin.apply_tuning(st.clusters, "C1-n2", **t);
  EXPECT_EQ(st.clusters[0].cfg.node_capacity["C1-n2"], 7u);
  EXPECT_EQ(cluster_admin::tuning_of(st.clusters, "C1-n2").weight, 2u);
  t = cluster_admin::tuning_for(st.clusters, change("C1-n1", -1, 0));
  ASSERT_TRUE(t && *t);
  EXPECT_EQ((*t)->capacity, 1u) << "the default capacity";
  EXPECT_EQ((*t)->weight, 0u);
  // A change of the state only sets neither.
  node_change state_only;
  state_only.node_id = "C1-n1";
  state_only.state = "draining";
  t = cluster_admin::tuning_for(st.clusters, state_only);
  ASSERT_TRUE(t);
  EXPECT_FALSE(*t);
}

TEST(NodeTuning, RefusesWhatCannotBeNamingTheFieldOrNode) {
  auto st = two_clusters();
  auto refuse = [&](node_change ch, errc code, const std::string& named) {
    auto t = cluster_admin::tuning_for(st.clusters, ch);
    ASSERT_FALSE(t);
    EXPECT_EQ(code_of(t.error()), code);
    EXPECT_NE(view(t.error()).message.find(named), std::string::npos)
      << view(t.error()).message;
  };
  refuse(change("C9-n1", 2, -1), errc::not_found, "C9-n1");
  refuse(change("C1-n1", 0, -1), errc::bad_request, "\"capacity\"");
  refuse(change("C1-n1", 1'000'001, -1), errc::bad_request, "\"capacity\"");
  refuse(change("C1-n1", -1, 1'000'001), errc::bad_request, "\"weight\"");
  auto bad_state = change("C1-n1", 2, -1);
  bad_state.state = "asleep";
  refuse(bad_state, errc::bad_request, "\"state\"");
  EXPECT_TRUE(st.admin.tuned.empty());
}

TEST(NodeTuning, StoredRecordReadsBackAndAppliesAtStart) {
  auto value = cluster_admin::encode({3, 5});
  EXPECT_EQ(value, "3,5");
  auto back = cluster_admin::decode(value);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->capacity, 3u);
  EXPECT_EQ(back->weight, 5u);
  for (const char* bad : {"", "3", "0,1", "3,x", "3,5,", "-1,2", "3;5"})
    EXPECT_FALSE(cluster_admin::decode(bad)) << bad;
  EXPECT_EQ(cluster_admin::tuned_node("C1-n1#tuning"), "C1-n1");
  EXPECT_EQ(cluster_admin::tuned_node("C1-n1#cluster"), std::nullopt);
  auto st = two_clusters();
  storage::admin_settings admin;
  admin.node_states = {{cluster_admin::tuning_key("C2-n1"), "6,0"},
                       {cluster_admin::tuning_key("X-n1"), "2,2"},
                       {cluster_admin::tuning_key("C1-n1"), "garbage"},
                       {"C1-n2", "draining"}};
  st.admin.apply_stored(st.clusters, admin);
  EXPECT_EQ(st.clusters[1].cfg.node_capacity["C2-n1"], 6u);
  EXPECT_EQ(st.clusters[1].cfg.node_weights["C2-n1"], 0u);
  ASSERT_EQ(st.admin.tuned.size(), 1u) << "unknown node and bad value ignored";
  EXPECT_EQ(st.admin.tuned.count("C2-n1"), 1u);
  EXPECT_EQ(st.admin.node_state("C1-n2"), "draining");
  EXPECT_EQ(st.admin.node_states.count("C2-n1#tuning"), 0u)
    << "not taken for a node state";
}

} // namespace
} // namespace tether::test
