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
// manager's re-allocation has the balancer send a device `reassign`.
//
//   connection: admitting ─► upgrading ─► spawning ─► live ─► (erased)
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/system/close_codes.hpp"
#include "actors/system/interfaces.hpp"
#include "actors/system/live_count.hpp"
#include "config/defaults.hpp"

namespace tether {

struct balancer_settings {
  std::string balancer_id;
  std::string cluster_id;
  std::string url;
  uint32_t keepalive_ms = 30'000;
  uint32_t keepalive_misses = 2;
  uint32_t redelivery_ms = 30'000;
  std::chrono::milliseconds request_timeout{defaults::request_timeout};
  /// The listener's count of WebSocket connection objects that exist.
  live_count ws_connections;
  std::chrono::milliseconds status_period{1'000};
  /// Frames a device may send before its session exists, on top of two
  /// answers per frame it was sent meanwhile; more closes the socket (1008).
  size_t max_early_frames = 16;
  std::string node_strategy = "fewest_sessions";
  std::map<std::string, uint32_t> node_weights; // missing: 1
  /// Sessions moved off a draining node per second (reallocation.max_rate):
  /// gently, so the other nodes are not flooded.
  uint32_t drain_per_s = 50;
};

struct cluster_balancer_state {
  static inline const char* name = "cluster_balancer";

  enum class phase { admitting, upgrading, spawning, live };

  struct connection {
    std::string terminal_id;
    ws_link_ptr link;
    phase at = phase::admitting;
    terminal_session_actor session;
    std::optional<size_t> node;
    std::vector<std::string> early; // frames before the session exists
    /// Answers the device may owe while `early` collects: a session may
    /// already be sending (the balancer learns its handle from the node's
    /// answer, which can come later), and the device may answer each frame
    /// twice (a job: ack and result). Two per frame sent meanwhile.
    size_t sent_early = 0;
    std::vector<job_record> early_jobs; // jobs before the session exists
  };

  struct node_entry {
    std::string node_id;
    node_actor handle;
    node_status last; // as last reported (all balancers' sessions)
    uint32_t own = 0; // this balancer's sessions there, exact
    bool failed = false;
    bool draining = false; // set by an operator: no new sessions
  };

  balancer_settings cfg;
  cluster_manager_actor manager;
  std::vector<node_entry> nodes;
  std::unordered_map<uint64_t, connection> conns;
  std::unordered_map<std::string, uint64_t> by_terminal;

  /// The configured node strategy (fewest sessions by default) among live
  /// nodes, never a draining or failed one. A node's load is the larger of its
  /// last report (which includes other balancers' sessions but may be a
  /// second old) and this balancer's own exact count there.
  std::optional<size_t> pick_node() const;
  balancer_status status() const;
  uint32_t live_connections() const;
  /// Records a session of `conn` on node `n` (or none), keeping counts.
  void place(connection& c, std::optional<size_t> n);
  /// Forgets a connection; returns it.
  std::optional<connection> erase(uint64_t conn);
};

cluster_balancer_actor::behavior_type cluster_balancer(
  cluster_balancer_actor::stateful_pointer<cluster_balancer_state> self,
  balancer_settings cfg, cluster_manager_actor manager,
  std::vector<std::pair<std::string, node_actor>> nodes);

} // namespace tether
