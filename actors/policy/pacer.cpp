#include "actors/policy/pacer.hpp"

#include <algorithm>
#include <limits>

namespace tether {

reallocation_pacer::reallocation_pacer(config::reallocation_config cfg,
                                       int64_t step_ms)
    : cfg_(cfg), step_ms_(std::max<int64_t>(step_ms, 1)) {
  if (cfg_.max_rate == 0)
    cfg_.max_rate = 1;
}

int64_t reallocation_pacer::min_gap_ms() const {
  return (1000 + cfg_.max_rate - 1) / cfg_.max_rate; // rounded up
}

int64_t reallocation_pacer::spacing_ms(size_t n) const {
  auto spread = n == 0 ? 0 : cfg_.window.count() / static_cast<int64_t>(n);
  return std::max(spread, min_gap_ms());
}

size_t reallocation_pacer::add(
  std::vector<std::pair<std::string, assigned_label>> moves, int64_t now) {
  std::vector<std::pair<std::string, assigned_label>> fresh;
  for (auto& m : moves)
    if (queued_.insert(m.first).second)
      fresh.push_back(std::move(m));
  if (fresh.empty())
    return 0;
  auto gap = spacing_ms(fresh.size());
  auto slot = any_slot_ ? std::max(now, last_slot_ms_ + gap) : now;
  for (auto& [id, label] : fresh) {
    queue_.push_back({id, std::move(label), slot, 0});
    last_slot_ms_ = slot;
    slot += gap;
  }
  any_slot_ = true;
  return fresh.size();
}

bool reallocation_pacer::move_now_or_queue(std::string terminal_id,
                                           assigned_label label, int64_t now) {
  if (queued_.count(terminal_id) > 0)
    return false;
  auto slot = any_slot_ ? std::max(now, last_slot_ms_ + min_gap_ms()) : now;
  any_slot_ = true;
  last_slot_ms_ = slot;
  if (slot <= now) {
    last_sent_ms_ = slot;
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
    // min_gap_ms() after the last one sent (late timers do not burst).
    auto slot = std::max(queue_.front().slot_ms, now);
    if (last_sent_ms_ > std::numeric_limits<int64_t>::min())
      slot = std::max(slot, last_sent_ms_ + min_gap_ms());
    if (slot >= now + step_ms_) {
      queue_.front().slot_ms = slot;
      last_slot_ms_ = std::max(last_slot_ms_, slot);
      break;
    }
    auto m = std::move(queue_.front());
    queue_.pop_front();
    queued_.erase(m.terminal_id);
    m.slot_ms = slot;
    m.after_ms = static_cast<uint32_t>(slot - now);
    last_sent_ms_ = slot;
    last_slot_ms_ = std::max(last_slot_ms_, slot);
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
    last_sent_ms_ = std::max(last_sent_ms_, out.back().slot_ms);
  return out;
}

} // namespace tether
