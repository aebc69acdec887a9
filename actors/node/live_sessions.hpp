// live_sessions: the sessions a node hosts, by address, and the promise that
// they end with their node.
//
// The node monitors each session rather than linking to it. A link puts an
// attachable into both actors' lists, and CAF 0.17 keeps an actor's
// attachables in a singly linked list that unlink searches from the head: the
// node's list held one entry per session, so every ended session cost a scan
// of all the others (in a reconnect storm of 10,000 devices on two nodes that
// search was three quarters of the nodes' CPU; docs/BENCHMARKS.md). A monitor
// puts its one attachable into the session's own list, which goes with the
// session. What the link also gave, sessions that end with their node, this
// registry gives: destroying it (the node's state is destroyed when the node
// ends, however it ends) ends every session still in it.
#pragma once

#include <cstddef>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>

#include "actors/system/interfaces.hpp"

namespace tether {

class live_sessions {
public:
  live_sessions() = default;
  live_sessions(const live_sessions&) = delete;
  live_sessions& operator=(const live_sessions&) = delete;
  /// Ends every session still held (exit reason `kill`: a session without
  /// its node gets no keepalive ticks and no new jobs).
  ~live_sessions();

  /// Holds `session`, which relays through `balancer` (none: no balancer).
  void add(const terminal_session_actor& session,
           const caf::actor_addr& balancer = {});
  /// Forgets a session that ended; false if it was not held.
  bool remove(const caf::actor_addr& session);
  bool contains(const caf::actor_addr& session) const;
  /// The session's handle, or nullptr.
  const terminal_session_actor* find(const caf::actor_addr& session) const;
  /// The same by actor id (a session of this node: ids are unique within
  /// one actor system, and a node's sessions run in its own).
  const terminal_session_actor* find(caf::actor_id session) const;
  std::size_t size() const { return by_id_.size(); }
  /// The sessions that relay through `balancer`.
  std::vector<terminal_session_actor>
  relaying_through(const caf::actor_addr& balancer) const;

  template <class F>
  void for_each(F&& f) const {
    for (const auto& e : by_id_)
      f(e.second.session);
  }

private:
  struct held {
    terminal_session_actor session;
    caf::actor_addr balancer;
  };
  /// By actor id: a smaller entry than by address (issue 12, bytes per
  /// session). An address from elsewhere (a balancer's, whose id may equal
  /// a session's) is told apart by comparing the whole address.
  std::unordered_map<caf::actor_id, held> by_id_;
  const held* entry(const caf::actor_addr& session) const;
};

} // namespace tether
