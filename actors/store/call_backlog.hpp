// call_backlog: the history records the control handed to the store and
// not yet written (one section of store_actor_state). The control hands a
// tick's records over at once, about four a job (thousands a second flat
// out); written as one batch they would hold every synced job write queued
// behind it for milliseconds. Instead each batch the store writes carries
// at most `per_batch` of them, oldest first, so a job write waits behind
// one small chunk at most and the records ride in the job writes' batches
// (no extra sync while jobs flow).
//
// At most one hand-over is ever unwritten: what is left of an earlier one
// when the next arrives goes whole into the next batch (a kill -9 loses at
// most one tick's records, as before). Plain C++; unit-tested in
// tests/actors/store/call_backlog_test.cpp.
#pragma once

#include <cstddef>
#include <deque>
#include <vector>

#include "storage/store.hpp"

namespace tether {

class call_backlog {
public:
  explicit call_backlog(size_t per_batch = 256);

  /// Takes a hand-over (leaves `records` empty); moves what was left of
  /// the earlier one to the end of `batch`, whole.
  void hand_over(std::vector<storage::call_record>& records,
                 std::vector<storage::call_record>& batch);

  /// Moves the oldest records to the end of `batch`: at most per_batch, or
  /// all of them with `all` (a read or a retirement must see them written).
  void fill(std::vector<storage::call_record>& batch, bool all = false);

  bool empty() const { return records_.empty(); }
  size_t size() const { return records_.size(); }
  size_t per_batch() const { return per_batch_; }

private:
  size_t per_batch_;
  std::deque<storage::call_record> records_;
};

} // namespace tether
