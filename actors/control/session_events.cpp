#include "actors/control/session_events.hpp"

namespace tether {

void session_events::note(const char* kind, const std::string& terminal,
                          const std::string& where, int64_t now_ms) {
  if (!wanted(now_ms)) {
    entries_.clear();
    return;
  }
  entries_.push_back(
    entry{++seq_, std::string{kind} + '\t' + terminal + '\t' + where});
  if (entries_.size() > capacity_)
    entries_.pop_front();
}

std::vector<std::string> session_events::read(uint64_t after, int64_t now_ms) {
  wanted_until_ms_ = now_ms + linger_.count();
  std::vector<std::string> out;
  if (after == 0) {
    out.push_back(std::to_string(seq_) + "\tnow");
    return out;
  }
  for (const auto& e : entries_)
    if (e.seq > after)
      out.push_back(std::to_string(e.seq) + '\t' + e.line);
  return out;
}

} // namespace tether
