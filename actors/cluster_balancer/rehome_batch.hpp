// rehome_batch: the sessions a balancer starts again after their node went
// away, gathered per target node while the burst of down messages is read,
// then asked of each node in one spawn request per batch (one section of
// cluster_balancer_state). A kill -9 of a node ends all its sessions at
// once; one spawn request per session cost a request, a reply and a timeout
// timer each (docs/BENCHMARKS.md, "Re-homing"). Plain C++; unit-tested in
// tests/actors/cluster_balancer/rehome_batch_test.cpp.
//
// The balancer sends itself a flush message when the first connection is
// added; it arrives behind the down messages already in the mailbox, so a
// batch holds every session of the burst that came before it (at most
// `max` per request).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace tether {

class rehome_batch {
public:
  explicit rehome_batch(size_t max = 512) : max_(max == 0 ? 1 : max) {}

  /// Adds connection `conn`, whose session starts again on node `node`;
  /// true if the batch was empty (the caller schedules a flush).
  bool add(size_t node, uint64_t conn) {
    bool first = pending_.empty();
    pending_[node].push_back(conn);
    return first;
  }

  /// The requests to send now: per node, its connections in the order they
  /// came, split into runs of at most `max`; the batch is empty afterwards.
  std::vector<std::pair<size_t, std::vector<uint64_t>>> take();

  bool empty() const { return pending_.empty(); }

private:
  size_t max_;
  std::map<size_t, std::vector<uint64_t>> pending_;
};

} // namespace tether
