#include "actors/control/job_book.hpp"

#include <algorithm>

#include "actors/system/errors.hpp"
#include "storage/store.hpp"

namespace tether {

int status_rank(const std::string& status) {
  if (status == "queued")
    return 0;
  if (status == "delivered")
    return 1;
  if (status == "acked")
    return 2;
  return 3;
}

std::vector<job_record> job_book::load(std::vector<job_record> stored_jobs) {
  std::vector<job_record> callbacks;
  for (auto& j : stored_jobs) {
    if (storage::is_final_status(j.status)) {
      final_jobs.push_back(j.job_id);
      if (j.callback_pending)
        callbacks.push_back(j);
    } else {
      open_jobs[j.terminal_id].push_back(j.job_id);
      if (auto at = j.expires_at_ms())
        expiries.emplace(at, j.job_id);
    }
    jobs[j.job_id] = std::move(j);
  }
  evict();
  return callbacks;
}

job_record* job_book::find(const std::string& job_id) {
  auto i = jobs.find(job_id);
  return i == jobs.end() ? nullptr : &i->second;
}

size_t job_book::open_count(const std::string& terminal_id) const {
  auto o = open_jobs.find(terminal_id);
  return o == open_jobs.end() ? 0 : o->second.size();
}

caf::error job_book::queue_full(const std::string& terminal_id) const {
  auto n = open_count(terminal_id);
  if (n == 0 || n < max_queue) // a terminal without open jobs may get one
    return {};
  return make_error(errc::too_many_requests,
                    "terminal " + terminal_id + " has " + std::to_string(n)
                      + " open jobs (the limit is " + std::to_string(max_queue)
                      + ")");
}

job_record job_book::new_job(job_record request, int64_t now) {
  request.job_id = storage::store::new_job_id(next_job_seq++);
  request.status = "queued";
  request.detail.clear();
  request.created_at_ms = now;
  request.updated_at_ms = now;
  jobs[request.job_id] = request;
  unstored.insert(request.job_id);
  open_jobs[request.terminal_id].push_back(request.job_id);
  if (auto at = request.expires_at_ms())
    expiries.emplace(at, request.job_id);
  return request;
}

void job_book::stored(const job_record& job) {
  unstored.erase(job.job_id);
}

void job_book::drop_job(const job_record& job) {
  unstored.erase(job.job_id);
  jobs.erase(job.job_id);
  forget_open(job);
}

/// Takes a job out of its terminal's open list (no empty lists kept). An id
/// is in the list at most once, and jobs mostly finish oldest first: the
/// search stops at the first match, usually the list's front, instead of
/// comparing every open id of the terminal per finished job.
void job_book::forget_open(const job_record& job) {
  auto o = open_jobs.find(job.terminal_id);
  if (o == open_jobs.end())
    return;
  auto& open = o->second;
  if (auto i = std::find(open.begin(), open.end(), job.job_id); i != open.end())
    open.erase(i);
  if (open.empty())
    open_jobs.erase(o);
}

/// Moves a job to a final status and out of the open set.
void job_book::finish(job_record& job, const std::string& status,
                      const std::string& detail, int64_t now) {
  job.status = status;
  job.detail = detail;
  job.updated_at_ms = now;
  job.finished_at_ms = now;
  job.callback_pending = !job.callback_url.empty();
  forget_open(job);
  final_jobs.push_back(job.job_id);
}

/// Evicts the oldest final jobs beyond the in-memory bound (they stay in
/// the store). Jobs whose callback is still pending are kept.
void job_book::evict() {
  // The newest final job always stays: apply() returns it to be stored.
  while (final_jobs.size() > std::max<size_t>(max_final_in_memory, 1)) {
    auto id = std::move(final_jobs.front());
    final_jobs.pop_front();
    auto i = jobs.find(id);
    if (i != jobs.end() && i->second.callback_pending) {
      final_jobs.push_back(std::move(id));
      break;
    }
    jobs.erase(id);
  }
}

job_record* job_book::apply(const job_update& u, int64_t now) {
  auto i = jobs.find(u.job_id);
  if (i == jobs.end() || i->second.terminal_id != u.terminal_id)
    return nullptr;
  auto& job = i->second;
  if (storage::is_final_status(job.status))
    return nullptr;
  if (u.status == "delivered") {
    ++job.deliveries;
    if (job.delivered_at_ms == 0)
      job.delivered_at_ms = now;
  }
  if (status_rank(u.status) <= status_rank(job.status))
    return u.status == "delivered" ? &job : nullptr;
  if (storage::is_final_status(u.status)) {
    finish(job, u.status, u.detail, now);
    evict();
    return &job;
  }
  job.status = u.status;
  job.detail = u.detail;
  job.updated_at_ms = now;
  if (u.status == "acked")
    job.acked_at_ms = now;
  return &job;
}

namespace {
constexpr std::string_view cancel_detail = "canceled by an operator";
} // namespace

std::optional<caf::expected<job_record>>
job_book::canceled(const std::string& job_id, int64_t now) const {
  auto i = jobs.find(job_id);
  if (i == jobs.end())
    return std::nullopt;
  if (unstored.count(job_id) > 0)
    return caf::expected<job_record>{make_error(
      errc::conflict, "job " + job_id + " is being stored; try again")};
  auto job = i->second;
  if (storage::is_final_status(job.status))
    return caf::expected<job_record>{
      make_error(errc::conflict, "job " + job_id + " is already " + job.status
                                   + ": only a queued, "
                                     "delivered or acked job can be canceled")};
  job.status = "canceled";
  job.detail = std::string{cancel_detail};
  job.updated_at_ms = now;
  job.finished_at_ms = now;
  job.callback_pending = !job.callback_url.empty();
  return caf::expected<job_record>{std::move(job)};
}

job_record* job_book::cancel(const job_record& stored) {
  auto i = jobs.find(stored.job_id);
  if (i == jobs.end() || storage::is_final_status(i->second.status))
    return nullptr;
  finish(i->second, stored.status, stored.detail, stored.finished_at_ms);
  auto* job = &i->second;
  evict();
  return job;
}

std::vector<job_record*> job_book::expire(int64_t now) {
  std::vector<job_record*> out;
  while (!expiries.empty() && expiries.begin()->first <= now) {
    auto id = std::move(expiries.begin()->second);
    expiries.erase(expiries.begin());
    auto i = jobs.find(id);
    if (i == jobs.end() || storage::is_final_status(i->second.status))
      continue;
    finish(i->second, "expired",
           "not done within its ttl of " + std::to_string(i->second.ttl_s)
             + " s",
           now);
    out.push_back(&i->second);
  }
  return out;
}

std::vector<job_record>
job_book::unfinished(const std::string& terminal_id) const {
  std::vector<job_record> out;
  auto i = open_jobs.find(terminal_id);
  if (i == open_jobs.end())
    return out;
  for (const auto& id : i->second)
    if (auto j = jobs.find(id); j != jobs.end() && unstored.count(id) == 0)
      out.push_back(j->second);
  return out;
}

size_t job_book::forget_old_final(int64_t now) {
  if (job_retention_ms <= 0)
    return 0;
  size_t n = 0;
  while (!final_jobs.empty()) {
    auto i = jobs.find(final_jobs.front());
    if (i != jobs.end()
        && (i->second.callback_pending
            || i->second.finished_at_ms >= now - job_retention_ms))
      break;
    if (i != jobs.end())
      jobs.erase(i);
    final_jobs.pop_front();
    ++n;
  }
  return n;
}

} // namespace tether
