// stuck_jobs: queued jobs of connected terminals are looked at again, not
// only when a terminal connects. A job is routed once when it is pushed
// (control → cluster manager → balancer → session); when that route is not
// there yet (a cluster manager that restarted with the control and whose
// balancers have not joined again, a session still starting), the job stays
// `queued` while its device is connected and answering pings. The sweep
// hands such a job straight to the terminal's session (which ignores a job
// it already holds) once it has been queued for `after_ms`, and again at
// most every `after_ms` while it stays queued. Plain C++; one section of
// control_state, tested in tests/actors/control/stuck_jobs_test.cpp.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/control/job_book.hpp"

namespace tether {

class stuck_jobs {
public:
  /// How long a job may stay queued behind a connected terminal before it
  /// is handed to the session directly (and the pause between two hands).
  int64_t after_ms = 5'000;
  /// At most this many (the oldest) per terminal and hand: what a session
  /// sends at once (its window); the rest follow as the device acks.
  size_t max_per_hand = 32;

  /// The jobs of `terminal_id` to hand to its session now: the oldest
  /// stored ones still `queued` and pushed at least `after_ms` before `now`;
  /// nothing when the terminal's jobs were handed over less than `after_ms`
  /// ago. Marks the terminal as handed over when it returns any.
  std::vector<job_record> due(const job_book& jobs,
                              const std::string& terminal_id, int64_t now);

  /// Forgets terminals handed over long ago (called once per sweep).
  void prune(int64_t now);

  size_t tracked() const { return handed_at_.size(); }

private:
  std::unordered_map<std::string, int64_t> handed_at_;
};

} // namespace tether
