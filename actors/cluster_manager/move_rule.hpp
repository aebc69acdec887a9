// move_rule: when a node moves from one cluster to another (issue 14,
// item 2). Plain C++, no actor: the cluster manager asks it once per status
// report (every second) with the clusters that take part (elastic.max_nodes
// > 0) and carries out the answer (elastic_actions.cpp);
// tests/actors/cluster_manager/move_rule_test.cpp.
//
// The figure is sessions per active node (as elastic_rule's). The heaviest
// cluster that may grow (fewer active nodes than max_nodes) receives a node
// from the lightest that may shrink (more than min_nodes, with a node that
// may leave) when:
//   - the heavy figure is at least `ratio` times the light one, a light
//     figure under one session per node counting as one (a move for a
//     handful of sessions is not worth a drain);
//   - after the move the heavy cluster would still hold at least as many
//     sessions per node as the light one (hysteresis: the reverse move can
//     then never hold at once, so nodes do not oscillate);
//   - both held for `period` with the same two clusters, and the last move
//     of any cluster is at least `cooldown` old.
// Ties: the first cluster in the topology's order; the node that leaves is
// the one with the fewest sessions (ties: the first by id).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "actors/cluster_manager/elastic_rule.hpp"

namespace tether {

/// A cluster that takes part in node moves, at a status report.
struct pool_cluster {
  std::string cluster_id;
  uint64_t sessions = 0;             // its live connections
  std::vector<elastic_node> active;  // active members, live
  std::vector<elastic_node> movable; // of those, the ones that may leave
  uint32_t min_nodes = 1;
  uint32_t max_nodes = 0;
};

struct node_move {
  std::string node; // empty: no move
  std::string from;
  std::string to;
  std::string reason; // for the log
};

class move_rule {
public:
  double ratio = 2; // 0: off
  std::chrono::milliseconds period{10'000};
  std::chrono::milliseconds cooldown{30'000};

  /// The move to make now, if any, among `pool` (topology order) at
  /// `now_ms` (a steady clock). Remembers the pair it is timing and the
  /// last move.
  node_move decide(const std::vector<pool_cluster>& pool, int64_t now_ms);

private:
  std::string pair_; // "heavy>light" being timed
  std::optional<int64_t> since_;
  std::optional<int64_t> last_move_;
};

} // namespace tether
