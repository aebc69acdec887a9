// realloc_runs: the control's re-allocation bookkeeping (one section of
// control_state): the pacer of connected terminals' moves
// (actors/policy/pacer.hpp), whether its `realloc, tick` timer
// runs, when the next periodic run is due, and how many terminals moved.
// Plain C++; unit-tested in tests/actors/control/realloc_runs_test.cpp.
#pragma once

#include <cstdint>

#include "actors/policy/pacer.hpp"
#include "config/topology.hpp"

namespace tether {

struct realloc_runs {
  reallocation_pacer pacer;
  bool pacer_ticking = false;
  int64_t next_periodic_ms = 0; // 0: no periodic run
  uint64_t moved = 0;           // terminals moved by re-allocation

  /// Takes the settings at start; the first periodic run (if any) is one
  /// period from `now`.
  void configure(const config::reallocation_config& cfg, int64_t now) {
    pacer = reallocation_pacer{cfg};
    next_periodic_ms = cfg.period.count() > 0 ? now + cfg.period.count() : 0;
  }

  /// True when a periodic run is due at `now` (and schedules the next).
  bool periodic_due(int64_t now) {
    if (next_periodic_ms == 0 || now < next_periodic_ms)
      return false;
    next_periodic_ms = now + pacer.settings().period.count();
    return true;
  }

  /// True when moves wait and the timer is not running yet: the caller
  /// starts it.
  bool start_ticking() {
    if (pacer_ticking || pacer.pending() == 0)
      return false;
    pacer_ticking = true;
    return true;
  }

  /// After a tick: true while moves wait (the caller ticks again), else
  /// the timer stops.
  bool keep_ticking() {
    pacer_ticking = pacer.pending() > 0;
    return pacer_ticking;
  }
};

} // namespace tether
