#include "actors/node/keepalive_schedule.hpp"

#include <algorithm>

namespace tether {

void keepalive_schedule::add(caf::actor_id who, int64_t now,
                             int64_t period_ms) {
  period_ms = std::max<int64_t>(1, period_ms);
  queues_[period_ms].push_back({now + period_ms, who});
}

std::optional<int64_t> keepalive_schedule::next_due() const {
  std::optional<int64_t> out;
  for (const auto& [period, q] : queues_)
    if (!q.empty() && (!out || q.front().due < *out))
      out = q.front().due;
  return out;
}

size_t keepalive_schedule::size() const {
  size_t n = 0;
  for (const auto& [period, q] : queues_)
    n += q.size();
  return n;
}

} // namespace tether
