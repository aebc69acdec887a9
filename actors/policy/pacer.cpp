#include "actors/policy/pacer.hpp"

#include <algorithm>
#include <limits>

namespace tether {

reallocation_pacer::reallocation_pacer(config::reallocation_config cfg,
                                       int64_t step_us)
    : cfg_(cfg), step_us_(std::max<int64_t>(step_us, 1)) {
  if (cfg_.max_rate == 0)
    cfg_.max_rate = 1;
}

int64_t reallocation_pacer::min_gap_us() const {
  return (1'000'000 + cfg_.max_rate - 1) / cfg_.max_rate; // rounded up
}

int64_t reallocation_pacer::spacing_us(size_t n) const {
  auto window_us = cfg_.window.count() * 1000;
  auto spread = n == 0 ? 0 : window_us / static_cast<int64_t>(n);
  return std::max(spread, min_gap_us());
}

size_t reallocation_pacer::add(
  std::vector<std::pair<std::string, assigned_label>> moves, int64_t now) {
  std::vector<std::pair<std::string, assigned_label>> fresh;
  for (auto& m : moves)
    if (queued_.insert(m.first).second)
      fresh.push_back(std::move(m));
  if (fresh.empty())
    return 0;
  auto gap = spacing_us(fresh.size());
  auto slot = any_slot_ ? std::max(now, last_slot_us_ + gap) : now;
  for (auto& [id, label] : fresh) {
    queue_.push_back({id, std::move(label), slot, 0});
    last_slot_us_ = slot;
    slot += gap;
  }
  any_slot_ = true;
  return fresh.size();
}

bool reallocation_pacer::move_now_or_queue(std::string terminal_id,
                                           assigned_label label, int64_t now) {
  if (queued_.count(terminal_id) > 0)
    return false;
  auto slot = any_slot_ ? std::max(now, last_slot_us_ + min_gap_us()) : now;
  any_slot_ = true;
  last_slot_us_ = slot;
  if (slot <= now) {
    last_sent_us_ = slot;
    return true;
  }
  queued_.insert(terminal_id);
  queue_.push_back({std::move(terminal_id), std::move(label), slot, 0});
  return false;
}

std::vector<reallocation_pacer::move>
reallocation_pacer::take_due(int64_t now) {
  std::vector<move> out;
  while (!queue_.empty()) {
    // A slot the timer missed moves to now; none comes sooner than
    // min_gap_us() after the last one sent (late timers do not burst).
    auto slot = std::max(queue_.front().slot_us, now);
    if (last_sent_us_ > std::numeric_limits<int64_t>::min())
      slot = std::max(slot, last_sent_us_ + min_gap_us());
    if (slot >= now + step_us_) {
      queue_.front().slot_us = slot;
      last_slot_us_ = std::max(last_slot_us_, slot);
      break;
    }
    auto m = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(m.terminal_id);
    m.slot_us = slot;
    m.after_ms = static_cast<uint32_t>((slot - now) / 1000);
    last_sent_us_ = slot;
    last_slot_us_ = std::max(last_slot_us_, slot);
    out.push_back(std::move(m));
  }
  return out;
}

std::vector<reallocation_pacer::move> reallocation_pacer::take_all() {
  std::vector<move> out{std::make_move_iterator(queue_.begin()),
                        std::make_move_iterator(queue_.end())};
  queue_.clear();
  queued_.clear();
  if (!out.empty())
    last_sent_us_ = std::max(last_sent_us_, out.back().slot_us);
  return out;
}

} // namespace tether
