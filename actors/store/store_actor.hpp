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

#include "actors/store/record_backlog.hpp"
#include "actors/store/sweep_schedule.hpp"
#include "actors/system/interfaces.hpp"
#include "config/defaults.hpp"
#include "storage/store.hpp"

namespace tether {

/// Bounds of the per-call history records ([history]).
struct history_limits {
  std::chrono::milliseconds retention{defaults::history_retention};
  size_t max_per_terminal = defaults::history_max_per_terminal;
  size_t sweep_per_tick = defaults::history_sweep_per_tick;
  std::chrono::milliseconds sweep_period{defaults::history_sweep_period};
  /// History records one batch carries at most: the control hands a tick's
  /// records over at once (about four a job), and a batch of thousands
  /// would hold every synced job write behind it for milliseconds; a
  /// backlog rides along with the next batches instead (history_backlog).
  size_t calls_per_batch = 256;
  /// API histories one batch carries at most: the control's tick hands
  /// over every history that changed (about one per job pushed), once a
  /// second; they ride along with the next batches the same way.
  size_t histories_per_batch = 128;
};

/// Records handed over in bulk and written a chunk a batch
/// (record_backlog.hpp), with the requests that handed them over: each
/// answered once every record is written, with the first failure since.
template <class Record>
struct backlogged {
  record_backlog<Record> backlog;
  std::vector<caf::typed_response_promise<ok_atom>> waiting;
  storage::status outcome;

  /// Takes a hand-over (what is left of the earlier one goes to `batch`).
  void take(std::vector<Record>& records, std::vector<Record>& batch,
            caf::typed_response_promise<ok_atom> rp) {
    backlog.hand_over(records, batch);
    waiting.push_back(std::move(rp));
  }

  /// A batch holding a chunk of it was written with `result`; answers the
  /// hand-overs once none of their records is left.
  void written(const storage::status& result);
};

struct store_actor_state {
  static inline const char* name = "store";
  std::shared_ptr<storage::store> db;

  std::vector<terminal_record> terminals;
  std::vector<job_record> jobs;
  std::vector<api_history> histories;
  std::vector<disconnect_event> events;
  std::vector<call_record> calls;
  /// History records and API histories handed over but not yet in a
  /// batch, and the requests that handed them over.
  backlogged<call_record> calls_in{
    call_backlog{history_limits{}.calls_per_batch}, {}, {}};
  backlogged<api_history> histories_in{
    history_backlog{history_limits{}.histories_per_batch}, {}, {}};
  int64_t drop_events_before_ms = 0;
  uint64_t next_seq = 0;
  std::vector<caf::typed_response_promise<ok_atom>> waiting;
  /// Writes joined the pending batch since the last flush.
  bool waiting_writes = false;
  /// A `flush` is on its way to self: one sent at once (a write somebody
  /// waits on; `flush_sent` of them not arrived yet), or one delayed by
  /// lazy_write_wait (a lazy write's timer: at most one at a time, so a
  /// backlog written a chunk a batch costs no timer per batch).
  bool flush_scheduled = false;
  uint32_t flush_sent = 0;
  bool lazy_armed = false;

  // Counters for /metrics and benchmarks.
  uint64_t batches = 0;
  uint64_t records = 0;
  /// Each batch's write (and sync) time and outcome, for /metrics.
  metric_set figures;
  std::chrono::milliseconds job_retention{0}; // 0: keep finished jobs
  history_limits history;
  storage::store::sweep_cursor sweep_at; // where the history sweep goes on
  sweep_schedule sweep{history.retention, history.max_per_terminal};

