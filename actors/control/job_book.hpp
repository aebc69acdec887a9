// job_book: the control's jobs (one section of control_state). Plain C++,
// no actor; unit-tested in tests/actors/control/job_book_test.cpp.
//
// A job is created queued by new_job, kept out of reach of sessions until
// its store write completed (stored; drop_job forgets it when the write
// failed), moved forward by the sessions' reports (apply; statuses only
// move forward, a final status never changes), expired by its TTL
// (expire), and, once final, kept in memory within a bound (older ones are
// read back from the store) and for job_retention_ms (forget_old_final).
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <boost/container/devector.hpp>
#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "actors/system/messages.hpp"

namespace tether {

/// Final jobs the control keeps in memory (and reads at start); older ones
/// are read from the store when asked for.
constexpr size_t default_final_in_memory = 100'000;

/// Orders job statuses: queued < delivered < acked < final.
int status_rank(const std::string& status);

struct job_book {
  /// A terminal's open job ids, oldest first. Jobs mostly finish oldest
  /// first: a devector erases its first element without moving the others
  /// (a vector moved every id behind it, per finished job).
  using id_list = boost::container::devector<std::string>;

  std::unordered_map<std::string, job_record> jobs;
  /// Open (not final) jobs of each terminal, oldest first (creation order).
  std::unordered_map<std::string, id_list> open_jobs;
  /// Final jobs kept in memory, oldest first; older ones are read back
  /// from the store on demand.
  std::deque<std::string> final_jobs;
  size_t max_final_in_memory = default_final_in_memory;
  /// Final jobs are forgotten this long after they finished (the store
  /// deletes them too, timers.job_retention); 0 keeps them.
  int64_t job_retention_ms = 0;
  /// Jobs whose store write has not completed yet: they are not sent to a
  /// session (a store failure answers 503, so the job must not run).
  std::unordered_set<std::string> unstored;
  /// Open jobs with a TTL, by expiry time.
  std::multimap<int64_t, std::string> expiries;
  uint64_t next_job_seq = 1;
  size_t max_queue = 1000; // open jobs per terminal before 429

  /// Takes the stored jobs at start; returns the final ones whose callback
  /// is still pending (to be notified again).
  std::vector<job_record> load(std::vector<job_record> stored_jobs);

  /// The job, or nullptr when it is not in memory.
  job_record* find(const std::string& job_id);

  /// Open jobs of a terminal.
  size_t open_count(const std::string& terminal_id) const;

  /// Why a terminal may not get another job (429), or nothing.
  caf::error queue_full(const std::string& terminal_id) const;

  /// Creates a queued job from a push request; assigns its id.
  job_record new_job(job_record request, int64_t now);

  /// The job's store write completed.
  void stored(const job_record& job);
  /// Forgets a job whose storing failed.
  void drop_job(const job_record& job);

  /// Applies a session's report. Returns the job when it changed (statuses
  /// only move forward; a final status never changes). A job that becomes
  /// final with a callback URL is marked callback_pending.
  job_record* apply(const job_update& update, int64_t now);

  /// DELETE /v1/jobs/{id}: the job as it is once canceled (not applied;
  /// apply it with `cancel` once stored), or why not: 409 naming the
  /// status of a final job. Nothing for a job not in memory (the caller
  /// asks the store: a job evicted from memory is final).
  std::optional<caf::expected<job_record>> canceled(const std::string& job_id,
                                                    int64_t now) const;
  /// Applies a stored cancellation (`stored`, as `canceled` made it): the
  /// job becomes final unless it became final meanwhile. Returns the job
  /// when it changed.
  job_record* cancel(const job_record& stored);

  /// Marks open jobs whose TTL has passed as expired; returns them.
  std::vector<job_record*> expire(int64_t now);

  /// Open (not final) jobs of a terminal, oldest first: what a new session
  /// of the terminal is sent. Acknowledged ones too: their result may have
  /// been lost with the old session, and the device answers a duplicate of
  /// a job it finished with the result again.
  std::vector<job_record> unfinished(const std::string& terminal_id) const;

  /// Retention: forgets the oldest final jobs that finished more than
  /// job_retention_ms before `now` (those with a pending callback stay).
  /// Returns how many.
  size_t forget_old_final(int64_t now);

private:
  void forget_open(const job_record& job);
  void finish(job_record& job, const std::string& status,
              const std::string& detail, int64_t now);
  void evict();
};

} // namespace tether
