// cluster_manager's admin changes under the deterministic fixture, with a
// fake store and fake balancers: a node's state (PUT /v1/admin/nodes/{id}) is
// stored, then passed to the balancers of its cluster (also to one that
// joins later); a cluster's settings (PUT /v1/admin/clusters/{id}) are
// stored, then applied. Refused or unstored changes change nothing.
#include "actors/cluster_manager/cluster_manager.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

using node_state = std::pair<std::string, std::string>;

class ManagerFlow : public ActorFlow {
protected:
  ManagerFlow() {
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    manager = spawn_manager(default_topology(), store_h, &blogs);
    sched.run();
  }

  std::shared_ptr<outcome<node_status>> put_node(const std::string& node,
                                                 const std::string& state) {
    auto out = ask<node_status>(manager, put_atom::value, node_atom::value,
                                node, state);
    sched.run();
    return out;
  }

  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  std::map<std::string, std::shared_ptr<balancer_log>> blogs;
  store_actor store_h;
  cluster_manager_actor manager;
};

TEST_F(ManagerFlow, NodeDrainIsStoredThenPassedToItsClustersBalancers) {
  slog->mode = store_log::hold;
  auto put = put_node("C1-n1", "draining");
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(slog->node_puts[0], node_state("C1-n1", "draining"));
  EXPECT_FALSE(put->done) << "answered before it was stored";
  EXPECT_TRUE(blogs["C1"]->node_states.empty()) << "told before it was stored";
  release(store_h);
  ASSERT_TRUE(put->value) << sys.render(put->error);
  EXPECT_EQ(put->value->node_id, "C1-n1");
  EXPECT_EQ(put->value->state, "draining");
  ASSERT_EQ(blogs["C1"]->node_states.size(), 1u);
  EXPECT_EQ(blogs["C1"]->node_states[0], node_state("C1-n1", "draining"));
  EXPECT_TRUE(blogs["C2"]->node_states.empty()) << "not C2's node";
  // A balancer that joins later learns the node's state.
  auto late = std::make_shared<balancer_log>();
  auto b = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, late));
  caf::anon_send(
    manager, join_atom::value,
    balancer_info{"C1-b2", "C1", "ws://127.0.0.1:9102/v1/connect", b});
  sched.run();
  ASSERT_EQ(late->node_states.size(), 1u);
  EXPECT_EQ(late->node_states[0], node_state("C1-n1", "draining"));
  // Active again: stored and passed on the same way.
  slog->mode = store_log::answer;
  auto back = put_node("C1-n1", "active");
  ASSERT_TRUE(back->value) << sys.render(back->error);
  EXPECT_EQ(back->value->state, "active");
  EXPECT_EQ(blogs["C1"]->node_states.back(), node_state("C1-n1", "active"));
}

TEST_F(ManagerFlow, RefusedOrUnstoredNodeChangeTellsNoBalancer) {
  auto unknown = put_node("C9-n1", "draining");
  EXPECT_EQ(view(unknown->error).code, errc::not_found);
  auto bad = put_node("C1-n1", "asleep");
  EXPECT_EQ(view(bad->error).code, errc::bad_request);
  EXPECT_TRUE(slog->node_puts.empty()) << "nothing to store";
  slog->mode = store_log::fail;
  auto unstored = put_node("C1-n1", "draining");
  auto v = view(unstored->error);
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_NE(v.message.find("could not be stored"), std::string::npos)
    << v.message;
  EXPECT_TRUE(blogs["C1"]->node_states.empty());
}

