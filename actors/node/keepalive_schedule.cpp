#include "actors/node/keepalive_schedule.hpp"

#include <algorithm>

namespace tether {

void keepalive_schedule::add(const caf::actor_addr& who, int64_t now,
                             int64_t period_ms) {
  remove(who);
  period_ms = std::max<int64_t>(1, period_ms);
  auto at = by_due_.emplace(now + period_ms, who);
  entries_.emplace(who, entry{at, period_ms});
}

void keepalive_schedule::remove(const caf::actor_addr& who) {
  auto i = entries_.find(who);
  if (i == entries_.end())
    return;
  by_due_.erase(i->second.at);
  entries_.erase(i);
}

std::vector<caf::actor_addr> keepalive_schedule::take_due(int64_t now) {
  std::vector<caf::actor_addr> out;
  while (!by_due_.empty() && by_due_.begin()->first <= now) {
    auto due = by_due_.begin()->first;
    auto who = by_due_.begin()->second;
    by_due_.erase(by_due_.begin());
    auto& e = entries_.at(who);
    // Never schedule into the past: a long pause skips the missed periods.
    auto next = due + e.period_ms;
    if (next <= now)
      next = now + e.period_ms;
    e.at = by_due_.emplace(next, who);
    out.push_back(std::move(who));
  }
  return out;
}

std::optional<int64_t> keepalive_schedule::next_due() const {
  if (by_due_.empty())
    return std::nullopt;
  return by_due_.begin()->first;
}

} // namespace tether
