// keepalive_schedule: when each session of a node is due for its next
// keepalive tick. The node owns the timer and sends each session its tick,
// so that no session keeps a timer (and with it a strong reference to
// itself) alive after it ends. Plain C++; times are milliseconds of the
// node's clock.
//
// Every session of a node holds a place here for as long as it lives, so
// a place is small (issue 12, bytes per session): the session's actor id
// and its due time, 16 bytes in a queue per keepalive period (a node has
// one or a few periods: one per quality class). A queue stays in due
// order without sorting: a session goes back to its end one period after
// it was due (see take_due for a tick that came late). An ended session is not
// searched out: its place is dropped when it comes up and the node no longer
// holds the session
// (`take_due`'s `is_live`). An id holds no reference to the actor, so an
// ended session is released at once.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <vector>

#include <caf/actor_addr.hpp>

namespace tether {

class keepalive_schedule {
public:
  /// Schedules `who` every `period_ms`, first at `now + period_ms`.
  void add(caf::actor_id who, int64_t now, int64_t period_ms);

  /// The sessions due at `now` that `is_live(id)` still holds, each
  /// scheduled again one period after the time it was due (so that a late
  /// tick does not shift its phase); the others are forgotten. The queue
  /// stays in due order: a session that would go behind one added while
  /// its tick was late goes at that one's time instead, later by at most
  /// how late the tick was.
  template <class IsLive>
  std::vector<caf::actor_id> take_due(int64_t now, IsLive&& is_live) {
    std::vector<caf::actor_id> out;
    for (auto& [period, q] : queues_) {
      while (!q.empty() && q.front().due <= now) {
        auto [due, who] = q.front();
        q.pop_front();
        if (!is_live(who))
          continue;
        // Never schedule into the past: a long pause skips missed periods.
        auto next = due + period > now ? due + period : now + period;
        if (!q.empty() && q.back().due > next)
          next = q.back().due;
        q.push_back({next, who});
        out.push_back(who);
      }
    }
    return out;
  }

  /// When the next one is due, if any (it may have ended meanwhile).
  std::optional<int64_t> next_due() const;

  /// Places held, those of ended sessions not yet dropped included.
  size_t size() const;

private:
  struct place {
    int64_t due;
    caf::actor_id who;
  };
  std::map<int64_t, std::deque<place>> queues_; // by period
};

} // namespace tether
