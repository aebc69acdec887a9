#include "actors/control/job_waits.hpp"

namespace tether {

bool job_waits::holds(const std::string& id, bool busy, int64_t now_ms) {
  if (!busy || job_wait_.count() <= 0) {
    since_.erase(id);
    return false;
  }
  auto since = since_.emplace(id, now_ms).first->second;
  if (now_ms - since < job_wait_.count())
    return true;
  since_.erase(id);
  return false;
}

bool job_waits::in_flight(const job_book& jobs, const std::string& id) {
  auto open = jobs.open_jobs.find(id);
  if (open == jobs.open_jobs.end())
    return false;
  for (const auto& job_id : open->second)
    if (auto j = jobs.jobs.find(job_id);
        j != jobs.jobs.end() && j->second.status == "delivered")
      return true;
  return false;
}

} // namespace tether
