// notifier: delivers job callbacks. When a job reaches a final status and
// has a callback_url, the control hands it here; the notifier POSTs the job
// body (as GET /v1/jobs/{id} shows it) through an http_poster, retries with
// exponential backoff (1 s, 2 s, 4 s … capped) up to a number of attempts,
// and reports to the control whether the callback was accepted (2xx) or
// given up. Jobs never wait for each other: each has its own retry timer,
// and at most `max_in_flight` posts run at once (the rest queue, bounded).
#pragma once

#include <chrono>
#include <deque>
#include <string>
#include <unordered_map>

#include "actors/system/interfaces.hpp"

namespace tether {

struct notifier_settings {
  uint32_t max_attempts = 8;
  std::chrono::milliseconds first_backoff{1'000};
  std::chrono::milliseconds max_backoff{60'000};
  size_t max_in_flight = 64;
  size_t max_queued = 100'000;
};

struct notifier_state {
  static inline const char* name = "notifier";

  struct pending {
    job_record job;
    uint32_t attempts = 0;
  };

  notifier_settings cfg;
  std::unordered_map<std::string, pending> jobs; // by job id
  std::deque<std::string> ready;                 // due for an attempt, in order
  size_t in_flight = 0;
  uint64_t delivered = 0;
  uint64_t given_up = 0;
  uint64_t attempts = 0;        // callback POSTs answered (for /metrics)
  uint64_t failed_attempts = 0; // of which failed

  /// The counters above as /metrics series (tether_callback_*).
  std::vector<metric_series> metrics() const;

  /// Backoff before attempt `n` (n >= 2).
  std::chrono::milliseconds backoff(uint32_t n) const;
};

notifier_actor::behavior_type
notifier(notifier_actor::stateful_pointer<notifier_state> self,
         notifier_settings cfg, http_poster_ptr poster, control_actor control);

} // namespace tether
