// A cluster balancer's state built by hand for its tests: no actor, null
// node handles (never messaged here).
#pragma once

#include <string>
#include <vector>

#include "actors/cluster_balancer/cluster_balancer.hpp"

namespace tether::test {

/// Balancer C1-b1 (ws://C1/1) of cluster C1 with nodes as reported.
inline cluster_balancer_state balancer_with(std::vector<node_status> reports) {
  cluster_balancer_state st;
  st.cfg.balancer_id = "C1-b1";
  st.cfg.cluster_id = "C1";
  st.cfg.url = "ws://C1/1";
  for (auto& r : reports)
    st.nodes.entries.push_back({r.node_id, node_actor{}, r, 0, false});
  return st;
}

inline node_status report(const char* id, uint32_t sessions,
                          const char* state = "active") {
  node_status n{id, state, sessions, 0.5, 1000};
  n.cpu_util = 0.5;
  n.memory_util = 0.1;
  return n;
}

} // namespace tether::test
