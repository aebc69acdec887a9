#include "net/limits/wait_cap.hpp"

#include <algorithm>
#include <cmath>

namespace tether::net {

wait_cap::wait_cap(size_t count, std::chrono::milliseconds max_wait)
    : count_(count), hard_(max_wait.count() > 0 ? count * hard_factor : count),
      max_wait_(max_wait), drain_(count) {}

wait_cap::verdict wait_cap::judge(clock::time_point now, size_t waiting,
                                  uint64_t served) {
  drain_.observe(now, waiting, served);
  if (waiting < count_)
    return {true, std::nullopt};
  verdict v;
  auto rate = drain_.per_second(now);
  if (rate && *rate > 0) {
    // This request is served after the `waiting` ahead of it (at most an
    // hour is said: far beyond any max_wait and any Retry-After).
    double ms
      = std::min(3.6e6, 1000.0 * static_cast<double>(waiting + 1) / *rate);
    v.wait = std::chrono::milliseconds{std::llround(ms)};
  }
  v.admit = waiting < hard_ && v.wait && *v.wait <= max_wait_;
  return v;
}

} // namespace tether::net
