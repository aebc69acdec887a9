// Load reports on change (a node's sessions or CPU moved by a step, with
// the last report as the baseline: no flapping), load ÷ capacity in the
// least_load node strategy, and a pushed report in the balancer's pool.
#include <gtest/gtest.h>

#include <caf/actor_cast.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include "actors/node/load_reports.hpp"
#include "actors/policy/placement.hpp"
#include "tests/actors/cluster_balancer/balancers.hpp"

namespace tether::test {
namespace {

TEST(LoadReports, DueWhenSessionsMoveByAStep) {
  load_reports r;
  r.session_step = 10;
  r.cpu_step = 0.10;
  EXPECT_FALSE(r.due(0, 0));
  EXPECT_FALSE(r.due(9, 0)); // one below the step
  EXPECT_TRUE(r.due(10, 0)); // the step itself
  r.sent(10, 0);
  EXPECT_FALSE(r.due(10, 0));
  EXPECT_FALSE(r.due(1, 0)); // down by 9
  EXPECT_TRUE(r.due(0, 0));  // down by 10
}

TEST(LoadReports, DueWhenCpuMovesByAStep) {
  load_reports r;
  r.session_step = 10;
  r.cpu_step = 0.25;
  EXPECT_FALSE(r.due(0, 0.2));
  EXPECT_TRUE(r.due(0, 0.25));
  r.sent(0, 0.5);
  EXPECT_FALSE(r.due(0, 0.3));
  EXPECT_TRUE(r.due(0, 0.2));
}

TEST(LoadReports, FlappingAroundAValueSendsNothingMore) {
  load_reports r;
  r.session_step = 10;
  r.cpu_step = 0.10;
  r.sent(10, 0.5);
  // Sessions and CPU wobble around the last report: never due.
  for (int i = 0; i < 100; ++i) {
    uint32_t sessions = (i % 2) != 0 ? 19 : 1;
    double cpu = 0.5 + ((i % 2) != 0 ? 0.09 : -0.09);
    EXPECT_FALSE(r.due(sessions, cpu)) << i;
  }
}

TEST(LoadReports, EachBalancerIsNamedOnceAndAGoneOneIsForgotten) {
  caf::actor_system_config cfg;
  caf::actor_system sys{cfg};
  auto idle = [] {
    return caf::behavior{[](int) {
    }};
  };
  auto a = caf::actor_cast<cluster_balancer_actor>(sys.spawn(idle));
  auto b = caf::actor_cast<cluster_balancer_actor>(sys.spawn(idle));
  load_reports r;
  EXPECT_TRUE(r.balancers().empty());
  EXPECT_TRUE(r.add_balancer(a));
  EXPECT_FALSE(r.add_balancer(a));
  EXPECT_TRUE(r.add_balancer(b));
  EXPECT_EQ(r.balancers().size(), 2u);
  r.drop_balancer(a.address());
  ASSERT_EQ(r.balancers().size(), 1u);
  EXPECT_EQ(r.balancers()[0].address(), b.address());
  EXPECT_TRUE(r.add_balancer(a)); // back (as a restarted one would be)
  caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
}

node_status loaded(const char* id, uint32_t sessions, uint32_t capacity,
                   uint64_t memory = 0, double cpu = 0) {
  // Utilisation as on a host of 10,000 bytes.
  node_status n{id, "active", sessions, cpu, memory};
  n.cpu_util = cpu;
  n.memory_util = static_cast<double>(memory) / 10'000;
  n.capacity = capacity;
  return n;
}

TEST(LeastLoadCapacity, SessionsPerCapacityWhenNoMemoryOrCpuIsKnown) {
  using s = node_strategy;
  // n1 has three times n2's capacity: 5/3 < 2/1.
  EXPECT_EQ(
    choose_node({loaded("n1", 5, 3), loaded("n2", 2, 1)}, s::least_load), 0u);
  // The boundary: 6/3 == 2/1 is a tie, the first wins; 7/3 > 2/1.
  EXPECT_EQ(
    choose_node({loaded("n2", 2, 1), loaded("n1", 6, 3)}, s::least_load), 0u);
  EXPECT_EQ(
    choose_node({loaded("n1", 7, 3), loaded("n2", 2, 1)}, s::least_load), 1u);
  // Capacity 0 counts as 1 (no division by zero).
  EXPECT_EQ(
    choose_node({loaded("n1", 1, 0), loaded("n2", 2, 1)}, s::least_load), 0u);
}

TEST(LeastLoadCapacity, MemoryAndCpuAreDividedToo) {
  using s = node_strategy;
  // 3000 bytes on capacity 4 (750) is lighter than 1000 on capacity 1.
  EXPECT_EQ(choose_node({loaded("n1", 0, 1, 1000), loaded("n2", 9, 4, 3000)},
                        s::least_load),
            1u);
  // Equal memory per capacity: CPU per capacity decides.
  EXPECT_EQ(
    choose_node({loaded("n1", 0, 1, 1000, 0.3), loaded("n2", 9, 2, 2000, 0.4)},
                s::least_load),
    1u);
}

TEST(LeastLoadUtilisation, TheLowerShareWinsNotTheFewerBytes) {
  using s = node_strategy;
  // n1's process holds four times n2's bytes, on a host with eight times
  // the memory: its memory utilisation is the lower (the source's S230).
  auto n1 = loaded("n1", 9, 1, 8000, 0.2);
  n1.memory_util = 0.1;
  auto n2 = loaded("n2", 0, 1, 2000, 0.2);
  n2.memory_util = 0.4;
  EXPECT_EQ(choose_node({n2, n1}, s::least_load), 1u);
  // Equal memory utilisation: the lower CPU utilisation wins, whatever
  // the number of cores each uses (`cpu`).
  n1.memory_util = n2.memory_util = 0.3;
  n1.cpu = 1.5; // 1.5 cores of 8: 0.19
  n1.cpu_util = 0.19;
  n2.cpu = 0.6; // 0.6 cores of 2: 0.3
  n2.cpu_util = 0.3;
  EXPECT_EQ(choose_node({n2, n1}, s::least_load), 1u);
  // Nodes of one process report the same figures: sessions decide.
  n2 = n1;
  n2.node_id = "n2";
  n2.sessions = 3;
  EXPECT_EQ(choose_node({n1, n2}, s::least_load), 1u);
}

TEST(LeastLoadCapacity, ANodeWithoutAReportIsComparedBySessionsOnly) {
  using s = node_strategy;
  // n2 has not reported (memory 0): not lighter for that; 4/3 < 2/1.
  EXPECT_EQ(choose_node({loaded("n1", 4, 3, 5000, 0.9), loaded("n2", 2, 1)},
                        s::least_load),
            0u);
  EXPECT_EQ(choose_node({loaded("n1", 7, 3, 5000, 0.9), loaded("n2", 2, 1)},
                        s::least_load),
            1u);
}

TEST(LeastLoadCapacity, TheBalancerFillsNodesByCapacity) {
  // No memory or CPU reported yet (as right after start): sessions ÷
  // capacity decide. (With equal memory, n1's memory ÷ 3 is the lighter
  // and it would take every session.)
  auto st = balancer_with({node_status{"n1", "active", 0, 0, 0},
                           node_status{"n2", "active", 0, 0, 0}});
  st.cfg.node_strategy = "least_load";
  st.nodes.set_capacities({{"n1", 3}, {"n9", 5}});
  EXPECT_EQ(st.nodes.status()[0].capacity, 3u);
  EXPECT_EQ(st.nodes.status()[1].capacity, 1u);
  uint32_t on[2] = {0, 0};
  for (uint64_t conn = 1; conn <= 8; ++conn) {
    auto& c = st.conns.by_id[conn];
    auto n = st.pick_node();
    ASSERT_TRUE(n);
    st.place(c, n);
    ++on[*n];
  }
  EXPECT_EQ(on[0], 6u);
  EXPECT_EQ(on[1], 2u);
}

TEST(LoadReports, APushedReportReplacesTheNodesLastOne) {
  auto st = balancer_with({report("n1", 0), report("n2", 0)});
  st.nodes.take_report(report("n2", 12));
  EXPECT_EQ(st.nodes.status()[1].sessions, 12u);
  EXPECT_EQ(st.pick_node(), 0u);
  // A failed node's (late) report is ignored; an unknown node's too.
  st.nodes[0].failed = true;
  st.nodes.take_report(report("n1", 3));
  EXPECT_EQ(st.nodes[0].last.sessions, 0u);
  st.nodes.take_report(report("n7", 3));
  EXPECT_EQ(st.nodes.entries.size(), 2u);
}

} // namespace
} // namespace tether::test
