// wait_cap: a cap on a queue of requests that judges by how long a new
// request would wait, not only by how many wait. Below `count` waiting
// requests one more is always taken (the cap as it was); from `count` on
// it is taken while the queue drains fast enough to serve it within
// `max_wait` (drain_rate: the drain measured while the queue is long); at
// `hard` waiting (hard_factor × count) nothing more is taken, whatever the
// drain: the last guard that keeps memory bounded.
//
// Why: 10,000 devices registering at one instant filled the gateway's
// count cap (1,000) and the balancers' (1,024) within milliseconds; about
// half of them were refused and came back only after a whole-second
// Retry-After while the server idled (docs/BENCHMARKS.md §3, "All-in-one
// connects"). A burst the server serves within a few seconds is now
// queued; a server that does not keep up (a real overload, or one that
// stalls: nothing measured as served) is still refused early, and a
// refused client is told the expected wait (retry_after.hpp,
// backlog_seconds). `max_wait` zero: the count alone, as before.
//
// Used by the gateway's waiting room (actors/http_gateway/waiting_room)
// and the balancers' pending-handshake cap (net/ws_server.cpp). Plain C++,
// time passed in; called by one thread at a time (the one that admits).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "net/limits/drain_rate.hpp"

namespace tether::net {

class wait_cap {
public:
  using clock = drain_rate::clock;
  /// The hard cap is this many times the count (when judging by wait).
  static constexpr size_t hard_factor = 8;

  /// What judge() says about one more request.
  struct verdict {
    bool admit = false;
    /// How long it would wait, by the queue's drain now (none: not known,
    /// as in a burst's first milliseconds or while nothing is served).
    std::optional<std::chrono::milliseconds> wait;
  };

  wait_cap(size_t count, std::chrono::milliseconds max_wait);

  /// One more request, while `waiting` are in the queue and `served` have
  /// left it since the start (a count that only grows).
  verdict judge(clock::time_point now, size_t waiting, uint64_t served);

  size_t count() const { return count_; }
  size_t hard() const { return hard_; }
  std::chrono::milliseconds max_wait() const { return max_wait_; }

private:
  size_t count_;
  size_t hard_;
  std::chrono::milliseconds max_wait_;
  drain_rate drain_;
};

} // namespace tether::net
