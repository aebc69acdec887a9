// drain_waits: the sessions of a draining node that had a job in flight
// (sent to the device, not yet acknowledged, done or failed) when their
// turn to move came ([drain] job_wait). Each waits from its first busy
// answer; the balancer asks it again every `poll` until it is idle or the
// wait is over, whichever comes first. Plain C++, owned by the cluster
// balancer; tests/actors/cluster_balancer/drain_waits_test.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <unordered_map>

namespace tether {

class drain_waits {
public:
  explicit drain_waits(std::chrono::milliseconds job_wait
                       = std::chrono::milliseconds{30'000},
                       std::chrono::milliseconds poll
                       = std::chrono::milliseconds{250});

  /// Whether a session is asked before it moves at all (job_wait > 0).
  bool enabled() const { return job_wait_.count() > 0; }

  /// The session of `conn` answered busy at `now_ms`: how long until it is
  /// asked again, or none when its wait is over (it moves now, busy or
  /// not; it is forgotten).
  std::optional<std::chrono::milliseconds> busy(uint64_t conn, int64_t now_ms);

  /// The session moved, or its connection ended, or its node no longer
  /// drains: nothing waits for it.
  void forget(uint64_t conn) { since_.erase(conn); }

  /// Whether `conn` waits now, and since when (Unix ms of its first busy
  /// answer).
  std::optional<int64_t> since(uint64_t conn) const;
  size_t size() const { return since_.size(); }

private:
  std::chrono::milliseconds job_wait_;
  std::chrono::milliseconds poll_;
  std::unordered_map<uint64_t, int64_t> since_;
};

} // namespace tether
