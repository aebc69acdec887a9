#include "actors/control/listings.hpp"

#include <algorithm>

#include "actors/control/control.hpp"
#include "actors/policy/placement.hpp"

namespace tether {

std::vector<terminal_status>
terminals_by_prefix(const control_state& st, const std::string& prefix,
                    size_t limit, int64_t now,
                    const std::vector<std::string>* items) {
  using item = std::pair<const std::string, terminal_entry>;
  std::vector<const item*> found;
  for (const auto& i : st.terminals.entries)
    if (i.first.compare(0, prefix.size(), prefix) == 0)
      found.push_back(&i);
  auto n = std::min(limit, found.size());
  auto by_id = [](const item* a, const item* b) {
    return a->first < b->first;
  };
  std::partial_sort(found.begin(), found.begin() + n, found.end(), by_id);
  std::vector<terminal_status> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(st.status_of(found[i]->first, found[i]->second, now));
    if (items != nullptr) {
      auto& status = out.back();
      status.label = st.placed_label(
        status.record,
        select_label(st.label_facts(status.record, now), *items));
    }
  }
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
