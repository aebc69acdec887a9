#include "net/limits/source_buckets.hpp"

namespace tether::net {

std::chrono::milliseconds source_buckets::take(const std::string& source,
                                               limit_clock::time_point now) {
  return take(source, 1, now);
}

std::chrono::milliseconds source_buckets::take(const std::string& source,
                                               std::size_t n,
                                               limit_clock::time_point now) {
  std::lock_guard<std::mutex> lock{mutex_};
  auto i = buckets_.find(source);
  if (i == buckets_.end()) {
    if (buckets_.size() >= max_sources_)
      prune(now);
    if (buckets_.size() >= max_sources_)
      return std::chrono::milliseconds{0}; // a fresh bucket would allow it
    i = buckets_.emplace(source, token_bucket{rate_, burst_, now}).first;
  }
  auto want = static_cast<double>(n);
  if (i->second.take(want, now))
    return std::chrono::milliseconds{0};
  return std::max(i->second.wait(want, now), std::chrono::milliseconds{1});
}

void source_buckets::prune(limit_clock::time_point now) {
  for (auto i = buckets_.begin(); i != buckets_.end();)
    i = i->second.full(now) ? buckets_.erase(i) : std::next(i);
}

std::size_t source_buckets::size() const {
  std::lock_guard<std::mutex> lock{mutex_};
  return buckets_.size();
}

} // namespace tether::net
