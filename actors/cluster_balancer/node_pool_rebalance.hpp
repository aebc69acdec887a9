// node_pool_rebalance: a cluster balancer's part of rebalancing its
// cluster's nodes (the rule: actors/policy/rebalance.hpp). Each round plans
// moves from the fullest node to the emptiest; this balancer moves its share
// of them (its own sessions there over all the node's sessions, rounded up),
// idle sessions first, paced by the re-allocation pacer
// (actors/policy/pacer.hpp) at `reallocation.max_rate`. A session that is
// busy when its turn comes stays and goes last in the next round. Plain C++,
// owned by the cluster balancer; tests/actors/cluster_balancer/.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "actors/cluster_balancer/connections.hpp"
#include "actors/cluster_balancer/node_pool.hpp"
#include "actors/policy/pacer.hpp"
#include "actors/policy/rebalance.hpp"

namespace tether {

/// Where a planned move takes a connection's session (node indexes).
struct rebalance_target {
  size_t from = 0;
  size_t to = 0;
};

class node_pool_rebalance {
public:
  explicit node_pool_rebalance(rebalance_settings cfg = {},
                               uint32_t max_rate = 50);

  /// Plans a round (when the rule says so and the last round's moves are
  /// all done): the connections to move, each with its delay from now.
  /// `weights` are the nodes' weights (empty: all 1).
  std::vector<std::pair<uint64_t, std::chrono::milliseconds>>
  plan(const node_pool& nodes, const connection_table& conns,
       const std::map<std::string, uint32_t>& weights, int64_t now_ms);

  /// The move planned for `conn` (forgotten once taken), if any.
  std::optional<rebalance_target> take(uint64_t conn);

  /// `conn`'s session had a job in flight: it goes last next round.
  void busy(uint64_t conn) { busy_.insert(conn); }

  /// Moves planned and not yet taken.
  size_t pending() const { return pending_.size(); }

  const rebalance_rule& rule() const { return rule_; }

private:
  /// This balancer's connections to move off node `from`: `count`, in
  /// connection order with the busy ones last.
  std::vector<uint64_t> pick(const connection_table& conns, size_t from,
                             uint32_t count) const;

  rebalance_rule rule_;
  reallocation_pacer pacer_;
  std::unordered_map<uint64_t, rebalance_target> pending_;
  std::unordered_set<uint64_t> busy_;
};

} // namespace tether
