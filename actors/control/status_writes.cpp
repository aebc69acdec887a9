#include "actors/control/status_writes.hpp"

#include <algorithm>
#include <utility>

namespace tether {

status_writes::status_writes(size_t max_batch)
    : max_batch_(max_batch > 0 ? max_batch : 1) {
  // The common batch under load is tens of records: spare the first growths.
  waiting_.reserve(std::min<size_t>(max_batch_, 64));
}

bool status_writes::add(job_record job) {
  // A state of the same job still waiting is replaced by this later one:
  // the batch is one WriteBatch, so the stored result is the same, with
  // one record less to encode and insert (a device's acked and done often
  // come during one write). A batch is short, so a scan is enough.
  auto same = std::find_if(waiting_.rbegin(), waiting_.rend(),
                           [&](auto& w) { return w.job_id == job.job_id; });
  if (same != waiting_.rend()) {
    *same = std::move(job);
    ++replaced_;
  } else {
    waiting_.push_back(std::move(job));
  }
  return in_flight_ == 0 || waiting_.size() >= max_batch_;
}

status_batch status_writes::take() {
  status_batch out;
  if (waiting_.empty())
    return out;
  out.what = std::to_string(waiting_.size()) + " job state(s) ("
           + waiting_.front().job_id
           + (waiting_.size() > 1 ? " … " + waiting_.back().job_id : "") + ")";
  for (const auto& job : waiting_)
    if (job.callback_pending)
      out.callbacks.push_back(job);
  out.jobs = std::exchange(waiting_, {});
  waiting_.reserve(std::min<size_t>(max_batch_, out.jobs.size()));
  ++in_flight_;
  return out;
}

bool status_writes::answered() {
  if (in_flight_ > 0)
    --in_flight_;
  return in_flight_ == 0 && !waiting_.empty();
}

} // namespace tether
