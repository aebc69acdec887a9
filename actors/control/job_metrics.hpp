// job_metrics: the control's part of /metrics (docs/OPERATORS.md
// "Metrics"): push latency from acceptance (the job stored, 202) to its
// first delivery and to the device's ack, deliveries sent again, and jobs
// by final status. Plain C++, one member of control_state, fed where the
// job book changes a job; gathered on scrape (control_metrics.cpp).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/system/metric_set.hpp"
#include "storage/records.hpp"

namespace tether {

class job_metrics {
public:
  /// tether_job_redeliveries_total starts at 0 (a rate or an alert on it
  /// works before the first redelivery).
  job_metrics();
  /// The job book applied a report with `status` to `job` at `now` (Unix
  /// ms): a first delivery or an ack observes its latency since the job's
  /// creation; a final status counts the job once.
  void applied(const std::string& status, const storage::job_record& job,
               int64_t now);
  /// A job ended without a report (expired by the tick, canceled).
  void finished(const storage::job_record& job);
  uint64_t finished_count(const std::string& status) const {
    return set_.count("tether_jobs_finished_total", {{"status", status}});
  }
  std::vector<metric_series> series() const { return set_.series(); }

private:
  metric_set set_;
};

} // namespace tether
