// connection_table: the devices' WebSockets a cluster balancer holds, by
// connection id and by terminal (a terminal's newest connection). Plain
// C++, owned by the cluster balancer.
//
//   connection: admitting ─► upgrading ─► spawning ─► live ─► (erased)
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/cluster_balancer/early_frames.hpp"
#include "actors/cluster_balancer/session_index.hpp"
#include "actors/system/interfaces.hpp"

namespace tether {

enum class conn_phase { admitting, upgrading, spawning, live };

struct connection {
  std::string terminal_id;
  ws_link_ptr link;
  terminal_session_actor session;
  std::optional<size_t> node;
  /// What came before its session exists (at the start and during a
  /// move); allocated only then, so a live idle connection holds 8 bytes
  /// where an empty early_frames takes 56 (issue 12).
  std::unique_ptr<early_frames> early;
  /// For /metrics (connect_metrics.hpp): when its admission began, whether
  /// a session of it started once, and why the balancer closed it.
  std::chrono::steady_clock::time_point arrived
    = std::chrono::steady_clock::now();
  std::string_view closing{};
  conn_phase at = conn_phase::admitting;
  bool connected = false;
  /// The key of the device's connection id per service, taken at
  /// admission and kept for the socket's life (each session started for
  /// it says the same ids).
  services::connection_key service_key;

  /// What few connections have, allocated only for them (issue 12: a
  /// connection of the default kind holds 8 bytes where these take 80).
  struct uncommon {
    /// Tier caps: the capped tiers the cluster manager named at
    /// admission, and, if a cap was reached, why (closed 1013 once
    /// upgraded).
    std::vector<std::string> tiers;
    std::string refused;
    /// The services the device declared (empty: the default list).
    std::vector<std::string> service_names;
  };
  std::unique_ptr<uncommon> more;

  /// The admission's capped tiers and refusal (none: nothing held).
  void admitted(std::vector<std::string> tiers, std::string refused);
  /// The services the device declared (none: nothing held).
  void declared(std::vector<std::string> service_names);
  const std::vector<std::string>& tiers() const;
  const std::string& refused() const;
  const std::vector<std::string>& service_names() const;

  /// The early frames, made when first needed.
  early_frames& early_buffer() {
    if (!early)
      early = std::make_unique<early_frames>();
    return *early;
  }

  /// Counts as a connection in the balancer's status.
  bool counts() const {
    return at == conn_phase::live || at == conn_phase::spawning;
  }
};

class connection_table {
public:
  std::unordered_map<uint64_t, connection> by_id;
  std::unordered_map<std::string, uint64_t> by_terminal;
  /// Each monitored session's connection (session_index.hpp).
  session_index sessions;

  /// The connection, or nullptr.
  connection* find(uint64_t conn);

  /// The terminal's newest connection, or nullptr.
  connection* of_terminal(const std::string& terminal);

  /// Makes `conn` the terminal's connection; returns the older connection
  /// it replaces, if any.
  std::optional<uint64_t> take_over(const std::string& terminal, uint64_t conn);

  /// Removes a connection (and its terminal's entry if it was the newest).
  std::optional<connection> remove(uint64_t conn);

  /// Spawning and live connections.
  uint32_t live() const;

  /// Admitted connections (upgrading, spawning or live, not refused) per
  /// capped tier, and all of them under "*" (the manager's recount).
  std::map<std::string, uint32_t> tiers() const;

  /// The live connections with a session on node `node`: those a drain
  /// moves.
  std::vector<uint64_t> live_on(size_t node) const;

  /// The live connection whose session is `session`, if any (through the
  /// index: a lookup, not a scan).
  std::optional<uint64_t> of_session(const caf::actor_addr& session) const;
};

} // namespace tether
