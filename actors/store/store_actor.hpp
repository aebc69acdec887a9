// store_actor: the only user of the RocksDB store at run time. Spawned
// detached (its own thread), so disk writes never stall the cooperative
// scheduler.
//
// Group commit: writes are not done one by one. Each put joins the pending
// batch and, if none is scheduled, a `flush` is sent to self; it queues
// behind every request already in the mailbox, so all of them go into one
// WriteBatch and one (synced) WAL write, after which each request is
// answered. An answer therefore always means "on disk".
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actors/system/interfaces.hpp"
#include "storage/store.hpp"

namespace tether {

struct store_actor_state {
  static inline const char* name = "store";
  std::shared_ptr<storage::store> db;

  std::vector<terminal_record> terminals;
  std::vector<job_record> jobs;
  std::vector<api_history> histories;
  std::vector<disconnect_event> events;
  int64_t drop_events_before_ms = 0;
  uint64_t next_seq = 0;
  std::vector<caf::typed_response_promise<ok_atom>> waiting;
  bool flush_scheduled = false;

  // Counters for /metrics and benchmarks.
  uint64_t batches = 0;
  uint64_t records = 0;
  /// Each batch's write (and sync) time and outcome, for /metrics.
  metric_set figures;
  std::chrono::milliseconds job_retention{0}; // 0: keep finished jobs

  /// Writes the pending batch; returns its outcome.
  storage::status flush();
  /// Writes the pending batch and answers every request that joined it.
  void flush_and_answer();
  /// Deletes the finished jobs past their retention (and logs it).
  void purge_expired();
  /// A stored job, not_found, or unavailable when the store fails.
  caf::result<job_record> get_job(const std::string& id);
};

store_actor::behavior_type
store_service(store_actor::stateful_pointer<store_actor_state> self,
              std::shared_ptr<storage::store> db,
              std::chrono::milliseconds job_retention);

/// How often the store looks for finished jobs past their retention: a
/// quarter of it, between 1 s and 1 h.
std::chrono::milliseconds purge_period(std::chrono::milliseconds retention);

} // namespace tether
