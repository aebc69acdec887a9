// sweep_schedule: when the store's history retention sweep has work to do
// (one section of store_actor_state). A pass walks the calls family from
// its start, `sweep_per_tick` keys a tick; between passes nothing is walked
// unless something may be due:
// - by time: the oldest record the last pass kept is now older than the
//   retention, and a hundredth of the retention passed since that pass
//   (so a record lives at most about 1.01 × retention);
// - by count: the records written since the last pass began reached the
//   number the pass kept (the family may have doubled), and at least
//   max_per_terminal (a terminal may have gone over it).
// A store opened with records starts with a pass (it knows nothing of
// them). Plain C++; unit-tested in tests/actors/store/sweep_schedule_test.cpp.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "storage/store.hpp"

namespace tether {

class sweep_schedule {
public:
  sweep_schedule(std::chrono::milliseconds retention, size_t max_per_terminal)
      : retention_ms_(retention.count()), max_per_terminal_(max_per_terminal) {}

  /// `n` history records were given to the store.
  void wrote(size_t n) { written_ += n; }
  /// True when the tick at `now_ms` walks: a pass is under way, or one
  /// becomes due (and starts).
  bool step_now(int64_t now_ms);
  /// A step of the pass ran (at `now_ms`): on its last step, remembers what
  /// the pass kept.
  void stepped(const storage::store::sweep_result& r, int64_t now_ms);

  bool passing() const { return passing_; }

private:
  bool due(int64_t now_ms) const;

  int64_t retention_ms_;
  size_t max_per_terminal_;
  bool passing_ = true; // at start: what is stored is unknown
  size_t written_ = 0;  // since the current (or last) pass began
  size_t kept_ = 0;     // by the last pass
  int64_t oldest_kept_ms_ = INT64_MAX;
  int64_t pass_ended_ms_ = 0;
};

} // namespace tether
