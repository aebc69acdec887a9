// Idle-only rebalancing inside a cluster (docs/ARCHITECTURE.md, "Who talks
// to whom", Rebalancing): the rule that decides when sessions move from the
// fullest node of a cluster to its emptiest, and how many. Plain C++, used by
// each cluster balancer (actors/cluster_balancer/node_pool_rebalance.hpp)
// and unit-tested in tests/actors/policy/rebalance_test.cpp.
//
// A round starts when the fullest usable node holds at least `ratio` times
// the sessions of the emptiest (loads are sessions ÷ weight; weights are 1
// unless the node strategy is "weighted"). A round plans moves one session
// at a time from the fullest to the emptiest node as long as the move does
// not make the giver lighter than the taker: nodes never swap roles, so a
// move is never undone by the next round. Hysteresis: once a round started,
// the next ones continue (below the ratio) until the cluster is balanced;
// only then does the ratio have to be crossed again. Two rounds are at
// least `period` apart, so that the nodes' reports (once a second) catch up
// with the moves before the next plan.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tether {

struct rebalance_settings {
  double ratio = 2;          // 0: rebalancing off
  int64_t period_ms = 5'000; // between two rounds, at least
};

/// A node as the rule sees it.
struct rebalance_node {
  uint32_t sessions = 0;
  uint32_t weight = 1; // 0: takes no new sessions (left as it is)
  bool usable = true;  // false: failed or draining (neither gives nor takes)
};

/// `count` sessions to move from node `from` to node `to` (indexes).
struct rebalance_move {
  size_t from = 0;
  size_t to = 0;
  uint32_t count = 0;
};

class rebalance_rule {
public:
  explicit rebalance_rule(rebalance_settings cfg = {}) : cfg_(cfg) {}

  /// The moves of a round starting at `now_ms`, or none (balanced, below
  /// the ratio, or too soon after the last round). Ties go to the lowest
  /// index, so every balancer of a cluster plans the same round.
  std::vector<rebalance_move> plan(const std::vector<rebalance_node>& nodes,
                                   int64_t now_ms);

  /// True while a round continues until the cluster is balanced.
  bool balancing() const { return balancing_; }
  const rebalance_settings& settings() const { return cfg_; }

private:
  rebalance_settings cfg_;
  bool balancing_ = false;
  bool any_round_ = false;
  int64_t last_round_ms_ = 0;
};

} // namespace tether
