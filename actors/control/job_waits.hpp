// job_waits: re-allocation moves of connected terminals (a cluster drained,
// a terminal whose label class changed) held while the terminal has a job
// in flight: delivered to its device and not yet acknowledged, done or
// failed. A held move goes once the job is, or `job_wait` ([drain]
// job_wait) after it was first held, whichever comes first. Plain C++, one
// section of control_state; tests/actors/control/job_waits_test.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/control/job_book.hpp"

namespace tether {

class job_waits {
public:
  explicit job_waits(std::chrono::milliseconds job_wait
                     = std::chrono::milliseconds{30'000})
      : job_wait_(job_wait) {}

  /// Whether terminal `id`'s move, due at `now_ms`, waits (`busy`: a job of
  /// it is in flight). A move that goes is forgotten.
  bool holds(const std::string& id, bool busy, int64_t now_ms);

  /// Whether terminal `id` has a job delivered and not yet acknowledged,
  /// done or failed (from the job book's open jobs).
  static bool in_flight(const job_book& jobs, const std::string& id);

  size_t size() const { return since_.size(); }

private:
  std::chrono::milliseconds job_wait_;
  std::unordered_map<std::string, int64_t> since_; // first held (Unix ms)
};

} // namespace tether
