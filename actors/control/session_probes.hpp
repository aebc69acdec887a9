// session_probes: the sessions the control watches (a CAF monitor) because
// it handed them jobs that stayed queued (stuck_jobs). The control learns
// that a session ended from the session's own "closed" message; when that
// message never comes (lost with its process, or the session ended unseen
// while the control held an older picture), the terminal would stay
// "connected" to a session that is gone, and its queued jobs would be
// handed to nowhere every few seconds (the chaos run of seed 2918001849).
// The monitor's down message ends that: at the control's next tick (so that
// a "closed" sent before the session quit, which may come after the down
// message, is applied first and counts as what it was), a session gone and
// still its terminal's current one disconnects the terminal ("session
// gone"), and its jobs wait for its next connect. Only sessions with stuck
// jobs are watched; an entry goes when its session ends. Plain C++; tested
// in tests/actors/control/session_probes_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <caf/actor_addr.hpp>

namespace tether {

/// The close reason of a session that ended without saying so.
inline constexpr std::string_view session_gone_reason = "session gone";

class session_probes {
public:
  /// Watches `session` of `terminal`; true when it was not watched yet
  /// (then the caller monitors it, once).
  bool watch(const caf::actor_addr& session, const std::string& terminal) {
    return watched_.try_emplace(session, terminal).second;
  }

  /// A watched session ended (its down message): it is no longer watched,
  /// and is handed out by the next take_ended(). False: not watched.
  bool ended(const caf::actor_addr& session) {
    auto i = watched_.find(session);
    if (i == watched_.end())
      return false;
    ended_.emplace_back(session, std::move(i->second));
    watched_.erase(i);
    return true;
  }

  /// The sessions that ended since the last call, with their terminals.
  std::vector<std::pair<caf::actor_addr, std::string>> take_ended() {
    return std::exchange(ended_, {});
  }

  size_t size() const { return watched_.size(); }

private:
  std::unordered_map<caf::actor_addr, std::string> watched_;
  std::vector<std::pair<caf::actor_addr, std::string>> ended_;
};

} // namespace tether
