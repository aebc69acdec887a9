// call_log: the per-call history records the control has not yet handed
// to the store (one section of control_state). Each API call on a
// terminal, job step, connect and disconnect becomes one call_record,
// stamped with the time and a sequence number (the order of records of one
// millisecond); the tick hands them to the store in one batch, so a kill -9
// loses at most one tick's records, as with the connection history. Under
// load the job path hands them over sooner, once `handover_at` are pending
// (full()), just before a job's own write: they join its synced batch
// (docs/ARCHITECTURE.md, "The job path's history records").
// Bounded: beyond max_pending the oldest pending records are dropped and
// counted. Plain C++; unit-tested in tests/actors/control/call_log_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "actors/system/messages.hpp"

namespace tether {

/// The events of a terminal's history (docs/API.md, "History").
namespace call_event {
inline constexpr const char* connect = "connect";
inline constexpr const char* disconnect = "disconnect";
inline constexpr const char* moved = "moved"; // session handed to a node
inline constexpr const char* job_pushed = "job_pushed";
inline constexpr const char* job_delivered = "job_delivered";
inline constexpr const char* job_acked = "job_acked";
inline constexpr const char* job_finished = "job_finished";
} // namespace call_event

struct call_log {
  std::deque<call_record> pending;
  size_t max_pending = 100'000;
  /// Pending records the job path hands over without waiting for the tick
  /// (one store chunk, store_actor's history_limits::calls_per_batch).
  size_t handover_at = 256;
  uint64_t dropped = 0; // pending records dropped at the bound
  uint32_t next_seq = 0;

  /// Adds one record of `terminal_id` at `now`; returns it.
  const call_record& add(const std::string& terminal_id,
                         const std::string& event, int64_t now,
                         std::string job_id = {}, std::string detail = {},
                         std::string node = {}, std::string address = {});

  /// The records of a job status report (job_update::status): delivered,
  /// acked, and the final ones (done, failed) as job_finished; none for
  /// other reports.
  void add_job_step(const std::string& terminal_id, const std::string& job_id,
                    const std::string& status, const std::string& node,
                    int64_t now);

  /// Drops the pending records of `terminal_id` (a retired terminal: its
  /// stored records are deleted, none may come back); returns how many.
  size_t forget(const std::string& terminal_id);

  /// Whether handover_at records (or more) are pending.
  bool full() const { return handover_at > 0 && pending.size() >= handover_at; }

  /// Every pending record, oldest first, and forgets them.
  std::vector<call_record> take();
};

/// The calls the gateway reports (history_atom): the route's name in the
/// history; empty for a call that is not recorded.
std::string call_event_of(const std::string& call);

} // namespace tether
