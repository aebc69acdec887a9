// keepalive_schedule: when each session of a node is due for its next
// keepalive tick. The node owns the timer and sends each session its tick,
// so that no session keeps a timer (and with it a strong reference to
// itself) alive after it ends: a finished session is erased here when the
// node learns of its end and is released at once. Plain C++; times are
// milliseconds of the node's clock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

#include <caf/actor_addr.hpp>

namespace tether {

class keepalive_schedule {
public:
  /// Schedules `who` every `period_ms`, first at `now + period_ms`.
  void add(const caf::actor_addr& who, int64_t now, int64_t period_ms);

  /// Forgets `who` (it ended). Unknown ones are ignored.
  void remove(const caf::actor_addr& who);

  /// The sessions due at `now`, each scheduled again one period after the
  /// time it was due (so that a late tick does not shift its phase).
  std::vector<caf::actor_addr> take_due(int64_t now);

  /// When the next one is due, if any.
  std::optional<int64_t> next_due() const;

  size_t size() const { return entries_.size(); }

private:
  using queue = std::multimap<int64_t, caf::actor_addr>;
  struct entry {
    queue::iterator at;
    int64_t period_ms;
  };
  queue by_due_;
  std::unordered_map<caf::actor_addr, entry> entries_;
};

} // namespace tether
