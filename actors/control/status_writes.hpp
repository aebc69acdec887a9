// status_writes: the job states the control has yet to hand to the store
// (one section of control_state). Every status report of a device
// (delivered, acked, done, failed), a TTL expiry, a retirement's
// cancellation and a callback's outcome used to be its own store request
// with its own response handler: three or more a job, and CAF 0.17 keeps
// awaited responses in a flat map (a linear find and an erase per answer),
// which grows with them (docs/BENCHMARKS.md, "Bulk push").
//
// Now they queue here and go to the store as one request (one handler) per
// batch. The rule: a record goes at once when no batch is in flight (an
// idle control adds no delay); while one is, records wait for its answer
// and then go together, and `max_batch` waiting records go without waiting
// (so a batch, and what a crash can lose, stays bounded). The batch size
// thus follows the store's own group commit: as many records as came in
// during one synced write. Order is kept: records leave oldest first, and
// the store writes its requests in the order they arrive; a waiting state
// of a job is replaced by its later one (a batch is one WriteBatch, so
// only the latest is worth writing).
//
// None of these writes answers an API call (the push, the bulk push and a
// cancel are stored through their own requests before their answers); a
// job's callback is posted only once the batch holding its final state is
// stored (status_batch::callbacks). Plain C++; unit-tested in
// tests/actors/control/status_writes_test.cpp, the control's use in
// status_writes_flow_test.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "actors/system/messages.hpp"

namespace tether {

/// One store request's worth of job states.
struct status_batch {
  std::vector<job_record> jobs; // oldest first
  /// The records of `jobs` whose callback is to be posted once stored.
  std::vector<job_record> callbacks;
  /// For the log line of a failed write: "N job states (first … last)".
  std::string what;
};

class status_writes {
public:
  explicit status_writes(size_t max_batch = 256);

  /// Queues a job's new state (replacing a waiting state of the same job:
  /// only its latest is written); true when a batch should go now (none is
  /// in flight, or max_batch are waiting).
  bool add(job_record job);

  /// The waiting records as one batch (none: an empty batch), counted in
  /// flight until answered().
  status_batch take();

  /// A batch's answer (stored or not) came; true when the waiting records
  /// should go now.
  bool answered();

  size_t waiting() const { return waiting_.size(); }
  size_t in_flight() const { return in_flight_; }
  size_t max_batch() const { return max_batch_; }
  /// Waiting states replaced by a later state of the same job.
  uint64_t replaced() const { return replaced_; }

private:
  std::vector<job_record> waiting_;
  /// The hash of each waiting record's job id (same order): the search for
  /// a waiting state of the same job compares ids only where these match,
  /// not every waiting record's id.
  std::vector<size_t> id_hashes_;
  size_t in_flight_ = 0;
  size_t max_batch_;
  uint64_t replaced_ = 0;
};

} // namespace tether