  /// Writes the pending batch with one chunk of each backlog (all of them
  /// with `all_backlog`); returns its outcome.
  storage::status flush(bool all_backlog);
  /// Writes the pending batch (with at most a chunk of each backlog, or
  /// all with `all_backlog`) and answers every request that joined it, and
  /// the hand-overs once their last record is in.
  void flush_and_answer(bool all_backlog = false);
  /// Takes a hand-over of history records (call_backlog::hand_over), to be
  /// answered with `rp` once its last record is written.
  void take_calls(std::vector<call_record>& cs,
                  caf::typed_response_promise<ok_atom> rp);
  /// Whether records handed over are still to be written.
  bool backlogged_records() const {
    return !calls_in.backlog.empty() || !histories_in.backlog.empty();
  }
  /// A `flush` arrived: one sent at once while any is on its way, else the
  /// lazy timer's (which may then be armed again).
  void flush_arrived() {
    if (flush_sent > 0)
      --flush_sent;
    else
      lazy_armed = false;
  }
  /// Writes what is pending, if anything is (with a chunk of each backlog,
  /// or all of them with `all_backlog`).
  void write_pending(bool all_backlog = false) {
    if (waiting_writes || backlogged_records())
      flush_and_answer(all_backlog);
  }
  /// Deletes exactly these disconnect events, after the pending batch.
  caf::result<ok_atom> delete_events(const std::vector<disconnect_event>& es);
  /// Deletes the finished jobs past their retention (and logs it).
  void purge_expired();
  /// One step of the history records' retention sweep (bounded by
  /// history.sweep_per_tick keys) when `sweep` says one is due, after the
  /// pending batch (never in front of synced writes); else nothing.
  storage::store::sweep_result sweep_history(int64_t now);
  /// A page of a terminal's history records (what is pending is written
  /// first, so a read sees every record the store was given).
  caf::result<call_page> history_page(const std::string& terminal,
                                      int64_t since_ms,
                                      const std::string& cursor,
                                      uint32_t limit);
  /// Whether `rec` is exactly the stored record of its terminal and no
  /// write of that terminal is pending: its put then costs no (synced)
  /// write. A device that registers again with unchanged facts is placed
  /// again and answered, but writes nothing (issue 12).
  bool unchanged(const terminal_record& rec);
  /// A stored job, not_found, or unavailable when the store fails.
  caf::result<job_record> get_job(const std::string& id);
};

store_actor::behavior_type
store_service(store_actor::stateful_pointer<store_actor_state> self,
              std::shared_ptr<storage::store> db,
              std::chrono::milliseconds job_retention,
              history_limits history = {});

/// Group commit, and which writes wait for it. A write an API answer waits
/// on (a pushed job, a terminal record) sends the store a `flush` at once:
/// it queues behind every request already in the mailbox, so all of them
/// share its synced batch. A lazy write, which no API answer waits on (the
/// control's batches of job states, next_seq 0; the history records and
/// API histories handed over; what is left of their backlogs), only joins
/// the pending batch: it is written with the next write that is waited on,
/// or at the latest lazy_write_wait later. At 2,000 jobs/s a push comes
/// every half millisecond, so the job states ride in the pushes' synced
/// batches instead of syncing on their own (1.75 synced batches a job
/// before, most of the store's thread; docs/BENCHMARKS.md, "Job path").
/// A lazy write is still answered only once synced, so a callback is still
/// posted only after the final state is on disk; a kill -9 loses at most
/// the lazy writes of the last lazy_write_wait (the job states in flight
/// were always lost so, and a job's final state lost means it is sent
/// again: delivery is at least once).
inline constexpr std::chrono::milliseconds lazy_write_wait{2};

/// The history sweep walks its `sweep_per_tick` keys a `sweep_period` in
/// this many steps: a step holds up the store's thread (and so every
/// synced write behind it) for its keys, about 2-8 µs each measured here.
inline constexpr size_t sweep_steps = 10;
/// Keys one step looks at (at least 1) and the time between steps.
size_t sweep_step_keys(const history_limits& h);
std::chrono::milliseconds sweep_step_period(const history_limits& h);

/// How often the store looks for finished jobs past their retention: a
/// quarter of it, between 1 s and 1 h.
std::chrono::milliseconds purge_period(std::chrono::milliseconds retention);

} // namespace tether
