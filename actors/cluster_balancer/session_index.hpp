// session_index: which connection a terminal_session serves, by the
// session's actor address (one section of connection_table). The balancer
// monitors every session it starts; when a node dies each of its sessions
// ends with a down message, and each must find its connection at once: a
// scan of every connection per down message made re-homing quadratic (16,000
// sessions of a killed node against 30,000 connections: seconds of the
// balancer's one thread; docs/BENCHMARKS.md, "Re-homing"). Plain C++; unit-
// tested in tests/actors/cluster_balancer/session_index_test.cpp.
//
// An entry is added where the balancer starts monitoring a session and
// removed by that session's down message, which every monitored session
// sends exactly once: the index never holds more entries than sessions
// being monitored. An entry may outlive its session's place in the
// connection (moved, replaced): connection_table::of_session checks that
// the connection still names the session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>

#include <caf/actor_addr.hpp>

namespace tether {

class session_index {
public:
  /// `session` now serves connection `conn`.
  void started(const caf::actor_addr& session, uint64_t conn) {
    by_session_[session] = conn;
  }
  /// `session` ended (its down message came): forgotten.
  void ended(const caf::actor_addr& session) { by_session_.erase(session); }
  /// The connection `session` was started for, if it is still indexed.
  std::optional<uint64_t> find(const caf::actor_addr& session) const {
    auto i = by_session_.find(session);
    if (i == by_session_.end())
      return std::nullopt;
    return i->second;
  }
  size_t size() const { return by_session_.size(); }

private:
  std::unordered_map<caf::actor_addr, uint64_t> by_session_;
};

} // namespace tether