TEST_F(ManagerFlow, DrainingClusterIsStoredAndTakesNoNewTerminal) {
  auto facts = device_facts("T1", "GG2", "GJ7");
  auto label = assigned_label{{{"region", "GG2"}, {"model", "GJ7"}}};
  cluster_change ch;
  ch.cluster_id = "C2";
  ch.state = "draining";
  ch.weight = 3;
  auto put = ask<cluster_status>(manager, put_atom::value, ch);
  sched.run();
  ASSERT_TRUE(put->value) << sys.render(put->error);
  ASSERT_EQ(slog->cluster_puts.size(), 1u);
  EXPECT_EQ(slog->cluster_puts[0].cluster_id, "C2");
  EXPECT_EQ(slog->cluster_puts[0].state, "draining");
  EXPECT_EQ(slog->cluster_puts[0].weight, 3u);
  EXPECT_EQ(put->value->cluster_id, "C2");
  EXPECT_EQ(put->value->state, "draining");
  EXPECT_EQ(put->value->weight, 3u);
  auto refused = ask<destination>(manager, assign_atom::value, facts, label);
  sched.run();
  EXPECT_EQ(view(refused->error).code, errc::unavailable);
  EXPECT_TRUE(slog->terminals.empty());
  // Active again: the terminal goes to C2.
  ch.state = "active";
  put = ask<cluster_status>(manager, put_atom::value, ch);
  sched.run();
  ASSERT_TRUE(put->value) << sys.render(put->error);
  auto dest = ask<destination>(manager, assign_atom::value, facts, label);
  sched.run();
  ASSERT_TRUE(dest->value) << sys.render(dest->error);
  EXPECT_EQ(dest->value->cluster_id, "C2");
}

// A burst of registrations, all asked before any store write is answered:
// each choice counts the ones before it (a tester saw 12 devices started at
// once all go to one of three equal clusters).
TEST_F(ManagerFlow, FewestConnectionsSpreadsABurstBeforeItsWritesAreStored) {
  auto topo = default_topology();
  for (auto& c : topo.clusters)
    c.labels = {{"region", {"*"}}, {"model", {"*"}}};
  auto spread = spawn_manager(topo, store_h, &blogs);
  sched.run();
  auto label = assigned_label{{{"region", "GG1"}, {"model", "GJ1"}}};
  std::vector<std::shared_ptr<outcome<destination>>> answers;
  for (int i = 0; i < 6; ++i)
    answers.push_back(ask<destination>(
      spread, assign_atom::value,
      device_facts("B" + std::to_string(i), "GG1", "GJ1"), label));
  sched.run();
  std::map<std::string, int> per_cluster;
  for (const auto& a : answers) {
    ASSERT_TRUE(a->value) << sys.render(a->error);
    ++per_cluster[a->value->cluster_id];
  }
  EXPECT_EQ(per_cluster, (std::map<std::string, int>{{"C1", 3}, {"C2", 3}}));
  EXPECT_EQ(slog->terminals.size(), 6u);
}

TEST_F(ManagerFlow, RefusedOrUnstoredClusterChangeChangesNothing) {
  cluster_change unknown;
  unknown.cluster_id = "C9";
  auto put = ask<cluster_status>(manager, put_atom::value, unknown);
  sched.run();
  EXPECT_EQ(view(put->error).code, errc::not_found);
  cluster_change bad;
  bad.cluster_id = "C1";
  bad.state = "asleep";
  put = ask<cluster_status>(manager, put_atom::value, bad);
  sched.run();
  EXPECT_EQ(view(put->error).code, errc::bad_request);
  EXPECT_TRUE(slog->cluster_puts.empty());
  slog->mode = store_log::fail;
  cluster_change drain;
  drain.cluster_id = "C1";
  drain.state = "draining";
  put = ask<cluster_status>(manager, put_atom::value, drain);
  sched.run();
  EXPECT_EQ(view(put->error).code, errc::unavailable);
  auto all = ask<std::vector<cluster_status>>(manager, status_atom::value);
  sched.run();
  ASSERT_TRUE(all->value);
  ASSERT_EQ(all->value->size(), 2u);
  EXPECT_EQ((*all->value)[0].cluster_id, "C1");
  EXPECT_EQ((*all->value)[0].state, "active");
}

} // namespace
} // namespace tether::actor_test
