#include "actors/control/listings.hpp"

#include <algorithm>

#include "actors/control/control.hpp"

namespace tether {

std::vector<terminal_status> terminals_by_prefix(const control_state& st,
                                                 const std::string& prefix,
                                                 size_t limit, int64_t now) {
  std::vector<const terminal_entry*> found;
  for (const auto& [id, entry] : st.terminals.entries)
    if (id.compare(0, prefix.size(), prefix) == 0)
      found.push_back(&entry);
  auto n = std::min(limit, found.size());
  auto by_id = [](const terminal_entry* a, const terminal_entry* b) {
    return a->record.terminal_id < b->record.terminal_id;
  };
  std::partial_sort(found.begin(), found.begin() + n, found.end(), by_id);
  std::vector<terminal_status> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back(st.status_of(*found[i], now));
  return out;
}

std::vector<job_record> recent_jobs(const job_book& jobs,
                                    const std::string& terminal_id,
                                    const std::string& status, size_t limit) {
  std::vector<const job_record*> found;
  for (const auto& [id, job] : jobs.jobs)
    if ((terminal_id.empty() || job.terminal_id == terminal_id)
        && (status.empty() || job.status == status))
      found.push_back(&job);
  auto n = std::min(limit, found.size());
  auto newest = [](const job_record* a, const job_record* b) {
    if (a->created_at_ms != b->created_at_ms)
      return a->created_at_ms > b->created_at_ms;
    return a->job_id > b->job_id;
  };
  std::partial_sort(found.begin(), found.begin() + n, found.end(), newest);
  std::vector<job_record> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i)
    out.push_back(*found[i]);
  return out;
}

} // namespace tether
