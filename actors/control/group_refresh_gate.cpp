#include "actors/control/group_refresh_gate.hpp"

#include <algorithm>
#include <functional>
#include <limits>

namespace tether {

namespace {

/// When the first event of `events` still within `window_ms` of `now`
/// leaves it (age > window); INT64_MAX when none is within it. Events are
/// in time order; one in the future stays within every window.
int64_t leaves_window(const std::deque<disconnect_event>& events, int64_t now,
                      int64_t window_ms) {
  auto first = std::partition_point(
    events.begin(), events.end(),
    [&](const disconnect_event& e) { return now - e.at_ms > window_ms; });
  if (first == events.end())
    return std::numeric_limits<int64_t>::max();
  return std::max(first->at_ms, now - window_ms) + window_ms + 1;
}

} // namespace

bool group_refresh_gate::due(int64_t now, const group_inputs& in) const {
  return changed_ || now >= settled_until_ || in.classes != last_.classes
      || in.terminals_fp != last_.terminals_fp;
}

void group_refresh_gate::refreshed(int64_t now, const group_inputs& in,
                                   const disconnect_tracker& tracker) {
  changed_ = false;
  last_ = in;
  last_.classes = class_counts(tracker); // the classes it formed count
  const auto& rules = tracker.rules();
  settled_until_ = std::min(
    leaves_window(tracker.events(), now, rules.disconnect_group.window.count()),
    leaves_window(tracker.events(), now, rules.failure_group.window.count()));
}

uint64_t class_counts(const disconnect_tracker& tracker) {
  return tracker.disconnect_classes().size() + tracker.failure_classes().size()
       + tracker.disconnect_members().size() + tracker.failure_members().size();
}

void add_to_fingerprint(uint64_t& fp, const std::string& terminal_id,
                        const std::string& group) {
  auto h = std::hash<std::string>{}(terminal_id);
  auto g = std::hash<std::string>{}(group);
  // Mixed per pair, summed over pairs: the order of terminals does not
  // matter, a moved terminal changes its pair's term.
  fp += (h ^ (g + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)))
      * 0xff51afd7ed558ccdULL;
}

} // namespace tether
