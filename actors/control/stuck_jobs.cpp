#include "actors/control/stuck_jobs.hpp"

namespace tether {

std::vector<job_record> stuck_jobs::due(const job_book& jobs,
                                        const std::string& terminal_id,
                                        int64_t now) {
  std::vector<job_record> out;
  if (auto h = handed_at_.find(terminal_id);
      h != handed_at_.end() && now - h->second < after_ms)
    return out;
  auto open = jobs.open_jobs.find(terminal_id);
  if (open == jobs.open_jobs.end())
    return out;
  for (const auto& id : open->second) {
    auto j = jobs.jobs.find(id);
    if (j == jobs.jobs.end())
      continue;
    const auto& job = j->second;
    // The list is in creation order: every job after a young one is as
    // young, so the walk stops there instead of looking at each open job of
    // the terminal on every sweep (a clock set back delays those behind by
    // at most the step).
    if (now - job.created_at_ms < after_ms)
      break;
    if (job.status == "queued" && jobs.unstored.count(id) == 0)
      out.push_back(job);
    if (out.size() == max_per_hand)
      break;
  }
  if (!out.empty())
    handed_at_[terminal_id] = now;
  return out;
}

void stuck_jobs::prune(int64_t now) {
  for (auto i = handed_at_.begin(); i != handed_at_.end();)
    if (now - i->second >= after_ms)
      i = handed_at_.erase(i);
    else
      ++i;
}

} // namespace tether
