// Node moves between clusters in the cluster manager (issue 14, item 2),
// under the deterministic fixture with a fake store and fake balancers: the
// nodes of the other pool cluster are "draining" to a balancer from its
// join; a move is stored first, then the node drains out of its cluster
// ("moving" there), then the new cluster's balancers are told "active" and
// the node is listed there only; an unstored move tells nobody; a stored
// move is applied at start. (The ratio, periods and limits are the rule's,
// tested in move_rule_test.cpp.)
#include "actors/cluster_manager/cluster_manager.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

using node_state = std::pair<std::string, std::string>;

config::topology pool_topology() {
  auto topo = default_topology();
  for (auto& c : topo.clusters)
    c.elastic.max_nodes = 3;
  topo.autoscale.period = std::chrono::milliseconds{0};
  topo.autoscale.cooldown = std::chrono::hours{1};
  return topo;
}

class MoveFlow : public ActorFlow {
protected:
  MoveFlow() {
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    manager = spawn_manager(pool_topology(), store_h, &blogs);
    sched.run();
  }

  /// Both balancers report every node of the pool, as a node reports
  /// itself (all its sessions): C1's nodes 4 each, C2-n1 `c2n1` and C2-n2
  /// one; C1 holds 8 connections, C2 1 + `c2n1`.
  void report(uint32_t c2n1) {
    for (const auto* c : {"C1", "C2"}) {
      auto& st = blogs[c]->status;
      st.balancer_id = std::string{c} + "-b1";
      st.cluster_id = c;
      st.connections = std::string{c} == "C1" ? 8 : 1 + c2n1;
      st.nodes = {node_status{"C1-n1", "active", 4},
                  {"C1-n2", "active", 4},
                  {"C2-n1", "active", c2n1},
                  {"C2-n2", "active", 1}};
    }
    caf::anon_send(manager, tick_atom::value);
    sched.run();
  }

  /// Cluster of `node` in the status list and its state there ("" if
  /// none); `count` is how many clusters list it.
  std::pair<std::string, std::string> listed(const std::string& node,
                                             int* count = nullptr) {
    auto out = ask<std::vector<cluster_status>>(manager, status_atom::value);
    sched.run();
    std::pair<std::string, std::string> at;
    int n = 0;
    if (out->value)
      for (const auto& c : *out->value)
        for (const auto& x : c.nodes)
          if (x.node_id == node) {
            at = {c.cluster_id, x.state};
            ++n;
          }
    if (count != nullptr)
      *count = n;
    return at;
  }

  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  std::map<std::string, std::shared_ptr<balancer_log>> blogs;
  store_actor store_h;
  cluster_manager_actor manager;
};

TEST_F(MoveFlow, ABalancerIsToldTheOtherClustersNodesAreNotForIt) {
  EXPECT_EQ(
    blogs["C1"]->node_states,
    (std::vector<node_state>{{"C2-n1", "draining"}, {"C2-n2", "draining"}}));
  EXPECT_EQ(
    blogs["C2"]->node_states,
    (std::vector<node_state>{{"C1-n1", "draining"}, {"C1-n2", "draining"}}));
  // Reported by both balancers, each node is listed once, in its cluster.
  // (The figures also start a move of C2-n1: it is listed as moving.)
  report(1);
  int count = 0;
  EXPECT_EQ(listed("C2-n2", &count), node_state("C2", "active"));
  EXPECT_EQ(count, 1);
  EXPECT_EQ(listed("C2-n1", &count), node_state("C2", "moving"));
  EXPECT_EQ(count, 1);
  EXPECT_EQ(listed("C1-n2", &count), node_state("C1", "active"));
  EXPECT_EQ(count, 1);
}

TEST_F(MoveFlow, AMoveIsStoredThenDrainedThenTheNodeJoinsTheOtherCluster) {
  slog->mode = store_log::hold;
  report(1); // 4 per node in C1 against 1 in C2: C2-n1 (first by id) moves
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(slog->node_puts[0], node_state("C2-n1#cluster", "C1"));
  EXPECT_EQ(blogs["C2"]->node_states.size(), 2u) << "told before it was stored";
  report(1); // nothing more while it is stored
  EXPECT_EQ(slog->node_puts.size(), 1u);
  release(store_h);
  // Stored: it drains out of C2, listed there as moving.
  ASSERT_EQ(blogs["C2"]->node_states.size(), 3u);
  EXPECT_EQ(blogs["C2"]->node_states[2], node_state("C2-n1", "draining"));
  EXPECT_EQ(listed("C2-n1"), node_state("C2", "moving"));
  report(1); // still one session: C1 is not told yet
  EXPECT_EQ(blogs["C1"]->node_states.size(), 2u);
  EXPECT_EQ(slog->node_puts.size(), 1u) << "one move at a time";
  report(0); // drained: C1's balancer may use it
  ASSERT_EQ(blogs["C1"]->node_states.size(), 3u);
  EXPECT_EQ(blogs["C1"]->node_states[2], node_state("C2-n1", "active"));
  int count = 0;
  EXPECT_EQ(listed("C2-n1", &count), node_state("C1", "active"));
  EXPECT_EQ(count, 1);
  // The cooldown (1 h) keeps a second move away.
  report(0);
  EXPECT_EQ(slog->node_puts.size(), 1u);
}

TEST_F(MoveFlow, AnUnstoredMoveTellsNoBalancer) {
  slog->mode = store_log::fail;
  report(1);
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(blogs["C2"]->node_states.size(), 2u);
  EXPECT_EQ(listed("C2-n1"), node_state("C2", "active"));
}

TEST_F(MoveFlow, AStoredMoveIsAppliedAtStart) {
  storage::admin_settings stored;
  stored.node_states["C2-n1#cluster"] = "C1";
  stored.node_states["C9-n1#cluster"] = "C1"; // not in the topology: ignored
  auto restarted
    = own(sys.spawn(cluster_manager, pool_topology(),
                    std::vector<terminal_record>{}, store_h, stored));
  std::map<std::string, std::shared_ptr<balancer_log>> logs;
  for (const auto* c : {"C1", "C2"}) {
    logs[c] = std::make_shared<balancer_log>();
    auto b
      = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, logs[c]));
    caf::anon_send(restarted, join_atom::value,
                   balancer_info{std::string{c} + "-b1", c, "ws://x", b});
  }
  sched.run();
  // C1 may use C2-n1 (nothing to tell), C2 may not.
  EXPECT_EQ(logs["C1"]->node_states,
            (std::vector<node_state>{{"C2-n2", "draining"}}));
  EXPECT_EQ(logs["C2"]->node_states,
            (std::vector<node_state>{{"C2-n1", "draining"},
                                     {"C1-n1", "draining"},
                                     {"C1-n2", "draining"}}));
}

} // namespace
} // namespace tether::actor_test
