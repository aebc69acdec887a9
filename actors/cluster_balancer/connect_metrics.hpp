// connect_metrics: the balancer's part of /metrics (docs/OPERATORS.md
// "Metrics"): connects and their latency (the upgrade request's admission
// to the first session started on a node), the admission's own latency
// (the balancer's request to the cluster manager and its answer, by
// outcome), disconnects by reason, and
// sessions moved between nodes (the device keeps its WebSocket). Plain
// C++, owned by the cluster balancer; gathered on scrape through the
// cluster manager and the control.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "actors/system/metric_set.hpp"

namespace tether {

/// Why a device's connection ended, as the `reason` label spells it
/// (C strings: a connection keeps its reason in 8 bytes).
namespace disconnect_reason {
constexpr const char* by_device = "closed_by_device";
constexpr const char* keepalive_lost = "keepalive_lost";
constexpr const char* replaced = "replaced";
constexpr const char* revoked = "revoked";
constexpr const char* policy = "policy";
constexpr const char* no_node = "no_node";
constexpr const char* session_failed = "session_failed";
constexpr const char* by_server = "closed_by_server";
/// The device closed after a `reassign` frame (re-allocation moved it).
constexpr const char* reassigned = "reassigned";
/// The reason label of a close a session asked for with `code`.
const char* of_close_code(uint16_t code);
} // namespace disconnect_reason

/// Why a session moved to another node, as the `reason` label spells it.
namespace move_reason {
constexpr const char* drained = "drained"; // an operator drained its node
constexpr const char* rebalanced = "rebalanced";
constexpr const char* node_down = "node_down"; // its node's process went
constexpr const char* all[] = {drained, rebalanced, node_down};
} // namespace move_reason

class connect_metrics {
public:
  using clock = std::chrono::steady_clock;
  /// The counters start at 0, each move reason too: a rate or an alert on
  /// them works before their first event.
  connect_metrics();
  /// A connection's first session started: one connect, and its latency
  /// since `arrived`.
  void connected(clock::time_point arrived, clock::time_point now);
  /// The cluster manager answered a connection's admission (`outcome`:
  /// "admitted", "refused" for a not-found, other cluster or cap answer,
  /// "failed" for no answer in time), counted with its latency since
  /// `arrived`.
  void admission(clock::time_point arrived, clock::time_point now,
                 std::string_view outcome);
  /// A connection that had connected ended for `reason`.
  void disconnected(std::string_view reason);
  /// A session moved to another node ("drained", "rebalanced",
  /// "node_down"); the device kept its WebSocket.
  void moved(std::string_view reason);
  uint64_t connects() const { return set_.count("tether_connects_total"); }
  uint64_t disconnects(std::string_view reason) const;
  std::vector<metric_series> series(const metric_set::label_map& extra) const {
    return set_.series(extra);
  }

private:
  metric_set set_;
};

} // namespace tether
