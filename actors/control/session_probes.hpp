// session_probes: the sessions the control watches (a CAF monitor) because
// it handed them jobs that stayed queued (stuck_jobs). The control learns
// that a session ended from the session's own "closed" message; when that
// message never comes (lost with its process, or the session ended unseen
// while the control held an older picture), the terminal would stay
// "connected" to a session that is gone, and its queued jobs would be
// handed to nowhere every few seconds (the chaos run of seed 2918001849).
// The monitor's down message ends that: the terminal is disconnected, and
// its jobs wait for its next connect. Only sessions with stuck jobs are
// watched; an entry goes when its session ends. Plain C++; tested in
// tests/actors/control/session_probes_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>

#include <caf/actor_addr.hpp>

namespace tether {

class session_probes {
public:
  /// Watches `session` of `terminal`; true when it was not watched yet
  /// (then the caller monitors it, once).
  bool watch(const caf::actor_addr& session, const std::string& terminal) {
    return watched_.try_emplace(session, terminal).second;
  }

  /// The terminal of a watched session that ended, forgotten now (nullopt:
  /// it was not watched).
  std::optional<std::string> ended(const caf::actor_addr& session) {
    auto i = watched_.find(session);
    if (i == watched_.end())
      return std::nullopt;
    auto terminal = std::move(i->second);
    watched_.erase(i);
    return terminal;
  }

  size_t size() const { return watched_.size(); }

private:
  std::unordered_map<caf::actor_addr, std::string> watched_;
};

} // namespace tether
