// Helpers shared by the control's state tests: push requests and jobs as
// the job book has them once stored.
#pragma once

#include <string>
#include <vector>

#include "actors/control/job_book.hpp"

namespace tether::test {

/// A job as the control has it once its store write completed.
inline job_record add(job_book& st, job_record request, int64_t now) {
  auto job = st.new_job(std::move(request), now);
  st.stored(job);
  return job;
}

inline job_record push_request(const std::string& terminal,
                               const std::string& service = "print") {
  job_record r;
  r.terminal_id = terminal;
  r.service = service;
  r.payload_json = "{}";
  // Fields a request must not be able to set:
  r.job_id = "J-chosen-by-client";
  r.status = "done";
  r.detail = "forged";
  return r;
}

inline std::vector<std::string> ids(const std::vector<job_record>& jobs) {
  std::vector<std::string> out;
  for (const auto& j : jobs)
    out.push_back(j.job_id);
  return out;
}

} // namespace tether::test
