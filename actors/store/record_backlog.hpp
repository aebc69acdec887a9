// record_backlog: records the control handed to the store and not yet
// written (part of store_actor_state), for the two kinds the control hands
// over in bulk: the per-call history records (call_backlog: a tick's
// records, about four a job, thousands a second flat out) and the API
// histories that changed (history_backlog: one a terminal, about one per
// job pushed at 2,000 jobs/s). Written as one batch they would hold every
// synced job write queued behind it for milliseconds once a second (the
// histories' batch took 6-9 ms under load, docs/BENCHMARKS.md). Instead
// each batch the store writes carries at most `per_batch` of them, oldest
// first, so a job write waits behind one small chunk at most and the
// records ride in the job writes' batches (no extra sync while jobs flow).
//
// At most one hand-over is ever unwritten: what is left of an earlier one
// when the next arrives goes whole into the next batch (a kill -9 loses at
// most one tick's records, as before, and a later hand-over is never
// written before an earlier one, so a terminal's latest history wins).
// Plain C++; unit-tested in tests/actors/store/call_backlog_test.cpp, and
// on the store in store_flow_test.cpp (StoreBacklog.*).
#pragma once

#include <algorithm>
#include <cstddef>
#include <deque>
#include <iterator>
#include <vector>

#include "storage/store.hpp"

namespace tether {

template <class Record>
class record_backlog {
public:
  explicit record_backlog(size_t per_batch = 256)
      : per_batch_(std::max<size_t>(1, per_batch)) {}

  /// Takes a hand-over (leaves `records` empty); moves what was left of
  /// the earlier one to the end of `batch`, whole.
  void hand_over(std::vector<Record>& records, std::vector<Record>& batch) {
    fill(batch, true);
    records_.insert(records_.end(), std::make_move_iterator(records.begin()),
                    std::make_move_iterator(records.end()));
    records.clear();
  }

  /// Moves the oldest records to the end of `batch`: at most per_batch, or
  /// all of them with `all` (a read or a retirement must see them written).
  void fill(std::vector<Record>& batch, bool all = false) {
    auto n = all ? records_.size() : std::min(per_batch_, records_.size());
    auto end = records_.begin() + static_cast<std::ptrdiff_t>(n);
    batch.insert(batch.end(), std::make_move_iterator(records_.begin()),
                 std::make_move_iterator(end));
    records_.erase(records_.begin(), end);
  }

  bool empty() const { return records_.empty(); }
  size_t size() const { return records_.size(); }
  size_t per_batch() const { return per_batch_; }

private:
  size_t per_batch_;
  std::deque<Record> records_;
};

using call_backlog = record_backlog<storage::call_record>;
using history_backlog = record_backlog<storage::api_history>;

} // namespace tether
