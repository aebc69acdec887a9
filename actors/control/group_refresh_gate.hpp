// group_refresh_gate: whether the control's tick must recompute the GE/GF
// classes (disconnect_tracker::refresh), or whether the last answer still
// holds. The recomputation walks every event of the windows and every
// terminal (about 8-13 ms for 10,000 of each, measured on the job path:
// the control serves no push meanwhile); with the same inputs it finds
// nothing new, so it is needed only when
//   - an event came or went (recorded, loaded, pruned, or dropped with a
//     class that ended): touch();
//   - a class was loaded or cleared (the tracker's class counts changed);
//   - a terminal's group value changed, or terminals came or went (a
//     fingerprint of every (terminal, group value) pair);
//   - an event of a window ages out of it (the earliest such time is kept
//     at each recomputation).
// Plain C++, part of disconnect_groups; unit-tested in
// tests/actors/control/group_refresh_gate_test.cpp.
#pragma once

#include <cstdint>
#include <string>

#include "actors/policy/placement.hpp"

namespace tether {

/// What a recomputation reads besides the events and the time.
struct group_inputs {
  uint64_t classes = 0;      // the tracker's class and member counts, summed
  uint64_t terminals_fp = 0; // fingerprint of (terminal, group value) pairs
};

class group_refresh_gate {
public:
  /// Events came or went: the next check recomputes.
  void touch() { changed_ = true; }

  /// Whether a recomputation at `now` may find something new.
  bool due(int64_t now, const group_inputs& in) const;

  /// A recomputation ran at `now` over `tracker`'s events with `in` (the
  /// classes it formed are taken from `tracker`).
  void refreshed(int64_t now, const group_inputs& in,
                 const disconnect_tracker& tracker);

  /// The earliest time an event of a window leaves it (INT64_MAX: none).
  int64_t settled_until() const { return settled_until_; }

  /// Checks that found nothing to do (for the tests and the logs).
  uint64_t skipped = 0;

private:
  bool changed_ = true;
  int64_t settled_until_ = 0;
  group_inputs last_;
};

/// The class counts of `tracker` (group_inputs::classes).
uint64_t class_counts(const disconnect_tracker& tracker);

/// Adds one terminal's group value to a fingerprint (order-independent).
void add_to_fingerprint(uint64_t& fp, const std::string& terminal_id,
                        const std::string& group);

} // namespace tether
