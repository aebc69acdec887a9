#include "tether-terminal/job_memory.hpp"

namespace tether::terminal {

job_record* job_memory::find(std::string_view job_id) {
  // unordered_map<std::string> has no heterogeneous lookup without a custom
  // hash in C++20; job ids are short, so the temporary string is cheap.
  auto it = records_.find(std::string(job_id));
  return it == records_.end() ? nullptr : &it->second;
}

job_record& job_memory::insert(const std::string& job_id) {
  if (ring_.size() < capacity_) {
    ring_.push_back(job_id);
  } else {
    records_.erase(ring_[next_]);
    ring_[next_] = job_id;
    next_ = (next_ + 1) % capacity_;
  }
  return records_[job_id];
}

} // namespace tether::terminal
