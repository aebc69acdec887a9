#include "actors/store/sweep_schedule.hpp"

#include <algorithm>

namespace tether {

bool sweep_schedule::due(int64_t now_ms) const {
  auto by_time = oldest_kept_ms_ < now_ms - retention_ms_
              && now_ms - pass_ended_ms_ >= retention_ms_ / 100;
  auto by_count = written_ >= std::max(kept_, max_per_terminal_);
  return by_time || by_count;
}

bool sweep_schedule::step_now(int64_t now_ms) {
  if (passing_)
    return true;
  if (!due(now_ms))
    return false;
  passing_ = true;
  written_ = 0;
  return true;
}

void sweep_schedule::stepped(const storage::store::sweep_result& r,
                             int64_t now_ms) {
  if (!r.wrapped)
    return;
  passing_ = false;
  kept_ = r.kept;
  oldest_kept_ms_ = r.oldest_kept_ms;
  pass_ended_ms_ = now_ms;
}

} // namespace tether
