// ordered_stop: the first steps of a graceful stop (tetherd on SIGTERM,
// deployment::stop), before every actor is told to exit. The balancers stop
// first: each device is told the server goes away (1001) and each session
// ends with close_reason::shutdown, reporting its disconnect to the control;
// once the process's nodes hold no session (or the time is up) the control
// hands its pending history records to the store, and the store takes them
// in. The store writes what is pending when it exits (store_actor.cpp), so
// the restarted process shows each disconnect in the terminals' history.
// Every wait is bounded: a role that does not answer delays the stop by at
// most `budget` in all.
#pragma once

#include <chrono>
#include <vector>

#include "actors/system/interfaces.hpp"

namespace caf {
class actor_system;
} // namespace caf

namespace tether::net {

/// The roles this process hosts (null handles: not here).
struct stopping_roles {
  std::vector<cluster_balancer_actor> balancers;
  std::vector<node_actor> nodes;
  control_actor control;
  store_actor store;
};

/// What the steps saw, for the log line and the tests.
struct stop_outcome {
  size_t balancers_ended = 0;
  uint32_t sessions_left = 0;       // on this process's nodes when it gave up
  bool history_handed_over = false; // control flushed and store took it
};

stop_outcome stop_in_order(caf::actor_system& sys, const stopping_roles& roles,
                           std::chrono::milliseconds budget
                           = std::chrono::seconds{3});

} // namespace tether::net
