#include "actors/control/compact_history.hpp"

namespace tether {

template <class Self, class H, class F>
void compact_history::each_counter(Self& self, H& h, F f) {
  f(self.calls_, h.calls);
  f(self.errors_, h.errors);
  f(self.window_start_ms_, h.window_start_ms);
  f(self.window_calls_, h.window_calls);
  f(self.window_errors_, h.window_errors);
  f(self.previous_calls_, h.previous_calls);
  f(self.previous_errors_, h.previous_errors);
  f(self.window_prints_, h.window_prints);
  f(self.previous_prints_, h.previous_prints);
  f(self.pages_, h.pages);
  f(self.window_jobs_, h.window_jobs);
  f(self.previous_jobs_, h.previous_jobs);
  f(self.connects_, h.connects);
  f(self.disconnects_, h.disconnects);
  f(self.keepalive_failures_, h.keepalive_failures);
  f(self.last_seen_ms_, h.last_seen_ms);
}

void compact_history::counters_to(api_history& h) const {
  each_counter(*this, h, [](const auto& ours, auto& theirs) { theirs = ours; });
}

void compact_history::counters_from(const api_history& h) {
  each_counter(*this, h, [](auto& ours, const auto& theirs) { ours = theirs; });
}

void compact_history::take(const api_history& h) {
  counters_from(h);
  set_disconnect_class(h.disconnect_class);
  set_failure_class(h.failure_class);
}

api_history compact_history::expand(std::string terminal_id) const {
  auto h = counters();
  h.terminal_id = std::move(terminal_id);
  h.disconnect_class = disconnect_class();
  h.failure_class = failure_class();
  return h;
}

} // namespace tether
