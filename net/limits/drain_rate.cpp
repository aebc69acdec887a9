#include "net/limits/drain_rate.hpp"

namespace tether::net {

void drain_rate::close_open(clock::time_point now, uint64_t served) {
  open_.end = now;
  open_.served = served - open_.served_at_start;
  // A stretch longer than a step began at an arrival and ended at the next
  // one much later: it counts only if the queue cannot have run empty in it
  // (fewer served than were waiting), or its idle time would count as slow.
  bool busy_throughout = open_.served < open_.waiting_at_start;
  if (!filling_ && (now - open_.start <= 2 * step || busy_throughout))
    closed_[next_++ % closed_.size()] = open_;
}

void drain_rate::observe(clock::time_point now, size_t waiting,
                         uint64_t served) {
  if (!started_ || (!long_ && waiting >= long_from_)) {
    // Long from here on; the time to the first answer is not measured.
    long_ = filling_ = waiting >= long_from_;
    started_ = true;
    return start_span(now, waiting, served);
  }
  if (!long_)
    return;
  if (waiting * 2 < long_from_) { // short again: the stretch ends
    close_open(now, served);
    long_ = filling_ = false;
    return;
  }
  if (filling_) {
    if (served > open_.served_at_start) { // the first answer: measure now
      filling_ = false;
      start_span(now, waiting, served);
    }
    return;
  }
  open_.served = served - open_.served_at_start;
  if (now - open_.start >= step) {
    close_open(now, served);
    start_span(now, waiting, served);
  }
}

std::optional<double> drain_rate::per_second(clock::time_point now) const {
  clock::duration measured{};
  uint64_t served = 0;
  auto add = [&](const span& s, clock::time_point end) {
    measured += end - s.start;
    served += s.served;
  };
  for (const auto& s : closed_)
    if (s.end > s.start && s.end >= now - window)
      add(s, s.end);
  if (long_ && !filling_ && now > open_.start)
    add(open_, now);
  if (measured < least)
    return std::nullopt;
  return static_cast<double>(served)
       / std::chrono::duration<double>(measured).count();
}

} // namespace tether::net
