// A balancer told an operator's node capacity and weight
// (cluster_balancer_state::tune): least_load divides by the new capacity,
// the weighted strategy uses the new weight, and its report shows both.
#include <gtest/gtest.h>

#include "tests/actors/cluster_balancer/balancers.hpp"

namespace tether::test {
namespace {

TEST(BalancerTuning, LeastLoadUsesTheNewCapacity) {
  // Equal memory and CPU, equal capacities: the fewer sessions decide.
  auto st = balancer_with({report("n1", 2), report("n2", 3)});
  st.cfg.node_strategy = "least_load";
  EXPECT_EQ(st.pick_node(), 0u);
  st.tune("n2", 2, 1); // memory ÷ capacity: 1000 ÷ 2 < 1000 ÷ 1
  EXPECT_EQ(st.pick_node(), 1u);
  // Memory first, per capacity: n2 holds twice n1's memory on twice the
  // capacity, the same per capacity; then CPU per capacity.
  st.nodes[1].last.memory = 2000;
  st.nodes[1].last.memory_util = 0.2;
  st.nodes[1].last.cpu_util = 0.6; // 0.3 per capacity < 0.5
  EXPECT_EQ(st.pick_node(), 1u);
  st.tune("n2", 1, 1);
  EXPECT_EQ(st.pick_node(), 0u) << "back to capacity 1: n2 is heavier";
  auto shown = st.status().nodes;
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[1].capacity, 1u);
}

TEST(BalancerTuning, WeightedUsesTheNewWeightAndReportsIt) {
  auto st = balancer_with({report("n1", 2), report("n2", 3)});
  st.cfg.node_strategy = "weighted";
  EXPECT_EQ(st.pick_node(), 0u);
  st.tune("n2", 1, 3); // 3 ÷ 3 < 2 ÷ 1
  EXPECT_EQ(st.pick_node(), 1u);
  st.tune("n2", 1, 0); // weight 0: takes no new session
  st.nodes[0].last.sessions = 50;
  EXPECT_EQ(st.pick_node(), 0u);
  st.tune("n1", 0, 4); // a capacity of 0 is taken as 1
  auto shown = st.status().nodes;
  ASSERT_EQ(shown.size(), 2u);
  EXPECT_EQ(shown[0].capacity, 1u);
  EXPECT_EQ(shown[0].weight, 4u);
  EXPECT_EQ(shown[1].weight, 0u);
  EXPECT_EQ(st.rebalance_weights().at("n2"), 0u);
}

} // namespace
} // namespace tether::test
