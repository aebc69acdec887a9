// node_pool: the nodes of a cluster balancer's cluster, their last reports,
// this balancer's exact session count on each, and whether a node failed
// (its actor is down or not reachable yet) or an operator drains it. Picks
// the node for a new session. Plain C++, owned by the cluster balancer.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor_addr.hpp>

#include "actors/system/interfaces.hpp"

namespace tether {

struct node_entry {
  std::string node_id;
  node_actor handle;
  node_status last; // as last reported (all balancers' sessions)
  uint32_t own = 0; // this balancer's sessions there, exact
  bool failed = false;
  bool reached = false;  // had a handle once since this balancer started
  bool draining = false; // set by an operator: no new sessions
  uint32_t capacity = 1; // [clusters.node_capacity]: least_load's divisor
  uint32_t weight = 1;   // [clusters.node_weights] (reported; picks use cfg)
};

class node_pool {
public:
  std::vector<node_entry> entries;

  node_entry& operator[](size_t i) { return entries[i]; }

  /// Adds a node; a null handle (another process, not reachable yet)
  /// counts as failed until the peers actor hands over its handle.
  void add(const std::string& id, node_actor handle);

  /// The `strategy` (fewest sessions when unknown) among live nodes, never
  /// a draining or failed one, nor one holding `max_sessions` (0: no cap).
  /// A node's load is the larger of its last report (which includes other
  /// balancers' sessions but may be a second old) and this balancer's own
  /// exact count there.
  std::optional<size_t> pick(const std::string& strategy,
                             const std::map<std::string, uint32_t>& weights,
                             uint32_t max_sessions = 0) const;

  /// Every node as this balancer reports it.
  std::vector<node_status> status() const;

  /// Moves one session of this balancer from node `from` to node `to`
  /// (either may be none), keeping the counts.
  void move_session(std::optional<size_t> from, std::optional<size_t> to);

  /// Marks the nodes whose actor is `source` failed; returns the ids of
  /// those that were not failed before.
  std::vector<std::string> fail(const caf::actor_addr& source);

  /// Takes the handles of a new connection to a process (its peer
  /// directory): each node of this cluster found there is live again with
  /// an empty report. Returns their indexes.
  std::vector<size_t> reach(const std::map<std::string, node_actor>& found);

  /// Sets an operator's node state; returns the node's index if it starts
  /// draining now.
  std::optional<size_t> set_state(const std::string& node,
                                  const std::string& state);

  /// The live nodes to ask for a report (their indexes).
  std::vector<size_t> to_ask() const;

  /// Sets the nodes' capacities (missing: 1).
  void set_capacities(const std::map<std::string, uint32_t>& capacity);

  /// Sets the nodes' weights as reported (missing: 1).
  void set_weights(const std::map<std::string, uint32_t>& weight);

  /// Takes a report a node sent on its own (its load moved by a step);
  /// ignored for a failed or unknown node.
  void take_report(const node_status& report);

  /// Takes the reports of the nodes `asked` (to_ask's answer).
  void take_reports(const std::vector<size_t>& asked,
                    std::vector<std::optional<node_status>>& results);
};

} // namespace tether
