// Re-allocation pacing (docs/ARCHITECTURE.md, "Who talks to whom",
// Re-allocation): the reassigns of a run are spread over `window` and never
// sent faster than `max_rate` per second, so that reconnects never arrive as
// a storm. Plain C++, used by the control (actors/control/realloc_runs.hpp)
// and unit-tested in tests/actors/policy/pacer_test.cpp.
//
// Each terminal to move gets a time slot. Consecutive slots are at least
// ceil(1,000,000 / max_rate) microseconds apart, also across runs (a new run
// queues behind the slots already given). Every `step` the control takes the
// moves whose slot falls before the next step and sends each with
// after_ms = slot - now, so a device reconnects at its slot.
//
// Times are microseconds (pacer_now_us()): with milliseconds, a rate above
// 1,000 a second was cut to 1,000, and two returns in the same millisecond
// queued the second although the rate allowed it.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <unordered_set>
#include <vector>

#include "actors/system/messages.hpp"
#include "config/topology.hpp"

namespace tether {

/// The pacer's clock: microseconds of the steady clock (slots are only
/// compared with each other and with now, so a wall-clock step neither
/// stalls nor bursts the moves).
inline int64_t pacer_now_us() {
  using namespace std::chrono;
  return duration_cast<microseconds>(steady_clock::now().time_since_epoch())
    .count();
}

class reallocation_pacer {
public:
  struct move {
    std::string terminal_id;
    assigned_label label;
    int64_t slot_us = 0;   // when the device should reconnect
    uint32_t after_ms = 0; // set by take_due: slot - now, in milliseconds
  };

  explicit reallocation_pacer(config::reallocation_config cfg = {},
                              int64_t step_us = 100'000);

  /// Gives each terminal a slot, from `now` on (or behind the last slot
  /// given). A terminal already waiting keeps its slot. Returns how many
  /// were added.
  size_t add(std::vector<std::pair<std::string, assigned_label>> moves,
             int64_t now_us);

  /// A terminal that came back (registration, destination) and must move:
  /// true if it may move at once — the last slot given is at least
  /// min_gap_us() ago, so the rate cap holds across runs and returns; the
  /// slot is then taken. Otherwise it is queued at the next free slot
  /// (min_gap_us() after the last one; a terminal already queued keeps its
  /// slot) and false.
  bool move_now_or_queue(std::string terminal_id, assigned_label label,
                         int64_t now_us);

  /// Removes and returns the moves whose slot is before now + step, in slot
  /// order, each with after_ms = slot - now. A slot already past (the timer
  /// came late) is moved to now, and no two moves sent are closer than
  /// min_gap_us(): a late timer never sends faster than max_rate, the
  /// moves it missed follow at the rate cap.
  std::vector<move> take_due(int64_t now_us);

  /// Removes and returns every queued move at its slot (for a caller that
  /// sets its own timer per move).
  std::vector<move> take_all();

  /// Time between two slots when `n` terminals are added at once.
  int64_t spacing_us(size_t n) const;
  /// The least time between two slots (the rate cap).
  int64_t min_gap_us() const;

  size_t pending() const { return queue_.size(); }
  int64_t step_us() const { return step_us_; }
  const config::reallocation_config& settings() const { return cfg_; }

private:
  config::reallocation_config cfg_;
  int64_t step_us_;
  std::deque<move> queue_;
  std::unordered_set<std::string> queued_;
  bool any_slot_ = false;
  int64_t last_slot_us_ = 0;
  // The slot of the last move sent (take_due or an immediate move).
  int64_t last_sent_us_ = std::numeric_limits<int64_t>::min();
};

} // namespace tether
