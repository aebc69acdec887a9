// cluster_balancer: a cluster's public endpoint (the "cluster URL").
//
// The devices' WebSockets live here (net/ hands each one over as a ws_link
// with a connection id). For each connection the balancer
//   1. admits it: asks the cluster manager whether the terminal is assigned
//      to this cluster (404 unknown, 409 other cluster, 503 no answer);
//   2. picks the node with the fewest sessions (never a failed one) and has
//      it spawn the terminal_session;
//   3. relays frames both ways until either side closes.
// A terminal that connects again replaces its older connection (closed with
// 4001). If a session dies abnormally (its node is gone) the connection is
// kept and the session is started again on another node. A node an operator
// drains (from the cluster manager) takes no new sessions; the cluster
// manager's re-allocation has the balancer send a device `reassign`. When
// a node holds `rebalance.ratio` times the sessions of the emptiest, idle
// sessions move to it (node_pool_rebalance.hpp), the sockets staying put.
//
// The state is split by concern, each part plain C++ with its own tests
// (tests/actors/cluster_balancer/):
//   connections.hpp   the devices' connections (and their phases)
//   node_pool.hpp     the nodes, their load and the choice of a node
//   early_frames.hpp  what a device sends before its session exists
#pragma once

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/cluster_balancer/connect_metrics.hpp"
#include "actors/cluster_balancer/connections.hpp"
#include "actors/cluster_balancer/drain_waits.hpp"
#include "actors/cluster_balancer/node_pool.hpp"
#include "actors/cluster_balancer/node_pool_rebalance.hpp"
#include "actors/cluster_balancer/rehome_batch.hpp"
#include "actors/cluster_balancer/rehome_tally.hpp"
#include "actors/system/close_codes.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/live_count.hpp"
#include "actors/system/request_deadlines.hpp"
#include "auth/connect_token.hpp"
#include "config/defaults.hpp"
#include "net/limits/flap_ban.hpp"

