#include "actors/cluster_balancer/drain_waits.hpp"

#include <algorithm>

namespace tether {

drain_waits::drain_waits(std::chrono::milliseconds job_wait,
                         std::chrono::milliseconds poll)
    : job_wait_(std::max(job_wait, std::chrono::milliseconds{0})),
      poll_(std::max(poll, std::chrono::milliseconds{1})) {}

std::optional<std::chrono::milliseconds> drain_waits::busy(uint64_t conn,
                                                           int64_t now_ms) {
  auto since = since_.emplace(conn, now_ms).first->second;
  auto left = since + job_wait_.count() - now_ms;
  if (!enabled() || left <= 0) {
    since_.erase(conn);
    return std::nullopt;
  }
  return std::min(poll_, std::chrono::milliseconds{left});
}

std::optional<int64_t> drain_waits::since(uint64_t conn) const {
  auto i = since_.find(conn);
  if (i == since_.end())
    return std::nullopt;
  return i->second;
}

} // namespace tether
