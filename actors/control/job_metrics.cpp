#include "actors/control/job_metrics.hpp"

namespace tether {

namespace {

double seconds_between(int64_t from_ms, int64_t to_ms) {
  return static_cast<double>(to_ms - from_ms) / 1000.0;
}

} // namespace

job_metrics::job_metrics() {
  set_.add("tether_job_redeliveries_total", {}, 0);
}

void job_metrics::applied(const std::string& status,
                          const storage::job_record& job, int64_t now) {
  if (status == "delivered") {
    if (job.deliveries == 1)
      set_.observe("tether_push_delivered_seconds", {},
                   seconds_between(job.created_at_ms, job.delivered_at_ms));
    else
      set_.add("tether_job_redeliveries_total");
  } else if (status == "acked" && job.acked_at_ms == now) {
    set_.observe("tether_push_acked_seconds", {},
                 seconds_between(job.created_at_ms, job.acked_at_ms));
  }
  if (storage::is_final_status(status) && job.status == status)
    finished(job);
}

void job_metrics::finished(const storage::job_record& job) {
  set_.add("tether_jobs_finished_total", {{"status", job.status}});
}

} // namespace tether