namespace tether {

struct balancer_settings {
  std::string balancer_id;
  std::string cluster_id;
  std::string url;
  uint32_t keepalive_ms = 30'000;
  uint32_t keepalive_misses = 2;
  /// Quality class: a node holding this many sessions takes no new one
  /// (0: no cap); when every node does, the device is closed with 1013
  /// and "retry after `retry_after_s` s".
  uint32_t max_sessions_per_node = 0;
  uint32_t retry_after_s = 2;
  uint32_t redelivery_ms = 30'000;
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  /// The listener's count of WebSocket connection objects that exist.
  live_count ws_connections;
  /// ... and of Beast streams they hold (busy connections; the quiet ones
  /// rest without one: net/resting_websocket.hpp).
  live_count ws_streams;
  std::chrono::milliseconds status_period{1'000};
  /// Frames a device may send before its session exists, on top of two
  /// answers per frame it was sent meanwhile; more closes the socket (1008).
  size_t max_early_frames = 16;
  std::string node_strategy = "fewest_sessions";
  std::map<std::string, uint32_t> node_weights; // missing: 1
  /// [clusters.node_capacity]: least_load compares load ÷ capacity.
  std::map<std::string, uint32_t> node_capacity; // missing: 1
  /// Sessions moved off a draining node per second (reallocation.max_rate):
  /// gently, so the other nodes are not flooded.
  uint32_t drain_per_s = 50;
  /// [drain] job_wait: a session with a job sent and not acknowledged
  /// moves off a draining node once it is idle, or after this (0: at once).
  std::chrono::milliseconds drain_job_wait{30'000};
  /// The connect-token verifier of this balancer's listener (shared with
  /// it): the balancer feeds it the revocations it polls from `control`
  /// every status_period. Null: tokens are not checked, nothing to poll.
  std::shared_ptr<auth::token_verifier> tokens;
  /// The listener's flapping ban (shared with it): a connect the balancer
  /// refuses itself (no live node; 503 while it cannot decide) is taken
  /// back, so a device retrying through an outage is not banned. Null in
  /// tests without a listener.
  std::shared_ptr<net::flap_ban> flaps;
  control_actor control; // null until known (peer_directory)
  /// Idle-only rebalancing between the nodes ([rebalance]; moves at
  /// drain_per_s too).
  rebalance_settings rebalance;
};

struct cluster_balancer_state {
  static inline const char* name = "cluster_balancer";

  using phase = conn_phase;

  balancer_settings cfg;
  cluster_manager_actor manager;
  /// The deadlines of the admissions asked of the manager and the spawns
  /// asked of the nodes (made at start with cfg.request_timeout;
  /// request_deadlines.hpp).
  request_deadlines deadlines;
  node_pool nodes;
  connection_table conns;
  node_pool_rebalance rebalancing;
  drain_waits waiting;     // busy sessions on draining nodes
  connect_metrics figures; // for /metrics
  rehome_tally rehomes;    // a down node's sessions, logged per node
  rehome_batch restarts;   // sessions to start again, one request a batch

  /// The configured node strategy among live nodes (node_pool::pick).
  std::optional<size_t> pick_node() const;
  /// Why pick_node found nothing, as the 1013 close reason: every live
  /// node at max_sessions_per_node (with a retry hint), or no node at all.
  std::string no_node_reason() const;
  /// The balancer refused a connect of `terminal` itself (no live node, or
  /// it could not decide): the connect does not count towards the
  /// terminal's flapping ban.
  void not_the_devices_doing(const std::string& terminal) const;
  balancer_status status() const;
  /// Its counters, histograms and gauges for /metrics, labelled with its
  /// cluster and id.
  std::vector<metric_series> metrics() const;

  /// The generation of the next session this balancer starts: its clock in
  /// microseconds, strictly increasing (session_spec::generation).
  uint64_t next_generation(int64_t now_ms) {
    last_generation
      = std::max(last_generation + 1, static_cast<uint64_t>(now_ms) * 1000);
    return last_generation;
  }
  uint64_t last_generation = 0;
  /// `hello`'s connection_id of connection `conn`: the balancer id and its
  /// start time (unique across balancers and restarts), then `conn`
  /// (unique within a process run).
  std::string conn_prefix;
  std::string connection_id(uint64_t conn) const {
    return conn_prefix + std::to_string(conn);
  }
  /// The version of the control's revocation list this balancer has.
  uint64_t revocations_known = 0;
  /// The generation each revoked terminal had when this balancer last
  /// closed its connection. Kept per balancer: the token verifier is shared
  /// by every balancer of a process, so its answer to `revoke` says only
  /// whether the *first* balancer saw the change.
  std::unordered_map<std::string, uint64_t> revoked_seen;
  /// Takes a revocation list into the verifier; returns the terminals whose
  /// generation went up (their connection must close).
  std::vector<std::string> take_revocations(const revocation_list& list);
  uint32_t live_connections() const;
  /// Records a session of `conn` on node `n` (or none), keeping counts.
  void place(connection& c, std::optional<size_t> n);
  /// Forgets a connection; returns it.
  std::optional<connection> erase(uint64_t conn);
  /// The connections a node that starts draining moves, one every
  /// 1/drain_per_s seconds, each with its delay.
  std::vector<std::pair<uint64_t, std::chrono::microseconds>>
  drain_moves(size_t node) const;
  /// The node weights rebalancing uses (those of the "weighted" strategy,
  /// the capacities with "least_load").
  std::map<std::string, uint32_t> rebalance_weights() const {
    if (cfg.node_strategy == "least_load")
      return cfg.node_capacity;
    return cfg.node_strategy == "weighted" ? cfg.node_weights
                                           : std::map<std::string, uint32_t>{};
  }
  /// True if `c`'s session may move from node `t.from` to `t.to` now: it is
  /// live there, both nodes still take part, and the move still evens out.
  bool rebalances(const connection& c, const rebalance_target& t) const;
  /// An operator's capacity and weight of a node (PUT /v1/admin/nodes):
  /// picks, rebalancing and reports use them from now on.
  void tune(const std::string& node, uint32_t capacity, uint32_t weight) {
    cfg.node_capacity[node] = std::max<uint32_t>(1, capacity);
    cfg.node_weights[node] = weight;
    nodes.set_capacities(cfg.node_capacity);
    nodes.set_weights(cfg.node_weights);
  }
  /// True if `c` should move off its draining node now: it is live there,
  /// the node still drains, and another node can take it.
  bool moves_off(const connection& c) const;
};

cluster_balancer_actor::behavior_type cluster_balancer(
  cluster_balancer_actor::stateful_pointer<cluster_balancer_state> self,
  balancer_settings cfg, cluster_manager_actor manager,
  std::vector<std::pair<std::string, node_actor>> nodes);

} // namespace tether
