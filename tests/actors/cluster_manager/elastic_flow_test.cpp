// The cluster manager's elastic fleet under the deterministic fixture, with
// a fake store and fake balancers (issue 14, item 1): a standby node is
// "draining" to the balancers and "standby" in the status; when an active
// node that was live fails, the standby is woken at once: stored first,
// then the balancers are told "active". A node already failed when the
// manager started (a control restart) is replaced once it is still failed
// an [autoscale] period after the first report, if a balancer had reached
// it (else it is a spare not started yet). (The thresholds and
// periods are the rule's, tested in elastic_rule_test.cpp.)
#include "actors/cluster_manager/cluster_manager.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

using node_state = std::pair<std::string, std::string>;

class ElasticFlow : public ActorFlow {
protected:
  explicit ElasticFlow(std::chrono::milliseconds period
                       = std::chrono::hours{1}) {
    auto topo = default_topology();
    // C1-n3 stays active throughout: a cluster with no active node left
    // wakes its standby at once anyway.
    topo.clusters[0].nodes.push_back("C1-n3");
    topo.clusters[0].elastic.standby = {"C1-n2"};
    topo.autoscale.period = period;
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    manager = spawn_manager(topo, store_h, &blogs);
    sched.run();
  }

  /// C1's balancer reports C1-n1 in `n1_state` (reached since the
  /// balancer started, unless `n1_reached` is false: a spare whose process
  /// has not started), C1-n2 (draining to it) and C1-n3 active.
  void report(const std::string& n1_state, bool n1_reached = true) {
    auto& st = blogs["C1"]->status;
    st.balancer_id = "C1-b1";
    st.cluster_id = "C1";
    st.connections = 3;
    st.nodes = {node_status{"C1-n1", n1_state, 3, 0, 0},
                node_status{"C1-n2", "draining", 0, 0, 0},
                node_status{"C1-n3", "active", 0, 0, 0}};
    for (auto& n : st.nodes)
      n.reached = true;
    st.nodes[0].reached = n1_reached;
    caf::anon_send(manager, tick_atom::value);
    sched.run();
  }

  std::string listed_state(const std::string& node) {
    auto out = ask<std::vector<cluster_status>>(manager, status_atom::value);
    sched.run();
    if (out->value)
      for (const auto& c : *out->value)
        for (const auto& n : c.nodes)
          if (n.node_id == node)
            return n.state;
    return {};
  }

  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  std::map<std::string, std::shared_ptr<balancer_log>> blogs;
  store_actor store_h;
  cluster_manager_actor manager;
};

TEST_F(ElasticFlow, AStandbyNodeIsDrainingToBalancersAndListedStandby) {
  ASSERT_EQ(blogs["C1"]->node_states.size(), 1u);
  EXPECT_EQ(blogs["C1"]->node_states[0], node_state("C1-n2", "draining"));
  EXPECT_TRUE(blogs["C2"]->node_states.empty());
  report("active");
  EXPECT_EQ(listed_state("C1-n2"), "standby");
  EXPECT_EQ(listed_state("C1-n1"), "active");
  EXPECT_TRUE(slog->node_puts.empty()) << "nothing changed";
}

TEST_F(ElasticFlow, AFailedNodeIsReplacedStoredFirst) {
  report("active");
  slog->mode = store_log::hold;
  report("failed");
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(slog->node_puts[0], node_state("C1-n2", "active"));
  EXPECT_EQ(blogs["C1"]->node_states.size(), 1u) << "told before it was stored";
  // A second report while the change is stored changes nothing more.
  report("failed");
  EXPECT_EQ(slog->node_puts.size(), 1u);
  release(store_h);
  ASSERT_EQ(blogs["C1"]->node_states.size(), 2u);
  EXPECT_EQ(blogs["C1"]->node_states[1], node_state("C1-n2", "active"));
  EXPECT_EQ(listed_state("C1-n2"), "active");
}

TEST_F(ElasticFlow, AnUnstoredWakeTellsNoBalancer) {
  report("active");
  slog->mode = store_log::fail;
  report("failed");
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(blogs["C1"]->node_states.size(), 1u);
  EXPECT_EQ(listed_state("C1-n2"), "standby");
}

/// A node the balancers report failed from the manager's first report on
/// (it went down before a control restart) was never seen live: within
/// the first [autoscale] period it is taken as not there yet (a fresh
/// deployment whose node starts after its balancer) ...
TEST_F(ElasticFlow, ANodeFailedFromTheStartIsNotLostWithinAPeriod) {
  report("failed");
  report("failed");
  EXPECT_TRUE(slog->node_puts.empty());
  EXPECT_EQ(listed_state("C1-n2"), "standby");
}

/// ... and once a period has passed (here 0) it is lost: the standby
/// replaces it, stored first.
class ElasticRestart : public ElasticFlow {
protected:
  ElasticRestart() : ElasticFlow(std::chrono::milliseconds{0}) {}
};

TEST_F(ElasticRestart, ANodeDownBeforeTheStartIsReplacedAfterAPeriod) {
  report("failed");
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(slog->node_puts[0], node_state("C1-n2", "active"));
  EXPECT_EQ(listed_state("C1-n2"), "active");
  // Once only: a later report changes nothing more.
  report("failed");
  EXPECT_EQ(slog->node_puts.size(), 1u);
}

/// A node no balancer has reached since it started is a spare whose
/// process the autoscale command starts (examples/topologies/elastic.toml):
/// not lost, so no standby is woken for it (seen in the README's walk
/// through: the standby woke "to replace a failed node" at no load).
TEST_F(ElasticRestart, ANodeNoBalancerEverReachedIsNotLost) {
  report("failed", false);
  report("failed", false);
  EXPECT_TRUE(slog->node_puts.empty());
  EXPECT_EQ(listed_state("C1-n2"), "standby");
  // Once it has started and failed, it is lost: the standby replaces it.
  report("active");
  report("failed");
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(slog->node_puts[0], node_state("C1-n2", "active"));
}

} // namespace
} // namespace tether::actor_test
