// node: hosts terminal sessions and reports its load (sessions, CPU,
// memory). The balancer asks it to spawn a session for each connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>

#include <caf/actor_addr.hpp>

#include "actors/node/keepalive_schedule.hpp"
#include "actors/node/live_sessions.hpp"
#include "actors/node/load_reports.hpp"
#include "actors/node/utilisation.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/live_count.hpp"

namespace tether {

struct node_state {
  static inline const char* name = "node";

  std::string node_id;
  /// The same, shared with every session of the node.
  std::shared_ptr<const std::string> shared_id;
  control_actor control;
  uint32_t sessions = 0;
  /// Live sessions. The node monitors them (their end reaches it as a down
  /// message, and one failing session does not take its siblings along);
  /// they end with the node (live_sessions.hpp says why no link).
  live_sessions live;
  /// Session actors that exist (running or not yet destroyed): what the
  /// node's sessions really hold in memory.
  live_count session_actors;
  /// When each live session's next keepalive tick is due; the node sends
  /// the ticks (see keepalive_schedule.hpp for why).
  keepalive_schedule keepalive;
  /// The due time of the tick timer that is pending, if one is.
  std::optional<int64_t> tick_at;
  /// The process's load at the last status request (shared_load: the
  /// same for every node of the process within a second).
  shared_load::reading measured;
  /// Reports on change, to the balancers that started sessions here.
  load_reports reports;

  /// Measures the load now and reports it.
  node_status status();
  /// The last measured load with the sessions of now.
  node_status report() const;
};

node_actor::behavior_type node(node_actor::stateful_pointer<node_state> self,
                               std::string node_id, control_actor control);

} // namespace tether
