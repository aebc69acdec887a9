#include "net/limits/flap_ban.hpp"

namespace tether::net {

namespace {

constexpr std::chrono::minutes window{1};

std::chrono::milliseconds until(limit_clock::time_point t,
                                limit_clock::time_point now) {
  return std::chrono::ceil<std::chrono::milliseconds>(t - now);
}

} // namespace

flap_ban::verdict flap_ban::connect(const std::string& id,
                                    limit_clock::time_point now) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto i = ids_.find(id);
  if (i == ids_.end()) {
    if (ids_.size() >= max_ids_)
      prune(now);
    if (ids_.size() >= max_ids_)
      return {};
    i = ids_.emplace(id, entry{now}).first;
  }
  auto& e = i->second;
  if (now < e.banned_until)
    return {until(e.banned_until, now), false};
  if (now - e.window_start >= window) {
    e.window_start = now;
    e.count = 0;
    e.forgiven = 0;
  }
  if (++e.count <= limit_)
    return {};
  e.banned_until = now + ban_;
  e.count = 0;
  return {ban_, true};
}

void flap_ban::forgive(const std::string& id, limit_clock::time_point now) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto i = ids_.find(id);
  if (i == ids_.end())
    return;
  auto& e = i->second;
  // At most `max_forgiven` a minute: a device that connects far more often
  // than the limit is banned even while the server refuses it (a full
  // cluster, a manager that does not answer in a storm).
  if (now - e.window_start < window && e.count > 0
      && e.forgiven < max_forgiven_) {
    --e.count;
    ++e.forgiven;
  }
}

void flap_ban::prune(limit_clock::time_point now) {
  for (auto i = ids_.begin(); i != ids_.end();) {
    bool idle
      = now - i->second.window_start >= window && now >= i->second.banned_until;
    i = idle ? ids_.erase(i) : std::next(i);
  }
}

} // namespace tether::net
