// cluster_manager: an operator's node capacity and weight (PUT
// /v1/admin/nodes/{id}) under the deterministic fixture, with a fake store
// and fake balancers: stored as one record first, then passed to the
// balancers of the node's cluster (also to one that joins later, and after
// a restart from the stored record); refused or unstored changes tell no
// balancer and store nothing.
#include "actors/cluster_manager/cluster_manager.hpp"
#include "tests/actors/support/actor_fixture.hpp"

namespace tether::actor_test {
namespace {

using node_state = std::pair<std::string, std::string>;
using tuning = std::tuple<std::string, uint32_t, uint32_t>;

class NodeTuningFlow : public ActorFlow {
protected:
  NodeTuningFlow() {
    store_h = own(spawn_fake<store_actor>(sys, fake_store, slog));
    manager = spawn_manager(default_topology(), store_h, &blogs);
    sched.run();
  }

  std::shared_ptr<outcome<node_status>> put(const std::string& node,
                                            int64_t capacity, int64_t weight,
                                            const std::string& state = {}) {
    node_change ch;
    ch.node_id = node;
    ch.capacity = capacity;
    ch.weight = weight;
    ch.state = state;
    auto out = ask<node_status>(manager, put_atom::value, ch);
    sched.run();
    return out;
  }

  std::shared_ptr<balancer_log> join_late(const std::string& id) {
    auto late = std::make_shared<balancer_log>();
    auto b = own(spawn_fake<cluster_balancer_actor>(sys, fake_balancer, late));
    caf::anon_send(
      manager, join_atom::value,
      balancer_info{id, "C1", "ws://127.0.0.1:9102/v1/connect", b});
    sched.run();
    return late;
  }

  std::shared_ptr<store_log> slog = std::make_shared<store_log>();
  std::map<std::string, std::shared_ptr<balancer_log>> blogs;
  store_actor store_h;
  cluster_manager_actor manager;
};

TEST_F(NodeTuningFlow, CapacityIsStoredThenPassedToItsClustersBalancers) {
  slog->mode = store_log::hold;
  auto out = put("C1-n2", 3, -1);
  ASSERT_EQ(slog->node_puts.size(), 1u);
  EXPECT_EQ(slog->node_puts[0], node_state("C1-n2#tuning", "3,1"));
  EXPECT_FALSE(out->done) << "answered before it was stored";
  EXPECT_TRUE(blogs["C1"]->tunings.empty()) << "told before it was stored";
  release(store_h);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(out->value->node_id, "C1-n2");
  EXPECT_EQ(out->value->state, "active");
  EXPECT_EQ(out->value->capacity, 3u);
  EXPECT_EQ(out->value->weight, 1u);
  ASSERT_EQ(blogs["C1"]->tunings.size(), 1u);
  EXPECT_EQ(blogs["C1"]->tunings[0], tuning("C1-n2", 3, 1));
  EXPECT_TRUE(blogs["C2"]->tunings.empty()) << "not C2's node";
  // The weight next: the capacity stays.
  slog->mode = store_log::answer;
  out = put("C1-n2", -1, 5);
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(slog->node_puts.back(), node_state("C1-n2#tuning", "3,5"));
  EXPECT_EQ(blogs["C1"]->tunings.back(), tuning("C1-n2", 3, 5));
  // A balancer that joins later learns it.
  auto late = join_late("C1-b2");
  ASSERT_EQ(late->tunings.size(), 1u);
  EXPECT_EQ(late->tunings[0], tuning("C1-n2", 3, 5));
}

TEST_F(NodeTuningFlow, StateAndCapacityInOneChange) {
  auto out = put("C1-n1", 2, 0, "draining");
  ASSERT_TRUE(out->value) << sys.render(out->error);
  EXPECT_EQ(out->value->state, "draining");
  EXPECT_EQ(out->value->capacity, 2u);
  EXPECT_EQ(out->value->weight, 0u);
  ASSERT_EQ(slog->node_puts.size(), 2u);
  EXPECT_EQ(slog->node_puts[0], node_state("C1-n1#tuning", "2,0"));
  EXPECT_EQ(slog->node_puts[1], node_state("C1-n1", "draining"));
  ASSERT_EQ(blogs["C1"]->node_states.size(), 1u);
  EXPECT_EQ(blogs["C1"]->tunings.size(), 1u);
}

TEST_F(NodeTuningFlow, RefusedOrUnstoredChangeTellsNoBalancer) {
  EXPECT_EQ(view(put("C9-n1", 2, -1)->error).code, errc::not_found);
  EXPECT_EQ(view(put("C1-n1", 0, -1)->error).code, errc::bad_request);
  EXPECT_EQ(view(put("C1-n1", 2, -1, "asleep")->error).code, errc::bad_request);
  EXPECT_TRUE(slog->node_puts.empty()) << "nothing to store";
  slog->mode = store_log::fail;
  auto v = view(put("C1-n1", 2, -1)->error);
  EXPECT_EQ(v.code, errc::unavailable);
  EXPECT_NE(v.message.find("could not be stored"), std::string::npos)
    << v.message;
  EXPECT_TRUE(blogs["C1"]->tunings.empty());
  EXPECT_TRUE(join_late("C1-b2")->tunings.empty()) << "nothing was applied";
}

TEST_F(NodeTuningFlow, StoredValuesReachBalancersAfterARestart) {
  storage::admin_settings admin;
  admin.node_states = {{"C2-n1#tuning", "4,2"}};
  std::map<std::string, std::shared_ptr<balancer_log>> logs;
  auto restarted = spawn_manager(default_topology(), store_h, &logs, admin);
  sched.run();
  ASSERT_EQ(logs["C2"]->tunings.size(), 1u);
  EXPECT_EQ(logs["C2"]->tunings[0], tuning("C2-n1", 4, 2));
  EXPECT_TRUE(logs["C1"]->tunings.empty());
}

} // namespace
} // namespace tether::actor_test
