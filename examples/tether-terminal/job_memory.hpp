// tether-terminal: the jobs one device remembers, for de-duplication.
//
// The server may deliver a job again after a failure (docs/API.md: drop
// duplicates by job_id). A device remembers the last `capacity` job ids with
// their outcome, so a repeat is not executed twice but its ack and (once known)
// its result are sent again: the repeat usually means the server lost them.
//
// Memory: nothing is allocated until the first job; then one map node per
// remembered job and a ring of ids no longer than `capacity`. Plain
// single-threaded object: it lives inside one device and is only touched on
// that device's executor.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tether::terminal {

enum class job_status { running, done, failed };

struct job_record {
  job_status status = job_status::running;
  std::string detail;    // result detail once status is final
  bool reported = false; // the result frame was queued on an open session
};

class job_memory {
public:
  explicit job_memory(std::size_t capacity) : capacity_(capacity) {}

  // The record of a remembered job, or nullptr.
  job_record* find(std::string_view job_id);

  // Remembers a new job (caller checked find() first), forgetting the oldest
  // beyond capacity. Returns the new record; it stays valid until `capacity`
  // more inserts.
  job_record& insert(const std::string& job_id);

  // Calls f(job_id, record) for every remembered job with a final, unreported
  // result.
  template <class F>
  void for_each_unreported(F&& f) {
    for (auto& [id, rec] : records_)
      if (rec.status != job_status::running && !rec.reported)
        f(id, rec);
  }

  std::size_t size() const { return records_.size(); }

private:
  std::size_t capacity_;
  std::unordered_map<std::string, job_record> records_;
  std::vector<std::string>
    ring_;               // insertion order; grows to capacity_, then wraps
  std::size_t next_ = 0; // ring_ slot the next insert overwrites once full
};

} // namespace tether::terminal
