#include "actors/control/status_writes.hpp"

#include <algorithm>
#include <functional>
#include <utility>

namespace tether {

status_writes::status_writes(size_t max_batch)
    : max_batch_(max_batch > 0 ? max_batch : 1) {
  // The common batch under load is tens of records: spare the first growths.
  waiting_.reserve(std::min<size_t>(max_batch_, 64));
  id_hashes_.reserve(waiting_.capacity());
}

bool status_writes::add(job_record job) {
  // A state of the same job still waiting is replaced by this later one:
  // the batch is one WriteBatch, so the stored result is the same, with
  // one record less to encode and insert (a device's acked and done often
  // come during one write). The scan compares the ids' hashes, newest
  // first, and an id only where its hash matches.
  auto hash = std::hash<std::string>{}(job.job_id);
  for (size_t i = id_hashes_.size(); i-- > 0;)
    if (id_hashes_[i] == hash && waiting_[i].job_id == job.job_id) {
      waiting_[i] = std::move(job);
      ++replaced_;
      return in_flight_ == 0 || waiting_.size() >= max_batch_;
    }
  waiting_.push_back(std::move(job));
  id_hashes_.push_back(hash);
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
  id_hashes_.clear();
  ++in_flight_;
  return out;
}

bool status_writes::answered() {
  if (in_flight_ > 0)
    --in_flight_;
  return in_flight_ == 0 && !waiting_.empty();
}

} // namespace tether
