// connection_table: the devices' WebSockets a cluster balancer holds, by
// connection id and by terminal (a terminal's newest connection). Plain
// C++, owned by the cluster balancer.
//
//   connection: admitting ─► upgrading ─► spawning ─► live ─► (erased)
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "actors/cluster_balancer/early_frames.hpp"
#include "actors/cluster_balancer/session_index.hpp"
#include "actors/system/interfaces.hpp"

namespace tether {

/// One byte: it packs with the flags beside it in a connection.
enum class conn_phase : uint8_t { admitting, upgrading, spawning, live };

/// Which node of the pool serves a connection, or none: what
/// `std::optional<size_t>` says, in 4 bytes instead of 16 (issue 12).
class node_slot {
public:
  node_slot() = default;
  node_slot(std::optional<size_t> n) // NOLINT: stands in for the optional
      : at_(n ? static_cast<uint32_t>(*n) : none) {}
  operator std::optional<size_t>() const { // NOLINT: as above
    return *this ? std::optional<size_t>{at_} : std::nullopt;
  }
  explicit operator bool() const { return at_ != none; }
  size_t operator*() const { return at_; }
  friend bool operator==(node_slot a, size_t n) {
    return a.at_ != none && a.at_ == n;
  }

private:
  static constexpr uint32_t none = std::numeric_limits<uint32_t>::max();
  uint32_t at_ = none;
};

struct connection {
  /// Set before the connection becomes its terminal's (take_over) and not
  /// changed after: the table's by-terminal index hashes it.
  std::string terminal_id;
  ws_link_ptr link;
  terminal_session_actor session;
  /// What came before its session exists (at the start and during a
  /// move); allocated only then, so a live idle connection holds 8 bytes
  /// where an empty early_frames takes 56 (issue 12).
  std::unique_ptr<early_frames> early;
  /// For /metrics (connect_metrics.hpp): when its admission began, whether
  /// a session of it started once, and why the balancer closed it.
  std::chrono::steady_clock::time_point arrived
    = std::chrono::steady_clock::now();
  /// A disconnect_reason constant (null: not closed by the balancer).
  const char* closing = nullptr;
  /// The key of the device's connection id per service, taken at
  /// admission and kept for the socket's life (each session started for
  /// it says the same ids).
  services::connection_key service_key;
  node_slot node;
  conn_phase at = conn_phase::admitting;
  bool connected = false;

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
  using by_id_map = std::unordered_map<uint64_t, connection>;

  /// The by-terminal index hashes and compares a connection id by its
  /// entry's terminal id (in by_id), and looks up by a terminal id: the id
  /// is stored once, in the entry (issue 12: the index's node was 64 bytes
  /// with the id as its key, now 16). The hash is noexcept, so the set does
  /// not keep it in each node; every indexed id is in by_id.
  struct terminal_of {
    const by_id_map* ids;
    std::string_view operator()(uint64_t conn) const noexcept {
      auto i = ids->find(conn);
      return i == ids->end() ? std::string_view{} : i->second.terminal_id;
    }
    std::string_view operator()(std::string_view t) const noexcept { return t; }
  };
  struct terminal_hash : terminal_of {
    using is_transparent = void;
    template <class K>
    size_t operator()(const K& k) const noexcept {
      return std::hash<std::string_view>{}(terminal_of::operator()(k));
    }
  };
  struct terminal_equal : terminal_of {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return terminal_of::operator()(a) == terminal_of::operator()(b);
    }
  };
  using terminal_index
    = std::unordered_set<uint64_t, terminal_hash, terminal_equal>;

public:
  connection_table()
      : by_terminal(0, terminal_hash{{&by_id}}, terminal_equal{{&by_id}}) {}
  // The index refers to by_id: a moved table indexes its own.
  connection_table(connection_table&& other) noexcept;
  connection_table& operator=(connection_table&& other) noexcept;
  connection_table(const connection_table&) = delete;
  connection_table& operator=(const connection_table&) = delete;

  by_id_map by_id;
  /// Each terminal's newest connection (its entry in by_id names the
  /// terminal; an entry stays in by_id while indexed here).
  terminal_index by_terminal;
  /// Each monitored session's connection (session_index.hpp).
  session_index sessions;

  /// The connection, or nullptr.
  connection* find(uint64_t conn);

  /// The terminal's newest connection, or nullptr.
  connection* of_terminal(std::string_view terminal);

  /// The terminal's newest connection's id, if any.
  std::optional<uint64_t> newest_of(std::string_view terminal) const;

  /// Makes `conn` (in by_id, its terminal_id set) its terminal's
  /// connection; returns the older connection it replaces, if any.
  std::optional<uint64_t> take_over(uint64_t conn);

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
