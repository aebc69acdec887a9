// retry_after: the Retry-After of a refusal, in whole seconds, with jitter
// so that many refused clients do not come back in the same second.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string>

namespace tether::net {

/// ceil(wait) seconds (at least 1) plus a random 0..a quarter of it (at
/// least 0..1).
inline int64_t jittered_seconds(std::chrono::milliseconds wait) {
  thread_local std::minstd_rand random{std::random_device{}()};
  int64_t s = std::max<int64_t>(1, (wait.count() + 999) / 1000);
  std::uniform_int_distribution<int64_t> extra{0, std::max<int64_t>(1, s / 4)};
  return s + extra(random);
}

/// The longest Retry-After backlog_seconds() says, whatever the backlog.
constexpr std::chrono::seconds max_backlog_retry{10};

/// The Retry-After of a request refused by a cap that judges by wait
/// (wait_cap.hpp). `wait`: how long it would have waited (none: not known,
/// then jittered_seconds(fallback), as a count cap says). Known: a time
/// drawn evenly from when the backlog will have shrunk to what the cap
/// takes (wait - max_wait) to when it will be gone (wait), so that refused
/// clients come back spread over the time the server needs for the queue
/// instead of all at once, or only after it has run empty and idled. At
/// least 1 s (never 0), a window at least 1 s wide, at most
/// max_backlog_retry. `pick(lo, hi)`: an even draw of milliseconds.
template <class Pick>
int64_t backlog_seconds(std::optional<std::chrono::milliseconds> wait,
                        std::chrono::milliseconds max_wait,
                        std::chrono::milliseconds fallback, Pick&& pick) {
  using std::chrono::milliseconds;
  if (!wait)
    return jittered_seconds(fallback);
  milliseconds top = max_backlog_retry;
  milliseconds lo = std::clamp(*wait - max_wait, milliseconds{1000},
                               top - milliseconds{1000});
  milliseconds hi = std::clamp(*wait, lo + milliseconds{1000}, top);
  int64_t ms = pick(lo.count(), hi.count());
  return (ms + 999) / 1000;
}

/// backlog_seconds with this thread's random numbers.
inline int64_t backlog_seconds(std::optional<std::chrono::milliseconds> wait,
                               std::chrono::milliseconds max_wait,
                               std::chrono::milliseconds fallback) {
  thread_local std::minstd_rand random{std::random_device{}()};
  return backlog_seconds(wait, max_wait, fallback, [](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>{lo, hi}(random);
  });
}

} // namespace tether::net
