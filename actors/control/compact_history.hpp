// compact_history: a terminal's api_history as the control keeps it for every
// terminal that has one (issue 12: bytes per connected terminal). The same
// counters, but not the terminal id (the table's key) and the GE/GF class
// names interned (one copy per class in the process, a pointer per holder):
// 136 bytes where the stored record is 216. The window logic stays the
// record's own (api_history::roll, count, count_done): update() runs it on a
// record made of these counters and takes the counters back, and expand()
// gives the stored form, which is unchanged. Unit-tested in
// tests/actors/control/compact_history_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "actors/system/interned.hpp"
#include "storage/records.hpp"

namespace tether {

using storage::api_history;

class compact_history {
public:
  compact_history() = default;
  /// The counters and classes of `h` (its terminal id is not kept).
  explicit compact_history(const api_history& h) { take(h); }

  /// The stored form, for terminal `terminal_id`.
  api_history expand(std::string terminal_id) const;

  /// Runs `change(api_history&)` on a record holding these counters (not
  /// the id, nor the classes) and keeps the counters it leaves.
  template <class F>
  void update(F&& change) {
    api_history h;
    counters_to(h);
    std::forward<F>(change)(h);
    counters_from(h);
  }

  /// The record's counters (the terminal's history since it was first
  /// seen), without its id or classes.
  api_history counters() const {
    api_history h;
    counters_to(h);
    return h;
  }

  uint64_t calls() const { return calls_; }
  const std::string& disconnect_class() const { return ge_.str(); }
  const std::string& failure_class() const { return gf_.str(); }
  void set_disconnect_class(const std::string& c) { ge_ = interned{c}; }
  void set_failure_class(const std::string& c) { gf_ = interned{c}; }

private:
  /// Every counter of the record, in one list: `f(ours, theirs)`.
  template <class Self, class H, class F>
  static void each_counter(Self& self, H& h, F f);
  void take(const api_history& h);
  void counters_to(api_history& h) const;
  void counters_from(const api_history& h);

  uint64_t calls_ = 0;
  uint64_t errors_ = 0;
  int64_t window_start_ms_ = 0;
  uint64_t window_calls_ = 0;
  uint64_t window_errors_ = 0;
  uint64_t previous_calls_ = 0;
  uint64_t previous_errors_ = 0;
  uint64_t window_prints_ = 0;
  uint64_t previous_prints_ = 0;
  uint64_t pages_ = 0;
  uint64_t window_jobs_ = 0;
  uint64_t previous_jobs_ = 0;
  uint64_t connects_ = 0;
  uint64_t disconnects_ = 0;
  uint64_t keepalive_failures_ = 0;
  int64_t last_seen_ms_ = 0;
  interned ge_; // disconnect_class (empty: none)
  interned gf_; // failure_class (empty: none)
};

} // namespace tether
